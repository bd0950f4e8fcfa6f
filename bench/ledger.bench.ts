// Ledger benchmark: 30 days of 1 Hz history for 8 GPUs, generated as the rollups it would have
// become (1-minute for the last 7 days, 1-hour for 30 days) plus 15 minutes raw, and 30 days of
// uptime with gaps. Prints the figures, each beside the naive alternative measured here.
// Run: node bench/ledger.bench.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { Ledger } from '../main/ledger/ledger.ts';
import { GPU_METRICS, HOST_METRICS, SCALE } from '../main/ledger/metrics.ts';
import { frameAt } from '../main/ledger/testing/frames.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GPUS = 8;

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(runs: number, fn: () => unknown): { median: number; p95: number } {
  for (let i = 0; i < 5; i++) fn(); // warm statement caches
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { median: median(samples), p95: samples[Math.floor(samples.length * 0.95)] };
}
const ms = (v: number) => `${v.toFixed(3)} ms`;
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** A plausible reading for a series at minute m (varies, so integers take realistic widths). */
function reading(metric: string, gpu: number, m: number): number {
  const wave = Math.sin((m + gpu * 17) / 90);
  switch (metric) {
    case 'temperatureC': return 62 + 15 * wave;
    case 'hotspotC': return 70 + 15 * wave;
    case 'memoryTemperatureC': return 66 + 10 * wave;
    case 'powerW': return 420 + 250 * wave;
    case 'utilizationPct': return 80 + 19 * wave;
    case 'memoryUtilizationPct': return 45 + 30 * wave;
    case 'vramUsedMiB': return 40_000 + 20_000 * wave;
    case 'graphicsClockMHz': return 1800 + 180 * wave;
    case 'memoryClockMHz': return 2619;
    case 'fanPct': return 55 + 30 * wave;
    case 'cpuUtilizationPct': return 20 + 15 * wave;
    case 'cpuTemperatureC': return 55 + 10 * wave;
    case 'cpuPowerW': return 120 + 60 * wave;
    case 'memoryUsedBytes': return 24 * 2 ** 30 + 4 * 2 ** 30 * wave;
    default: return 1e6 + 9e5 * wave; // network bytes/s
  }
}

