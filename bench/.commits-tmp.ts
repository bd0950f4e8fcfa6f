/// <reference lib="dom" />
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { startServe } from '../e2e/serve.ts';
import { FAKE_NVIDIA_SMI, capturePath, writeEightH200Capture } from '../main/probes/testing/captures.ts';
const arg = (n: string, d: string) => process.argv.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3) ?? d;
const gpus = Number(arg('gpus', '1')); const where = arg('page', 'home'); const outDir = arg('out', '');
const file = gpus === 1 ? capturePath('linux-x86_64__nvidia-h200__590.48.01') : writeEightH200Capture();
const served = await startServe({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: file, FAKE_NVIDIA_SMI_STATE: 'alternate' }, ['--network', 'http://127.0.0.1:9']);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-features=LocalNetworkAccessChecks'] });
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
if (outDir) await page.route((u) => !u.pathname.startsWith('/api'), async (route) => {
  const u = new URL(route.request().url()); const p = path.join(outDir, u.pathname === '/' ? 'index.html' : u.pathname);
  if (!fs.existsSync(p)) return route.fulfill({ status: 404 });
  return route.fulfill({ body: fs.readFileSync(p), contentType: p.endsWith('.js') ? 'text/javascript' : p.endsWith('.css') ? 'text/css' : 'text/html' });
});
await page.addInitScript(() => {
  const w = window as any; w.__commits = [];
  w.__REACT_DEVTOOLS_GLOBAL_HOOK__ = { supportsFiber: true, inject() { return 1; }, onCommitFiberUnmount() {}, onPostCommitFiberRoot() {}, checkDCE() {},
    onCommitFiberRoot(_id: number, root: any) {
      if (!w.__on) return;
      const names: string[] = [];
      const walk = (f: any) => { for (let c = f; c; c = c.sibling) { if ((c.flags & 1) && typeof c.type === 'function') names.push(c.type.displayName || c.type.name); if (c.child) walk(c.child); } };
      walk(root.current.child);
      w.__commits.push(`${Math.round(performance.now())} ${names.join(',')}`);
    } };
});
await page.goto(served.url);
await page.waitForTimeout(3000);
if (where === 'device') { await page.goto(`${served.origin}/#/device`); await page.getByRole('radio', { name: '15 min' }).click(); }
await page.waitForTimeout(4000);
await page.evaluate(() => ((window as any).__on = true));
await page.waitForTimeout(10000);
console.log((await page.evaluate(() => (window as any).__commits)).join('\n'));
await browser.close(); await served.stop();
