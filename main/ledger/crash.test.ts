// Reliability: a real child process writes at full rate and is SIGKILLed at a random moment, 100
// times over the same database. Every time the file must open, pass integrity_check, and hold
// every frame the child acknowledged (so at most the frame in flight, one second, is lost).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger } from './ledger.ts';
import { forEachReading } from './metrics.ts';
import { frameAt } from './testing/frames.ts';

const WRITER = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const ROUNDS = 100;
const LANES = 2; // two databases killed side by side: 100 rounds in half the wall time
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-crash-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let readingsPerFrame = 0;
forEachReading(frameAt(0, 8), () => readingsPerFrame++);

interface Round {
  ready: boolean;
  lastAck: number | null;
  stderr: string;
}

/** Spawns the writer and SIGKILLs it `delayMs` after its first committed frame (after spawn, for `early` rounds). */
function killRound(dir: string, delayMs: number, early: boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Node's compile cache keeps the stripped TypeScript: startup drops from ~150 ms to ~50 ms a round.
      env: { ...process.env, NODE_COMPILE_CACHE: path.join(root, 'compile-cache') },
    });
    const round: Round = { ready: false, lastAck: null, stderr: '' };
    let tail = '';
    let timer: NodeJS.Timeout | null = null;
    const guard = setTimeout(() => child.kill('SIGKILL'), 10_000); // never hang the suite
    const arm = () => (timer = setTimeout(() => child.kill('SIGKILL'), delayMs));
    if (early) arm();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (tail + chunk).split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ready ')) round.ready = true;
        else if (line) {
          if (round.lastAck === null && !early) arm();
          round.lastAck = Number(line);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (round.stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own (code ${code}): ${round.stderr}`));
      else resolve(round);
    });
  });
}

describe('SIGKILL while writing at full rate', () => {
  it(`${ROUNDS} rounds: always opens, passes integrity_check, loses at most the frame in flight`, async () => {
    const lanes = Array.from({ length: LANES }, (_, k) => fs.mkdtempSync(path.join(root, `lane${k}-`)));
    const counts = await Promise.all(lanes.map((dir) => lane(dir, ROUNDS / LANES)));
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ROUNDS * 0.85);
    for (const dir of lanes) checkAfterAll(dir);
  }, 90_000);
});

/** Runs `rounds` kills against one data dir; returns how many landed while frames were being written. */
async function lane(dir: string, rounds: number): Promise<number> {
  const file = path.join(dir, 'ledger.db');
  let killedWhileWriting = 0;
  for (let i = 0; i < rounds; i++) {
    const early = i % 10 === 9; // some kills land during startup, open, migration or crash recovery
    const round = await killRound(dir, early ? 100 + Math.random() * 200 : 20 + Math.random() * 180, early);
    if (!fs.existsSync(file)) continue; // killed before the file was created
    const db = new DatabaseSync(file);
    try {
      expect(db.prepare('PRAGMA integrity_check').get(), `round ${i}`).toEqual({ integrity_check: 'ok' });
      if (round.lastAck !== null) {
        killedWhileWriting++;
        const newest = (db.prepare('SELECT max(t) AS t FROM raw').get() as { t: number }).t;
        expect(newest, `round ${i}: acknowledged frame lost`).toBeGreaterThanOrEqual(round.lastAck);
        expect(newest - round.lastAck, `round ${i}`).toBeLessThanOrEqual(1000);
        // frames are atomic: the newest is whole, never half-written
        expect(db.prepare('SELECT count(*) AS c FROM raw WHERE t = ?').get(newest)).toEqual({ c: readingsPerFrame });
      }
    } finally {
      db.close();
    }
  }
  return killedWhileWriting;
}

/** After all the kills: the ledger opens cleanly, rolls up exactly what raw holds, and uptime is sane. */
function checkAfterAll(dir: string): void {
  const file = path.join(dir, 'ledger.db');
  const probe = new DatabaseSync(file);
  const newest = (probe.prepare('SELECT max(t) AS t FROM raw').get() as { t: number }).t;
  probe.close();
  const ledger = Ledger.open({ dataDir: dir, now: () => newest + 60_000, log: () => {} });
  expect(ledger.problem).toBeNull();
  expect(ledger.integrityCheck()).toBe('ok');
  ledger.close(); // rolls up every finished minute
  const db = new DatabaseSync(file);
  const watermark = (db.prepare("SELECT value FROM meta WHERE key = 'rollup_watermark_m'").get() as { value: number }).value;
  const rawMinutes = db
    .prepare(
      `WITH rc AS (SELECT series, t / 60000 AS m, count(*) AS n FROM raw WHERE t < ? GROUP BY series, t / 60000)
       SELECT rc.series, rc.m, rc.n AS raw_n, r.n AS rollup_n FROM rc LEFT JOIN rollup_1m r ON r.series = rc.series AND r.m = rc.m`,
    )
    .all(watermark * 60_000) as { raw_n: number; rollup_n: number | null }[];
  expect(rawMinutes.length).toBeGreaterThan(100);
  expect(rawMinutes.filter((r) => r.rollup_n !== r.raw_n)).toEqual([]);
  const spans = db.prepare("SELECT start_ms, end_ms FROM uptime_spans WHERE device = 'crash-device' ORDER BY start_ms").all() as {
    start_ms: number;
    end_ms: number;
  }[];
  for (let k = 1; k < spans.length; k++) expect(spans[k].start_ms).toBeGreaterThan(spans[k - 1].end_ms);
  const crashes = db.prepare("SELECT count(*) AS c FROM uptime_gaps WHERE reason = 'app-closed' AND detail LIKE '%unexpectedly%'").get() as {
    c: number;
  };
  expect(crashes.c).toBeGreaterThanOrEqual(spans.length - 1);
  expect(db.prepare('SELECT count(*) AS c FROM uptime_spans WHERE closed = 0').get()).toEqual({ c: 0 });
  db.close();
}