/** 30 days of 8-GPU history as the rollups it would have become, plus 15 minutes raw (the dashboard bench reuses it). */
export function generate(dir: string, end: number): void {
  // Let the ledger create and migrate the file, then fill it the way its rollup passes would have.
  Ledger.open({ dataDir: dir, now: () => end - 31 * DAY, log: () => {} }).close();
  const db = new DatabaseSync(path.join(dir, 'ledger.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  const series: { id: number; metric: string; gpu: number }[] = [];
  const addSeries = db.prepare('INSERT INTO series (device, metric) VALUES (?, ?) RETURNING id');
  db.exec('BEGIN');
  for (const metric of Object.keys(HOST_METRICS)) series.push({ id: (addSeries.get('host', metric) as { id: number }).id, metric, gpu: 0 });
  for (let g = 0; g < GPUS; g++) {
    for (const metric of Object.keys(GPU_METRICS)) series.push({ id: (addSeries.get(`gpu${g}`, metric) as { id: number }).id, metric, gpu: g });
  }
  db.exec('COMMIT');
  const endMinute = Math.floor(end / MIN);
  const insertMinute = db.prepare('INSERT INTO rollup_1m (series, m, n, lo, av, hi) VALUES (?, ?, 60, ?, ?, ?)');
  const insertHour = db.prepare('INSERT INTO rollup_1h (series, h, n, lo, av, hi) VALUES (?, ?, 3600, ?, ?, ?)');
  const insertRaw = db.prepare('INSERT INTO raw (t, series, v) VALUES (?, ?, ?)');
  const firstMinute = endMinute - 30 * 24 * 60;
  db.exec('BEGIN');
  for (let m = firstMinute; m < endMinute; m++) {
    // time order, as production writes it: one minute of all series at a time, one hour row per hour
    if (m >= endMinute - 7 * 24 * 60) {
      for (const s of series) {
        const v = reading(s.metric, s.gpu, m) * SCALE;
        insertMinute.run(s.id, m, Math.round(v * 0.97), Math.round(v), Math.round(v * 1.03));
      }
    }
    if ((m + 1) % 60 === 0) {
      for (const s of series) {
        const v = reading(s.metric, s.gpu, m) * SCALE;
        insertHour.run(s.id, Math.floor(m / 60), Math.round(v * 0.9), Math.round(v), Math.round(v * 1.1));
      }
      db.exec('COMMIT; BEGIN');
    }
  }
  for (let t = end - 15 * MIN; t < end; t += 1000) {
    for (const s of series) insertRaw.run(t, s.id, Math.round(reading(s.metric, s.gpu, t / MIN) * SCALE * (1 + Math.random() * 0.01)));
  }
  db.exec('COMMIT');
  // Uptime: 30 days with four gaps a day (a restart, the network, a pause, a hot GPU).
  const addSpan = db.prepare('INSERT INTO uptime_spans (device, session, start_ms, end_ms, closed) VALUES (?, ?, ?, ?, 1)');
  const addGap = db.prepare('INSERT INTO uptime_gaps (device, start_ms, reason, end_ms, detail) VALUES (?, ?, ?, ?, NULL)');
  const reasons = ['app-closed', 'network-down', 'paused', 'over-temperature'];
  db.exec('BEGIN');
  let t = end - 30 * DAY;
  let session = 1;
  while (t < end - HOUR) {
    const online = 5 * HOUR + Math.floor(Math.random() * HOUR);
    addSpan.run('rig', session, t, Math.min(t + online, end - HOUR));
    t += online;
    const reason = reasons[session % reasons.length];
    const gap = 2 * MIN + Math.floor(Math.random() * 10 * MIN);
    addGap.run('rig', t, reason, t + gap);
    t += gap;
    if (reason === 'app-closed') session++;
  }
  if (t < end) addSpan.run('rig', session + 1, t, end);
  const addReward = db.prepare("INSERT INTO block_rewards (device, block_ms, status, amount_nano, recorded_ms) VALUES ('rig', ?, 'passed', ?, ?)");
  for (let b = Math.floor((end - 30 * DAY) / HOUR) * HOUR; b < end; b += HOUR) addReward.run(b, 1_234_567_890, b + HOUR);
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  db.close();
}

export async function run(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-bench-'));
  try {
    const end = Math.floor(Date.now() / MIN) * MIN;
    const genStart = performance.now();
    generate(dir, end);
    const file = path.join(dir, 'ledger.db');
    console.log(`ledger bench: generated 30 days for ${GPUS} GPUs in ${((performance.now() - genStart) / 1000).toFixed(1)} s`);
    console.log(`  database for 30 days:           ${mb(fs.statSync(file).size)} (target < 50 MB)`);

    let now = end;
    const ledger = Ledger.open({ dataDir: dir, now: () => now, log: () => {} });
    const bar = time(200, () => ledger.uptimeBar('rig', { days: 30, timeZone: 'Europe/Berlin' }));
    const chart = time(200, () => ledger.history('gpu3', 'temperatureC', end - DAY, end, '1m'));
    const points = ledger.history('gpu3', 'temperatureC', end - DAY, end, '1m').points.length;

    // Naive alternatives, measured on the same machine: the 24 h chart from 1 Hz raw samples of one
    // GPU metric (86,400 rows, aggregated per request), and the bar from per-minute "online" rows.
    const naive = new DatabaseSync(':memory:');
    naive.exec('CREATE TABLE samples (series INTEGER, t INTEGER, v REAL); CREATE INDEX samples_st ON samples (series, t)');
    naive.exec('CREATE TABLE online_minutes (device TEXT, m INTEGER, PRIMARY KEY (device, m))');
    const addSample = naive.prepare('INSERT INTO samples VALUES (1, ?, ?)');
    const addOnline = naive.prepare("INSERT INTO online_minutes VALUES ('rig', ?)");
    naive.exec('BEGIN');
    for (let t = end - DAY; t < end; t += 1000) addSample.run(t, reading('temperatureC', 3, t / MIN));
    for (let m = Math.floor((end - 30 * DAY) / MIN); m < end / MIN; m++) if (m % 300 > 5) addOnline.run(m);
    naive.exec('COMMIT');
    const naiveChartSql = naive.prepare(
      'SELECT t / 60000 AS m, count(*), min(v), avg(v), max(v) FROM samples WHERE series = 1 AND t >= ? AND t < ? GROUP BY t / 60000',
    );
    const naiveChart = time(50, () => naiveChartSql.all(end - DAY, end));
    const naiveBarSql = naive.prepare("SELECT m / 1440 AS d, count(*) FROM online_minutes WHERE device = 'rig' AND m >= ? GROUP BY m / 1440");
    const naiveBar = time(50, () => naiveBarSql.all(Math.floor((end - 30 * DAY) / MIN)));
    naive.close();

    console.log(`  uptime.bar(30 days):            median ${ms(bar.median)}, p95 ${ms(bar.p95)} (target < 5 ms; naive per-minute rows: ${ms(naiveBar.median)}, ${(naiveBar.median / bar.median).toFixed(1)}x)`);
    console.log(`  24 h chart at 1 min (${points} pts): median ${ms(chart.median)}, p95 ${ms(chart.p95)} (target < 10 ms; naive from 1 Hz raw: ${ms(naiveChart.median)}, ${(naiveChart.median / chart.median).toFixed(1)}x)`);

    // Sustained 1 Hz ingestion for 8 GPUs: 10 simulated minutes (10 rollup passes) at full speed;
    // CPU time per simulated second is the share of one core the worker pays at 1 Hz.
    const seconds = 600;
    const frames = Array.from({ length: seconds }, (_, k) => frameAt(end + k * 1000, GPUS, (i) => 60 + i + (k % 7)));
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (const frame of frames) {
      now = frame.t;
      ledger.recordFrame(frame);
      ledger.markOnline('rig', frame.t);
    }
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - wall0;
    const cpuMsPerSecond = (cpu.user + cpu.system) / 1000 / seconds;
    ledger.close();

    // The alternative: the same rows written one autocommit INSERT at a time (no batching per frame).
    const alt = new DatabaseSync(path.join(dir, 'naive.db'));
    alt.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE samples (series INTEGER, t INTEGER, v REAL)');
    const altInsert = alt.prepare('INSERT INTO samples VALUES (?, ?, ?)');
    const altCpu0 = process.cpuUsage();
    for (const frame of frames.slice(0, 120)) {
      let s = 0;
      for (const gpu of frame.gpus) for (const read of Object.values(GPU_METRICS)) altInsert.run(s++, frame.t, read(gpu) ?? 0);
    }
    const altCpu = process.cpuUsage(altCpu0);
    alt.close();
    const altMsPerSecond = (altCpu.user + altCpu.system) / 1000 / 120;
    console.log(
      `  1 Hz ingestion, ${GPUS} GPUs:          ${((cpuMsPerSecond / 1000) * 100).toFixed(3)}% of one core (${cpuMsPerSecond.toFixed(3)} ms CPU per second of data; ` +
        `${(seconds / (wall / 1000)).toFixed(0)} frames/s flat out; target < 1%; one-commit-per-row: ${((altMsPerSecond / 1000) * 100).toFixed(3)}%, ${(altMsPerSecond / cpuMsPerSecond).toFixed(1)}x)`,
    );
    const check = new DatabaseSync(file);
    const rawRows = (check.prepare('SELECT count(*) AS c FROM raw').get() as { c: number }).c;
    const rawBytes = (check.prepare("SELECT sum(pgsize) AS b FROM dbstat WHERE name = 'raw'").get() as { b: number | null }).b;
    check.close();
    if (rawBytes) {
      const perRow = rawBytes / rawRows;
      const seriesCount = Object.keys(HOST_METRICS).length + GPUS * Object.keys(GPU_METRICS).length;
      console.log(`  (keeping 30 days of raw 1 Hz instead would take ~${mb(perRow * 30 * 86_400 * seriesCount)} at ${perRow.toFixed(1)} bytes a sample)`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
