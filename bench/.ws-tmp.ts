import { chromium } from '@playwright/test';
import { startServe } from '../e2e/serve.ts';
import { FAKE_NVIDIA_SMI, capturePath } from '../main/probes/testing/captures.ts';
const served = await startServe({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: capturePath('linux-x86_64__nvidia-h200__590.48.01'), FAKE_NVIDIA_SMI_STATE: 'alternate' }, ['--network', 'http://127.0.0.1:9']);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const counts = new Map<string, number>(); let sent = new Map<string, number>();
let on = false;
page.on('websocket', (ws) => {
  ws.on('framereceived', (f) => { if (!on) return; const s = String(f.payload); const k = s.slice(0, 40); counts.set(k, (counts.get(k) ?? 0) + 1); if (!s.includes('telemetry')) console.log(s.slice(0, 300)); });
  ws.on('framesent', (f) => { if (!on) return; const s = String(f.payload); const m = /"(?:channel|method)":"([\w.]+)"/.exec(s); const k = m?.[1] ?? s.slice(0, 60); sent.set(k, (sent.get(k) ?? 0) + 1); });
});
await page.goto(served.url);
await page.waitForTimeout(5000);
on = true;
await page.waitForTimeout(10000);
console.log('received', counts, 'sent', sent);
await browser.close(); await served.stop();
