// The desktop app itself, through Playwright's _electron: the window loads from app://io-worker,
// Home shows this machine, the bridge is exactly invoke + subscribe, and the security rules hold.
// Runs wherever an Electron binary exists; elsewhere every test is skipped with the reason.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import si from 'systeminformation';
import { findElectronBinary } from '../main/shell/electron-binary.ts';

const root = process.cwd();
const binary = findElectronBinary(root);
test.skip(!binary.found, binary.found ? '' : `No Electron binary here: ${binary.reason}.`);

/** The page's globals as the tests touch them (this tsconfig has no DOM library). */
type PageGlobals = {
  ioWorker: { invoke(channel: string, args: unknown): Promise<{ ok: boolean; error?: { code: string } }> };
  require?: unknown;
  process?: unknown;
  __inline?: boolean;
  open(url: string): unknown;
  location: { href: string };
  fetch(url: string): Promise<{ headers: { get(name: string): string | null } }>;
  document: {
    head: { append(node: unknown): void };
    createElement(tag: string): { textContent: string };
  };
};

let app: ElectronApplication;
let page: Page;
let profile: string;
const mainLog: string[] = [];

test.beforeAll(async () => {
  if (!binary.found) return;
  if (!fs.existsSync(path.join(root, 'out/main/index.js'))) throw new Error('Build first: npx electron-vite build');
  // A fresh profile per run: no settings, secrets or single-instance lock from a real install.
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-profile-'));
  app = await electron.launch({
    executablePath: binary.path,
    args: [root, ...(process.env.CI ? ['--no-sandbox'] : [])],
    env: { ...process.env, IO_WORKER_USER_DATA: profile, ELECTRON_ENABLE_LOGGING: '1' },
    timeout: 30_000,
  });
  app.process().stdout?.on('data', (d) => mainLog.push(String(d)));
  app.process().stderr?.on('data', (d) => mainLog.push(String(d)));
  page = await app.firstWindow();
});

test.afterAll(async () => {
  await app?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

// Playwright requires the fixtures argument to be an object pattern, even an empty one.
// eslint-disable-next-line no-empty-pattern
test.afterEach(async ({}, info) => {
  if (info.status !== info.expectedStatus) await info.attach('main-process.log', { body: mainLog.join('') });
});

test('the window loads from app://io-worker and Home shows this machine’s CPU', async () => {
  expect(page.url()).toMatch(/^app:\/\/io-worker\//);
  const cpu = await si.cpu();
  const brand = [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ').trim() || os.cpus()[0]!.model;
  await expect(page.getByTestId('cpu-brand')).toHaveText(brand);
  await expect(page.getByRole('status').first()).toContainText(/Idle|Starting|Earning/);
});

test('window.ioWorker is exactly invoke + subscribe, and no Node reaches the page', async () => {
  const shape = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    return {
      keys: Object.keys(w.ioWorker).sort(),
      require: typeof w.require,
      process: typeof w.process,
      ipcRenderer: 'ipcRenderer' in w,
    };
  });
  expect(shape).toEqual({ keys: ['invoke', 'subscribe'], require: 'undefined', process: 'undefined', ipcRenderer: false });
});

test('the bridge answers the contract and refuses what is not in it', async () => {
  const replies = await page.evaluate(async () => {
    const api = (globalThis as unknown as PageGlobals).ioWorker;
    return {
      ping: await api.invoke('system.ping', { nonce: 'e2e' }),
      unknown: await api.invoke('shell.openExternal', { url: 'file:///etc/passwd' }),
      bad: await api.invoke('settings.update', { sampleIntervalMs: 1 }),
    };
  });
  expect(replies.ping).toMatchObject({ ok: true, result: { nonce: 'e2e' } });
  expect(replies.unknown).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
  expect(replies.bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
});

test('window.open is denied and navigation away is refused', async () => {
  const opened = await page.evaluate(() => (globalThis as unknown as PageGlobals).open('https://example.com/') === null);
  expect(opened).toBe(true);
  expect(app.windows()).toHaveLength(1);
  await page.evaluate(() => {
    (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
  });
  await page.waitForTimeout(500);
  expect(page.url()).toMatch(/^app:\/\/io-worker\//);
});

test('every response carries the strict CSP, and inline script does not run', async () => {
  const csp = await page.evaluate(async () =>
    (await (globalThis as unknown as PageGlobals).fetch('/index.html')).headers.get('content-security-policy'),
  );
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("default-src 'none'");
  const inlineRan = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    const script = w.document.createElement('script');
    script.textContent = 'window.__inline = true';
    w.document.head.append(script);
    return w.__inline === true;
  });
  expect(inlineRan).toBe(false);
});
