/// <reference lib="dom" />
// Dashboard speed in Debian's Chromium against a real `io-worker serve` (fake nvidia-smi replaying
// the H200 capture, a ledger seeded with 30 days of history): time to a usable Home, Device
// details drawing 24 h of history, the first page's
// bundle size, and main-thread time per second at 1 Hz on Home and Device details with 1 and 8 GPUs
// (`--ui-seconds=N`, default 20), each against the goal. No other dashboard runs offline to
// compare with, so each figure sits beside the least any page costs in the same browser and run: a
// page of one temperature, with the same headers, fed the same frames (startFloorPage).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium, type Browser } from '@playwright/test';
import { WebSocketServer } from 'ws';
import { CHROMIUM_ARGS } from '../playwright.config.ts';
import { startCoordinator } from '../e2e/coordinator.ts';
import { rpc, startServe, type Served } from '../e2e/serve.ts';
import { FAKE_NVIDIA_SMI, capturePath, writeEightH200Capture } from '../main/probes/testing/captures.ts';
import { STATIC_HEADERS } from '../main/static-files.ts';
import type { TelemetryFrame } from '../preload/contract/index.ts';
import { TelemetryRing } from '../renderer/store/telemetry.ts';
import { generate } from './ledger.bench.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (v: number) => `${v.toFixed(1)} ms`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER GOAL');

function firstPageBytes(): { raw: number; gzip: number; files: string[] } {
  const dir = path.join(ROOT, 'out', 'renderer');
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const data = fs.readFileSync(path.join(dir, file));
    raw += data.length;
    gzip += zlib.gzipSync(data, { level: 9 }).length;
  }
  return { raw, gzip, files };
}

export async function run(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'out', 'renderer', 'index.html'))) throw new Error('Build first: npm run build');
  const bundle = firstPageBytes();
  console.log(`first page bundle: ${(bundle.raw / 1024).toFixed(0)} KB raw, ${(bundle.gzip / 1024).toFixed(0)} KB gzipped (${bundle.files.length} files; goal < 400 KB gz: ${verdict(bundle.gzip < 400 * 1024)})`);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-dash-bench-'));
  generate(dataDir, Date.now());
  const served = await startServe(
    { IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: capturePath('linux-x86_64__nvidia-h200__590.48.01'), FAKE_NVIDIA_SMI_STATE: 'alternate' },
    ['--network', 'http://127.0.0.1:9'], // no network traffic in the measurement: an address that refuses at once
    dataDir,
  );
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    // 1. Load to usable: Home shows the GPU's live temperature. Timed inside the page, from the
    // start of navigation to the first frame painted with it (Playwright's own polling would add
    // up to a few hundred ms of its own).
    // The first load runs while the worker is still starting (inventory probes, ledger catch-up)
    // and Chromium's caches are cold: printed on its own, the median is of the five after it.
    const loads: number[] = [];
    for (let i = 0; i < 6; i++) loads.push(await timeToTemperature(browser, served.url));
    const [cold, ...warm] = loads;
    // For scale, the same measure of a page that is nothing but one temperature, with the same headers.
    const floor = await startFloorPage('');
    const floorLoads: number[] = [];
    try {
      for (let i = 0; i < 5; i++) floorLoads.push(await timeToTemperature(browser, floor.url));
    } finally {
      await floor.stop();
    }
    console.log(
      `Home usable after load (first painted GPU temperature), 1 GPU: median ${ms(median(warm))} of 5 (goal < 300 ms: ${verdict(median(warm) < 300)}); ` +
        `a page of one temperature and nothing else, with the same headers: ${ms(median(floorLoads))} (${(median(warm) / median(floorLoads)).toFixed(1)}x)`,
    );
    console.log(`first load, while the worker starts: ${ms(cold!)} (goal < 500 ms: ${verdict(cold! < 500)})`);

    // 2. Device details, 24 h of history (1-minute points) in every chart.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(served.url);
    await page.getByTestId('gpu-temp').filter({ hasText: /°C/ }).waitFor();
    await page.goto(`${served.origin}/#/device`);
    await page.getByRole('radio', { name: '15 min' }).waitFor();
    // Eleven switches: single runs here vary by ±15 ms, so the median of five moved too much.
    const renders: number[] = [];
    for (let i = 0; i < 11; i++) {
      await page.getByRole('radio', { name: '15 min' }).click();
      await page.waitForTimeout(300);
      renders.push(
        await page.evaluate(async () => {
          const t0 = performance.now();
          (document.querySelector('[role=radio][aria-checked=false]:nth-of-type(2)') as HTMLButtonElement).click();
          // Charts on screen must be drawn; those below the fold load when scrolled to.
          const state = (s: string) => document.querySelectorAll(`.chart-card .chart.history[data-state=${s}]`).length;
          while (state('drawn') === 0 || state('loading') > 0) {
            await new Promise((r) => requestAnimationFrame(r));
          }
          await new Promise((r) => requestAnimationFrame(r));
          return performance.now() - t0;
        }),
      );
    }
    const [drawn, total] = await page.evaluate(() => [document.querySelectorAll('.chart-card .chart.history[data-state=drawn]').length, document.querySelectorAll('.chart-card').length]);
    const sorted = [...renders].sort((a, b) => a - b);
    console.log(
      `Device details, 24 h of history: the ${drawn} charts on screen (of ${total}) drawn in median ${ms(median(renders))} of ${renders.length} switches from 15 min, 20th-80th percentile ${sorted[2]!.toFixed(0)}-${sorted[8]!.toFixed(0)} ms (goal < 100 ms: ${verdict(median(renders) < 100)})`,
    );

    await page.close();
  } finally {
    await browser.close();
    await served.stop();
  }
  await mainThreadPerSecond(uiSeconds());
}

