// One Prometheus scrape of a worker with 8 GPUs: what it costs the worker's own thread (the goal:
// under 2 ms), with the ledger's reads against a real SQLite history included as they are cached.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { NetworkStatus, Status } from '../preload/contract/index.ts';
import { EventBus } from '../main/events.ts';
import { Ledger } from '../main/ledger/ledger.ts';
import { frameAt } from '../main/ledger/testing/frames.ts';
import { createMetricsExporter } from '../main/metrics/exporter.ts';

const SCRAPES = 2000;

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-metrics-bench-'));
  const ledger = Ledger.open({ dataDir: dir, log: () => {} });
  try {
    const events = new EventBus();
    const status = { state: 'earning', detail: 'Earning.', since: Date.now(), deviceId: 'dev-0123456789abcdef', deviceName: 'rig', version: '0', secretsBackend: 'file', runtime: 'headless' } as unknown as Status;
    const network = { connection: 'online', eligible: true, tier: 3, pausedBy: [], bufferedHeartbeats: 0 } as unknown as NetworkStatus;
    let t = Date.now();
    const exporter = createMetricsExporter({
      hostname: os.hostname(), deviceId: status.deviceId, version: '0', events, status: () => status, eligibility: async () => network, ledger,
      // one scrape every 15 s of simulated time, so the cached ledger reads refresh as in life
      now: () => t,
    });
    for (let i = 0; i < 60; i++) ledger.recordFrame(frameAt(Date.now() - (60 - i) * 1000, 8));
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < SCRAPES + 100; i++) {
      t += 15_000;
      events.emit('telemetry', frameAt(t, 8, (g) => 50 + ((i + g) % 30)));
      const start = performance.now();
      const { body } = await exporter.scrape();
      const took = performance.now() - start;
      if (i >= 100) times.push(took); // after the JIT has warmed up
      bytes = body.length;
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    const mean = times.reduce((s, x) => s + x, 0) / times.length;
    console.log(`metrics bench: ${SCRAPES} scrapes of 8 GPUs (${(bytes / 1024).toFixed(1)} KB each)`);
    console.log(`  one scrape: mean ${mean.toFixed(3)} ms, median ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms (target < 2 ms)`);
    exporter.close();
    if (at(0.5) >= 2) process.exitCode = 1;
  } finally {
    ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
