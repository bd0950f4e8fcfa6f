// Done-when check: `io-worker serve --data-dir D`, SIGKILLed three times while running, leaves an
// intact database in D holding the history of all three runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR } from '../paths.ts';
import { Ledger } from './ledger.ts';

const BIN = fileURLToPath(new URL('../../bin/io-worker.mjs', import.meta.url));
const built = fs.existsSync(path.join(RENDERER_DIR, 'index.html'));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-serve-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Starts serve, waits until it is up and has sampled for `runMs`, then SIGKILLs it. */
function runAndKill(dataDir: string, runMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--secrets-file'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_COMPILE_CACHE: path.join(root, 'compile-cache') },
    });
    let out = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Open the dashboard')) setTimeout(() => child.kill('SIGKILL'), runMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      if (signal === 'SIGKILL' && out.includes('Open the dashboard')) resolve(out);
      else reject(new Error(`serve did not come up: ${out}`));
    });
  });
}

describe('io-worker serve killed three times', () => {
  it.skipIf(!built)('leaves an intact database with the history of every run', async () => {
    const dataDir = path.join(root, 'data');
    const device = /device (\S+)\)/.exec(await runAndKill(dataDir, 2500))?.[1];
    await runAndKill(dataDir, 2500);
    await runAndKill(dataDir, 2500);
    expect(device).toBeTruthy();

    const db = new DatabaseSync(path.join(dataDir, 'ledger.db'));
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    expect(db.prepare('SELECT count(*) AS c FROM sessions').get()).toEqual({ c: 3 });
    // telemetry from each of the three runs
    const starts = (db.prepare('SELECT started_ms FROM sessions ORDER BY started_ms').all() as { started_ms: number }[]).map((r) => r.started_ms);
    starts.push(Number.MAX_SAFE_INTEGER);
    for (let k = 0; k < 3; k++) {
      const c = db.prepare('SELECT count(DISTINCT t) AS c FROM raw WHERE t >= ? AND t < ?').get(starts[k], starts[k + 1]) as { c: number };
      expect(c.c, `run ${k + 1}`).toBeGreaterThanOrEqual(2);
    }
    // uptime: every second since the first run is online or a reasoned gap (the network may still
    // have been connecting), and the two kills so far are recorded as the app stopping unexpectedly
    const crashes = db.prepare("SELECT count(*) AS c FROM uptime_gaps WHERE device = ? AND reason = 'app-closed'").get(device!) as { c: number };
    const spans = db.prepare('SELECT start_ms, end_ms FROM uptime_spans WHERE device = ?').all(device!) as { start_ms: number; end_ms: number }[];
    db.close();

    const ledger = Ledger.open({ dataDir, log: () => {} });
    expect(ledger.problem).toBeNull();
    const days = ledger.uptimeBar(device!, { days: 2 }).buckets;
    const online = days.reduce((sum, b) => sum + b.onlineSeconds, 0);
    const recorded = spans.reduce((sum, s) => sum + (s.end_ms - s.start_ms) / 1000, 0);
    expect(online).toBeCloseTo(recorded, 1);
    expect(days.reduce((sum, b) => sum + (b.downtime.unknown ?? 0), 0)).toBe(0);
    if (spans.length > 0) expect(crashes.c).toBeGreaterThanOrEqual(1);
    ledger.close();
  }, 60_000);
});