/** Navigation start to the first frame painted with a temperature in `[data-testid=gpu-temp]`, timed inside a new page. */
async function timeToTemperature(browser: Browser, url: string): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.addInitScript(() => {
      const watch = new MutationObserver(() => {
        if (!/°C/.test(document.querySelector('[data-testid=gpu-temp]')?.textContent ?? '')) return;
        watch.disconnect();
        requestAnimationFrame(() => console.log(`usable ${performance.now()}`));
      });
      watch.observe(document, { subtree: true, childList: true, characterData: true });
    });
    // Told through the console: a Playwright locator would load its selector engine into the page
    // during the very load it measures (50 to 90 ms of the page's main thread here).
    const usable = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('usable '), timeout: 30_000 });
    await page.goto(url);
    return Number((await usable).text().slice('usable '.length));
  } finally {
    await page.close();
  }
}

/**
 * For scale, in the same browser: the least a live page costs here. One temperature, painted by a
 * module script, served with the dashboard's own headers (its CSP, and its opener policy, which alone
 * cost a fresh page about 100 ms here), then changed each second from a WebSocket message that is
 * one of the worker's own frames (`frame`: the same bytes and JSON to parse), or never when empty.
 */
async function startFloorPage(frame: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const html = '<!doctype html><meta charset="utf-8"><title>floor</title><script type="module" src="./floor.js"></script><div data-testid="gpu-temp"></div>';
  const script = `const shown = document.querySelector('[data-testid=gpu-temp]');
shown.textContent = '41 °C';
if (${frame !== ''}) new WebSocket('ws://' + location.host + '/').onmessage = (e) => {
  shown.textContent = Math.round(JSON.parse(e.data).gpus[0].temperatureC ?? 0) + ' °C';
};`;
  const server = http.createServer((req, res) => {
    const js = req.url === '/floor.js';
    res.writeHead(200, { ...STATIC_HEADERS, 'content-type': js ? 'text/javascript' : 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(js ? script : html);
  });
  const sockets = new WebSocketServer({ server });
  // The temperature moves each second, as the worker's does, so every message changes the page.
  const moving = JSON.parse(frame || '{}') as TelemetryFrame;
  sockets.on('connection', (socket) => {
    let tick = 0;
    const timer = setInterval(() => {
      moving.gpus[0]!.temperatureC = 40 + (tick++ % 2);
      socket.send(JSON.stringify(moving));
    }, 1000);
    socket.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      for (const socket of sockets.clients) socket.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function uiSeconds(): number {
  const flag = process.argv.find((a) => a.startsWith('--ui-seconds='));
  const seconds = flag ? Number(flag.slice('--ui-seconds='.length)) : 20;
  if (!Number.isFinite(seconds) || seconds < 5) throw new Error(`--ui-seconds must be a number of seconds, 5 or more (got ${flag})`);
  return seconds;
}

/**
 * 3. Main-thread time per second at 1 Hz (Chromium's TaskDuration over `seconds`), on Home and on
 * Device details (15 min: every chart streams), with one GPU and with eight (the SYNTHETIC 8 x H200
 * capture). The fake alternates idle and load each second, so every figure and line moves each tick.
 * The worker is on a real devnet coordinator, as a supplier's is: its countdown and "Up for" tick and
 * the network's status is asked every 5 s, as on a real Home.
 */
async function mainThreadPerSecond(seconds: number): Promise<void> {
  const captures = [
    { gpus: 1, file: capturePath('linux-x86_64__nvidia-h200__590.48.01') },
    { gpus: 8, file: writeEightH200Capture() },
  ];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const network = await startCoordinator();
  try {
    for (const { gpus, file } of captures) {
      const served = await startServe({ IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: file, FAKE_NVIDIA_SMI_STATE: 'alternate' }, ['--network', network.url]);
      try {
        const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Performance.enable');
        const taskSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
        // The steady state: charts built, history fetched, the first 5 s left out. Measured in
        // 5 s windows too, whose median shrugs off a burst from another process on a shared machine.
        const perSecond = async (): Promise<{ mean: number; median: number }> => {
          await page.bringToFront();
          const [visibility, focused] = await page.evaluate(() => [document.visibilityState, document.hasFocus()] as const);
          if (visibility !== 'visible' || !focused) throw new Error(`the measured tab must be visible and focused (it is ${visibility}, focus ${focused})`);
          await page.waitForTimeout(5000);
          const windows: number[] = [];
          const t0 = await taskSeconds();
          const w0 = performance.now();
          for (let left = seconds; left > 0; left -= 5) {
            const a = await taskSeconds();
            const wa = performance.now();
            await page.waitForTimeout(Math.min(5, left) * 1000);
            windows.push((((await taskSeconds()) - a) * 1000) / ((performance.now() - wa) / 1000));
          }
          return { mean: (((await taskSeconds()) - t0) * 1000) / ((performance.now() - w0) / 1000), median: median(windows) };
        };
        await page.goto(served.url);
        await page.getByTestId('gpu-temp').nth(gpus - 1).filter({ hasText: /°C/ }).waitFor();
        const home = await perSecond();
        // 15 min is the page's own range: chosen without a click, so no pointer rests on the page (Chromium
        // hit-tests under a resting pointer after every layout, a cost of where the mouse is, not of the page).
        await page.goto(`${served.origin}/#/device`);
        await page.getByRole('radio', { name: '15 min', checked: true }).waitFor();
        const device = await perSecond();
        // For scale: a page with no live figure, where only the telemetry feed and the polls cost.
        await page.goto(`${served.origin}/#/earnings`);
        await page.getByRole('heading', { level: 1 }).waitFor();
        const feed = await perSecond();
        const ring = gpus === 8 ? await ringMemory(page.context().request, served) : undefined; // while a page watches: frames carry processes
        // And the least any live page costs here: one temperature, fed this worker's own frames.
        const newest = (await rpc<TelemetryFrame[]>(page.context().request, served, 'telemetry.recent', { seconds: 5 })).at(-1)!;
        const floor = await startFloorPage(JSON.stringify(newest));
        let least: { mean: number; median: number };
        try {
          await page.goto(floor.url);
          least = await perSecond();
        } finally {
          await floor.stop();
        }
        const line = (where: string, v: { mean: number; median: number }) =>
          `main-thread time at 1 Hz, ${where}, ${gpus} GPU${gpus > 1 ? 's' : ''} (1920x1080, visible and focused, over ${seconds} s after 5 s): ` +
          `${ms(v.mean)} per second, median 5 s window ${ms(v.median)} (goal < 2 ms: ${verdict(v.mean < 2)})`;
        console.log(line('Home', home));
        console.log(line('Device details', device));
        console.log(`  for scale, Earnings (no live figure: the telemetry feed and polls alone), ${gpus} GPU${gpus > 1 ? 's' : ''}: ${ms(feed.mean)} per second`);
        console.log(
          `  for scale, a page of one live temperature and nothing else, fed the same frames over a WebSocket: ${ms(least.mean)} per second ` +
            `(Home ${(home.mean / least.mean).toFixed(1)}x, Device details ${(device.mean / least.mean).toFixed(1)}x)`,
        );
        if (ring) console.log(ring);
        await page.close();
      } finally {
        await served.stop();
      }
    }
  } finally {
    await browser.close();
    await network.stop();
    fs.rmSync(path.dirname(captures[1]!.file), { recursive: true, force: true });
  }
}

/**
 * 4. The page's telemetry ring after 15 minutes at 1 Hz with 8 GPUs, built from the newest frame
 * this worker sent (health and processes included), measured in this process's V8 after gc: as
 * kept (only the newest frame whole) against every frame kept whole, as the ring did before.
 */
async function ringMemory(request: Parameters<typeof rpc>[0], served: Served): Promise<string> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return 'dashboard telemetry ring: run with --expose-gc (npm run bench does) to measure its memory';
  const newest = (await rpc<TelemetryFrame[]>(request, served, 'telemetry.recent', { seconds: 5 })).at(-1)!;
  if (!newest.gpus.every((g) => g.health && g.processes)) throw new Error('the newest frame should carry each GPU\'s health and processes');
  const text = JSON.stringify(newest);
  const heldBy = (keep: (frame: TelemetryFrame) => void): number => {
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 900; i++) keep({ ...(JSON.parse(text) as TelemetryFrame), t: newest.t + i * 1000 });
    gc();
    return (process.memoryUsage().heapUsed - before) / 2 ** 20;
  };
  const ring = new TelemetryRing();
  const kept = heldBy((f) => ring.push(f));
  const whole: TelemetryFrame[] = [];
  const everyWhole = heldBy((f) => whole.push(f));
  return (
    `dashboard telemetry ring, 15 min at 1 Hz, 8 GPUs (${(text.length / 1024).toFixed(1)} KB a frame on the wire): ${kept.toFixed(1)} MiB of heap, ` +
      `against ${everyWhole.toFixed(1)} MiB with every frame whole (${(kept / everyWhole).toFixed(2)}x; ${ring.size} and ${whole.length} frames)`
  );
}
