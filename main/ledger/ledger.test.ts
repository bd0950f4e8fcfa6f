// The ledger against a real node:sqlite file with a hand-driven clock: rollups, pruning, uptime
// with gaps and clock jumps, crash recovery, the network's tables, and the CSV export.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TelemetryMetricSchema } from '../../preload/contract/index.ts';
import { exportCsv } from './csv.ts';
import { Ledger } from './ledger.ts';
import { METRIC_NAMES } from './metrics.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { frameAt } from './testing/frames.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 10, 20, 10, 0, 0); // a Friday, 10:00 UTC

let dir: string;
let now: number;
const open = (extra: Partial<Parameters<typeof Ledger.open>[0]> = {}) =>
  Ledger.open({ dataDir: dir, now: () => now, log: () => {}, ...extra });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-test-'));
  now = T0;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Frames every `stepMs` from `from` (inclusive) to `to` (exclusive), advancing the clock with them. */
function feed(ledger: Ledger, from: number, to: number, stepMs = 1000, temperature?: (i: number, t: number) => number, gpus = 2) {
  for (let t = from; t < to; t += stepMs) {
    now = t;
    ledger.recordFrame(frameAt(t, gpus, temperature ? (i) => temperature(i, t) : undefined));
  }
}

describe('database', () => {
  it('creates one WAL database in the data dir, migrated to the current schema, and reopens it', () => {
    const ledger = open();
    expect(ledger.problem).toBeNull();
    ledger.close();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.db'))).toEqual(['ledger.db']);
    const db = new DatabaseSync(path.join(dir, 'ledger.db'));
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
    expect(db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    db.close();
    const again = open();
    expect(again.integrityCheck()).toBe('ok');
    again.close();
  });

  it('refuses a database from a newer IO Worker without crashing, and says so', () => {
    const db = new DatabaseSync(path.join(dir, 'ledger.db'));
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    const notices: string[] = [];
    const ledger = open();
    expect(ledger.available).toBe(false);
    expect(ledger.problem).toMatch(/newer IO Worker/);
    expect(() => ledger.uptimeBar('d')).toThrow(/newer IO Worker/);
    ledger.onNotice((n) => notices.push(n.title));
    ledger.recordFrame(frameAt(now)); // parked, no throw
    ledger.close();
  });

  it('keeps a damaged file aside and starts a new one', () => {
    fs.writeFileSync(path.join(dir, 'ledger.db'), 'this is not a database'.repeat(300));
    const ledger = open();
    expect(ledger.problem).toBeNull();
    expect(fs.readdirSync(dir).some((f) => f.startsWith('ledger.db.damaged-'))).toBe(true);
    expect(ledger.notices(10).map((n) => n.title)).toContain('History file was damaged');
    ledger.close();
  });

  it('the metric names are exactly the contract enum', () => {
    expect([...METRIC_NAMES].sort()).toEqual([...TelemetryMetricSchema.options].sort());
  });
});

describe('telemetry history', () => {
  it('keeps raw samples and rolls finished minutes into min/avg/max', () => {
    const ledger = open();
    // gpu0 temperature climbs 50..109 within each minute
    feed(ledger, T0, T0 + 3 * MIN + 20_000, 1000, (i, t) => 50 + ((t - T0) / 1000) % 60 + i);
    const raw = ledger.history('gpu0', 'temperatureC', now - 10_000, now + 1, 'raw');
    expect(raw.points).toHaveLength(11);
    expect(raw.points.at(-1)).toMatchObject({ t: now, n: 1, min: 50 + 19, max: 50 + 19 });
    const minutes = ledger.history('gpu0', 'temperatureC', T0, now + 1, '1m');
    expect(minutes.points.map((p) => p.n)).toEqual([60, 60, 60, 20]); // the last minute straight from raw
    expect(minutes.points[0]).toEqual({ t: T0, n: 60, min: 50, avg: 79.5, max: 109 });
    expect(ledger.history('gpu1', 'temperatureC', T0, T0 + MIN, '1m').points[0]).toMatchObject({ min: 51, max: 110 });
    // rollups are in the table, not computed per request
    const db = new DatabaseSync(ledger.file);
    expect(db.prepare('SELECT count(*) AS c FROM rollup_1m').get()).toMatchObject({ c: expect.any(Number) });
    expect((db.prepare('SELECT count(DISTINCT m) AS c FROM rollup_1m').get() as { c: number }).c).toBe(3);
    db.close();
    ledger.close();
  });

  it('merges neighbours down to maxPoints, keeping each bucket\'s peak and weighting its average', () => {
    const ledger = open();
    // 2 hours at 10 s; gpu0 spikes to 95 once, at 00:37:30, and sits at 60 otherwise
    const spike = T0 + 37 * MIN + 30_000;
    feed(ledger, T0, T0 + 2 * HOUR, 10_000, (i, t) => (t === spike ? 95 : 60));
    const full = ledger.history('gpu0', 'temperatureC', T0, T0 + 2 * HOUR, '1m');
    expect(full).toMatchObject({ resolution: '1m', bucketMs: MIN });
    expect(full.points).toHaveLength(120);
    const merged = ledger.history('gpu0', 'temperatureC', T0, T0 + 2 * HOUR, '1m', 25);
    expect(merged.bucketMs).toBe(5 * MIN);
    expect(merged.points).toHaveLength(24);
    expect(merged.points.every((p) => p.t % (5 * MIN) === 0 && p.n === 30 && p.min === 60)).toBe(true);
    const peak = merged.points.find((p) => p.t === T0 + 35 * MIN)!;
    expect(peak.max).toBe(95); // the peak survives the merge
    expect(peak.avg).toBeCloseTo((29 * 60 + 95) / 30, 2);
    expect(merged.points.filter((p) => p.max === 95)).toHaveLength(1);
    // fewer points than the limit: untouched
    expect(ledger.history('gpu0', 'temperatureC', T0, T0 + 2 * HOUR, '1m', 500).points).toEqual(full.points);
    ledger.close();
  });

  it('reads the minutes not rolled up yet from raw: per series, up to `to`, and new samples at once', () => {
    const ledger = open();
    feed(ledger, T0, T0 + 90_000, 1000, (i, t) => 40 + i * 10 + (t - T0) / 1000);
    const tail = (device: string, to = now + 1) => ledger.history(device, 'temperatureC', T0 - 10 * MIN, to, '1m').points.at(-1)!;
    // 00:01:00 to 00:01:29 are raw only: the second minute comes from there, each GPU its own
    expect(tail('gpu0')).toEqual({ t: T0 + MIN, n: 30, min: 100, avg: 114.5, max: 129 });
    expect(tail('gpu1')).toEqual({ t: T0 + MIN, n: 30, min: 110, avg: 124.5, max: 139 });
    // a chart ending before the newest sample leaves the later ones out
    expect(tail('gpu1', T0 + 70_000)).toMatchObject({ n: 10, max: 119 });
    // the next sample is in the next read (the writer keeps a burst's scan only until it writes)
    now = T0 + 90_000;
    ledger.recordFrame(frameAt(now, 2, (i) => 200 + i));
    expect(tail('gpu0')).toMatchObject({ n: 31, max: 200 });
    expect(tail('gpu1')).toMatchObject({ n: 31, max: 201 });
    // another process reading the same file sees the same
    const reader = open({ mode: 'reader' });
    expect(reader.history('gpu1', 'temperatureC', T0 - 10 * MIN, now + 1, '1m').points.at(-1)).toEqual(tail('gpu1'));
    reader.close();
    ledger.close();
  });

  it('skips missing readings instead of recording zeros', () => {
    const ledger = open();
    feed(ledger, T0, T0 + 5000, 1000, (i) => (i === 1 ? (null as unknown as number) : 70));
    expect(ledger.history('gpu1', 'temperatureC', T0, now + 1, 'raw').points).toEqual([]);
    expect(ledger.history('gpu0', 'temperatureC', T0, now + 1, 'raw').points).toHaveLength(5);
    ledger.close();
  });

  it('rolls hours from minutes and prunes raw after 15 minutes and minutes after 7 days', () => {
    const ledger = open();
    feed(ledger, T0, T0 + 2 * HOUR, 10_000, () => 65);
    const hours = ledger.history('gpu0', 'temperatureC', T0, T0 + 2 * HOUR, '1h');
    expect(hours.points[0]).toEqual({ t: T0, n: 360, min: 65, avg: 65, max: 65 });
    expect(ledger.history('gpu0', 'temperatureC', T0, T0 + 30 * MIN, 'raw').points).toEqual([]); // pruned
    expect(ledger.history('gpu0', 'temperatureC', now - 10 * MIN, now + 1, 'raw').points.length).toBeGreaterThan(50);
    // 'auto' picks what is kept: raw for the last 15 minutes, minutes for up to 2 days, hours beyond
    expect(ledger.history('gpu0', 'temperatureC', now - 5 * MIN, now, 'auto').resolution).toBe('raw');
    expect(ledger.history('gpu0', 'temperatureC', T0, T0 + 10 * MIN, 'auto').resolution).toBe('1m');
    expect(ledger.history('gpu0', 'temperatureC', now - DAY, now, 'auto').resolution).toBe('1m');
    expect(ledger.history('gpu0', 'temperatureC', now - 30 * DAY, now, 'auto').resolution).toBe('1h');
    // eight days later the minutes of day one are gone, the hours stay
    feed(ledger, T0 + 8 * DAY, T0 + 8 * DAY + 2 * MIN, 10_000, () => 66);
    expect(ledger.history('gpu0', 'temperatureC', T0, T0 + 2 * HOUR, '1m').points).toEqual([]);
    expect(ledger.history('gpu0', 'temperatureC', T0, T0 + 2 * HOUR, '1h').points).toHaveLength(2);
    ledger.close();
  });

  it('counts samples from a clock stepped back once, within and beyond the raw window', () => {
    const ledger = open();
    feed(ledger, T0, T0 + 30 * MIN, 1000, () => 60);
    // step back 2 minutes (raw still there): the minute is recomputed, not added twice
    feed(ledger, T0 + 28 * MIN, T0 + 28 * MIN + 10_000, 1000, () => 90);
    feed(ledger, T0 + 28 * MIN + 10_000, T0 + 29 * MIN + 5000, 1000, () => 60);
    // step back 25 minutes (raw pruned): merged into the stored minute
    feed(ledger, T0 + 5 * MIN, T0 + 5 * MIN + 5000, 1000, () => 30);
    feed(ledger, T0 + 31 * MIN, T0 + 32 * MIN + 1000, 1000, () => 60);
    const m28 = ledger.history('gpu0', 'temperatureC', T0 + 28 * MIN, T0 + 29 * MIN, '1m').points[0];
    expect(m28).toMatchObject({ n: 60, max: 90 }); // same 60 instants, later values replaced earlier ones
    const m5 = ledger.history('gpu0', 'temperatureC', T0 + 5 * MIN, T0 + 6 * MIN, '1m').points[0];
    expect(m5).toMatchObject({ n: 65, min: 30, max: 60 });
    const h = ledger.history('gpu0', 'temperatureC', T0, T0 + HOUR, '1h').points[0];
    // minutes 0-29, the 5 late samples of minute 5, minute 31; minute 32 is still being filled
    expect(h.n).toBe(30 * 60 + 5 + 60);
    ledger.close();
  });

  it('rejects bad requests with a clear error', () => {
    const ledger = open();
    expect(() => ledger.history('gpu0', 'temperatureC', 10, 5)).toThrow(/end after/);
    expect(() => ledger.history('disk0', 'temperatureC', 0, 5)).toThrow(/Unknown device/);
    expect(() => ledger.recordFrame({ ...frameAt(T0), t: -1 })).toThrow(/non-negative integer/);
    ledger.close();
  });
});

describe('uptime', () => {
  const D = 'device-a';
  const online = (ledger: Ledger, from: number, to: number, step = 10_000) => {
    for (let t = from; t <= to; t += step) {
      now = t;
      ledger.markOnline(D, t);
    }
  };
  const day = (ledger: Ledger, label: string) => ledger.uptimeBar(D, { days: 30, timeZone: 'UTC' }).buckets.find((b) => b.label === label)!;

  it('splits online time and reasoned gaps per day', () => {
    const ledger = open();
    online(ledger, T0, T0 + HOUR);
    ledger.markGap(D, 'paused', T0 + HOUR);
    now = T0 + HOUR + 30 * MIN;
    ledger.markGap(D, 'over-temperature', now); // a second reason while still offline
    online(ledger, T0 + 2 * HOUR, T0 + 3 * HOUR);
    ledger.markGap(D, 'network-down', now);
    now += 15 * MIN;
    const today = day(ledger, '2026-11-20');
    expect(today.onlineSeconds).toBe(2 * 3600);
    expect(today.downtime).toEqual({ paused: 1800, 'over-temperature': 1800, 'network-down': 900 });
    expect(today.uptimePct).toBeCloseTo((7200 / (7200 + 4500)) * 100, 2);
    expect(day(ledger, '2026-11-19').uptimePct).toBeNull(); // before the first record: no data, not downtime
    ledger.close();
  });

  it('a silence while running becomes an "asleep" gap, and the streak restarts', () => {
    const ledger = open();
    online(ledger, T0, T0 + 10 * MIN);
    online(ledger, T0 + 40 * MIN, T0 + 50 * MIN);
    const today = day(ledger, '2026-11-20');
    expect(today.onlineSeconds).toBe(20 * 60);
    expect(today.downtime).toEqual({ asleep: 30 * 60 });
    expect(ledger.streak(D)).toMatchObject({ online: true, since: T0 + 40 * MIN });
    ledger.close();
  });

  it('a clock stepped back never double-counts nor goes negative; a leap forward adds no online time', () => {
    const ledger = open();
    online(ledger, T0, T0 + 20 * MIN);
    online(ledger, T0 + 10 * MIN, T0 + 30 * MIN); // stepped back 10 minutes
    expect(ledger.streak(D)).toMatchObject({ online: true, since: T0 }); // not a restart
    expect(day(ledger, '2026-11-20').onlineSeconds).toBe(30 * 60);
    online(ledger, T0 + 5 * HOUR, T0 + 5 * HOUR + 10 * MIN); // leapt forward 4.5 h
    const today = day(ledger, '2026-11-20');
    expect(today.onlineSeconds).toBe(40 * 60);
    expect(today.downtime.asleep).toBe(4.5 * 3600);
    for (const b of ledger.uptimeBar(D, { days: 2, resolution: 'hour', timeZone: 'UTC' }).buckets) {
      expect(b.onlineSeconds).toBeGreaterThanOrEqual(0);
      expect(b.downtimeSeconds).toBeGreaterThanOrEqual(0);
      expect(b.onlineSeconds + b.downtimeSeconds).toBeLessThanOrEqual(3600);
    }
    ledger.close();
  });

  it('a restart resets the streak; a clean close and a crash are both "app-closed"', () => {
    const first = open();
    online(first, T0, T0 + 10 * MIN);
    first.close();
    now = T0 + 20 * MIN;
    const second = open();
    online(second, T0 + 20 * MIN, T0 + 30 * MIN);
    expect(second.streak(D)).toMatchObject({ online: true, since: T0 + 20 * MIN });
    // crash: no close; the next run finds the span still open
    now = T0 + 45 * MIN;
    const third = open();
    expect(third.streak(D)).toMatchObject({ online: false, since: null });
    online(third, T0 + 45 * MIN, T0 + 50 * MIN);
    const today = third.uptimeBar(D, { days: 1, timeZone: 'UTC' }).buckets[0];
    expect(today.onlineSeconds).toBe(25 * 60);
    expect(today.downtime).toEqual({ 'app-closed': 25 * 60 });
    const db = new DatabaseSync(third.file);
    const gaps = db.prepare('SELECT detail FROM uptime_gaps ORDER BY start_ms').all() as { detail: string }[];
    expect(gaps.map((g) => g.detail)).toEqual(['IO Worker was closed.', expect.stringMatching(/unexpectedly/)]);
    expect((db.prepare('SELECT clean FROM sessions ORDER BY started_ms').all() as { clean: number }[]).map((r) => r.clean)).toEqual([1, 0, 0]);
    db.close();
    third.close();
    second.close();
  });

  it('counts days in the user time zone (a 25-hour DST day) and hours in UTC', () => {
    const ledger = open();
    now = Date.UTC(2026, 10, 1, 3, 0); // 2026-10-31 23:00 in New York (EDT)
    ledger.markOnline(D, now);
    online(ledger, now, Date.UTC(2026, 10, 2, 12, 0), 30_000);
    const bar = ledger.uptimeBar(D, { days: 3, timeZone: 'America/New_York' });
    expect(bar.buckets.map((b) => b.label)).toEqual(['2026-10-31', '2026-11-01', '2026-11-02']);
    const dst = bar.buckets[1];
    expect(dst.end - dst.start).toBe(25 * HOUR);
    expect(dst.onlineSeconds).toBe(25 * 3600);
    expect(bar.buckets[0].onlineSeconds).toBe(3600);
    const kolkata = ledger.uptimeBar(D, { days: 2, timeZone: 'Asia/Kolkata' }).buckets;
    expect(new Date(kolkata[1].start).toISOString()).toBe('2026-11-01T18:30:00.000Z');
    const hours = ledger.uptimeBar(D, { days: 1, resolution: 'hour', timeZone: 'Asia/Kolkata' }).buckets;
    expect(hours).toHaveLength(24);
    expect(hours.every((h) => h.start % HOUR === 0)).toBe(true);
    expect(() => ledger.uptimeBar(D, { timeZone: 'Mars/Olympus' })).toThrow(/Unknown time zone/);
    ledger.close();
  });
});

describe('rewards, payouts, hires, jobs, notices', () => {
  it('records and reads them back, amounts exact', () => {
    const ledger = open();
    ledger.recordBlockReward({ device: 'd', blockStart: T0, blockId: 7, status: 'passed', amount: 0.1, baseScore: 8150, normalizedScore: 566.96 });
    ledger.recordBlockReward({ device: 'd', blockStart: T0 + HOUR, status: 'passed', amount: 0.2 });
    ledger.recordBlockReward({ device: 'd', blockStart: T0 + 2 * HOUR, status: 'failed', amount: 0, detail: 'POTL: 3 of 12 challenges answered' });
    ledger.recordBlockReward({ device: 'd', blockStart: T0 + HOUR, status: 'passed', amount: 0.2 }); // re-reported: replaces
    expect(ledger.rewardTotal(0, T0 + DAY)).toBe(0.3);
    const rewards = ledger.blockRewards(0, T0 + DAY);
    expect(rewards.map((r) => r.blockStart)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
    expect(rewards[0]).toMatchObject({ blockId: 7, baseScore: 8150, normalizedScore: 566.96 });
    expect(rewards[2]).toMatchObject({ status: 'failed', amount: 0, detail: expect.stringMatching(/POTL/) });

    ledger.recordPayout({ id: 'p1', device: 'd', t: T0, amount: 12.5, wallet: 'So1ana', status: 'pending' });
    ledger.recordPayout({ id: 'p1', device: 'd', t: T0, amount: 12.5, wallet: 'So1ana', tx: '0xabc', status: 'confirmed' });
    expect(ledger.payouts()).toEqual([expect.objectContaining({ id: 'p1', status: 'confirmed', tx: '0xabc', amount: 12.5 })]);
    ledger.recordHire({ id: 'h1', device: 'd', started: T0, reservedUntil: T0 + 2 * HOUR, status: 'running', client: 'acme' });
    ledger.recordJob({ id: 'j1', hireId: 'h1', device: 'd', kind: 'ray', started: T0, status: 'running' });
    ledger.recordHire({ id: 'h1', device: 'd', started: T0, ended: T0 + HOUR, status: 'completed', minutesServed: 60, paid: 1.25 });
    expect(ledger.hires()[0]).toMatchObject({ id: 'h1', status: 'completed', minutesServed: 60, paid: 1.25 });
    expect(ledger.jobs()[0]).toMatchObject({ id: 'j1', hireId: 'h1', kind: 'ray' });
    ledger.recordNotice({ id: 'n1', t: T0, level: 'warning', title: 'GPU 0 is hot', body: '91 °C' });
    expect(ledger.notices(5)[0]).toMatchObject({ id: 'n1', title: 'GPU 0 is hot' });
    ledger.close();
  });

  it('bad input is refused with a clear error and loses nothing else', () => {
    const ledger = open();
    ledger.recordBlockReward({ device: 'd', blockStart: T0, status: 'passed', amount: 1 });
    expect(() => ledger.recordBlockReward({ device: 'd', blockStart: T0 + HOUR, status: 'failed', amount: 2 })).toThrow(/earns nothing/);
    expect(() => ledger.recordBlockReward({ device: 'd', blockStart: T0, status: 'won' as 'passed', amount: 1 })).toThrow(/one of passed, failed/);
    expect(() => ledger.recordPayout({ id: 'x', device: 'd', t: T0, amount: -1, wallet: 'w', status: 'sent' })).toThrow(/non-negative/);
    expect(() => ledger.recordJob({ id: 'j', device: 'd', kind: 'mining' as 'ray', started: T0, status: 'running' })).toThrow(/kind/);
    expect(() => ledger.markGap('d', 'bored' as 'paused')).toThrow(/reason/);
    expect(() => ledger.markOnline('', T0)).toThrow(/device id/);
    expect(ledger.pendingWrites).toBe(0);
    expect(ledger.rewardTotal(0, T0 + DAY)).toBe(1);
    ledger.close();
  });
});

describe('CSV export', () => {
  it('exports telemetry rollups, uptime per day and rewards', () => {
    const ledger = open();
    feed(ledger, T0, T0 + 2 * MIN + 1000, 1000, () => 61, 1);
    for (let t = T0; t <= T0 + 10 * MIN; t += 10_000) ledger.markOnline('dev,1', (now = t));
    ledger.recordBlockReward({ device: 'dev,1', blockStart: T0, status: 'failed', amount: 0, detail: 'said "no"' });
    const text = (kind: 'telemetry' | 'uptime' | 'rewards', extra = {}) =>
      [...exportCsv(ledger, kind, { from: T0 - DAY, to: T0 + DAY, timeZone: 'UTC', ...extra })].join('');
    const telemetry = text('telemetry', { resolution: '1m', device: 'gpu0', metric: 'temperatureC' }).trim().split('\r\n');
    expect(telemetry[0]).toBe('time_utc,device,metric,resolution,samples,min,avg,max');
    expect(telemetry.slice(1)).toEqual([
      '2026-11-20T10:00:00.000Z,gpu0,temperatureC,1m,60,61,61,61',
      '2026-11-20T10:01:00.000Z,gpu0,temperatureC,1m,60,61,61,61',
    ]);
    const uptime = text('uptime').trim().split('\r\n');
    expect(uptime).toHaveLength(2);
    expect(uptime[1]).toMatch(/^2026-11-20,"dev,1",100,600,0,/);
    expect(text('rewards')).toContain('2026-11-20T10:00:00.000Z,,"dev,1",failed,0,,,"said ""no"""');
    ledger.close();
  });
});
