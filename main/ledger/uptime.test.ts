// The pure uptime arithmetic: buckets in a time zone, and the sweep over overlapping inputs.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Ledger } from './ledger.ts';
import { migrate } from './schema.ts';
import { GAP_REASONS, dayBuckets, hourBuckets, localMidnight, mergeIntervals, sweepUptime, zoneOffsetMs } from './uptime.ts';

const HOUR = 3_600_000;

describe('time zones', () => {
  it('finds local midnight across DST and odd offsets', () => {
    expect(new Date(localMidnight(2026, 3, 29, 'Europe/Berlin')).toISOString()).toBe('2026-03-28T23:00:00.000Z'); // CET
    expect(new Date(localMidnight(2026, 3, 30, 'Europe/Berlin')).toISOString()).toBe('2026-03-29T22:00:00.000Z'); // CEST
    expect(new Date(localMidnight(2026, 1, 1, 'Asia/Kathmandu')).toISOString()).toBe('2025-12-31T18:15:00.000Z');
    expect(zoneOffsetMs(Date.UTC(2026, 6, 1), 'America/Los_Angeles')).toBe(-7 * HOUR);
  });

  it('makes contiguous local days (a 23-hour spring day included) and UTC hours', () => {
    const days = dayBuckets(Date.UTC(2026, 2, 30, 12), 3, 'Europe/Berlin');
    expect(days.map((d) => d.label)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(days.map((d) => (d.end - d.start) / HOUR)).toEqual([24, 23, 24]);
    for (let i = 1; i < days.length; i++) expect(days[i].start).toBe(days[i - 1].end);
    const hours = hourBuckets(Date.UTC(2026, 2, 30, 12, 30), 3);
    expect(hours.map((h) => h.label)).toEqual(['2026-03-30T10:00Z', '2026-03-30T11:00Z', '2026-03-30T12:00Z']);
  });
});

describe('sweep', () => {
  const bucket = [{ label: 'b', start: 0, end: 100_000 }];

  it('never counts an instant twice, whatever overlaps', () => {
    const spans = [
      { start: 0, end: 30_000 },
      { start: 10_000, end: 40_000 }, // overlaps (a clock stepped back)
      { start: 50_000, end: 45_000 }, // inverted: dropped
    ];
    const gaps = [
      { start: 40_000, end: 80_000, reason: 'paused' as const },
      { start: 60_000, end: 70_000, reason: 'over-temperature' as const }, // the later reason wins while it lasts
      { start: 20_000, end: 90_000, reason: 'network-down' as const }, // under online time it does not count
    ];
    const [b] = sweepUptime(bucket, spans, gaps, 0, 100_000);
    expect(b.onlineSeconds).toBe(40);
    expect(b.downtime).toEqual({ paused: 30, 'over-temperature': 10, 'network-down': 10, unknown: 10 });
    expect(b.onlineSeconds + b.downtimeSeconds).toBe(100);
    expect(b.uptimePct).toBe(40);
  });

  it('counts nothing before the first record or after now', () => {
    const [b] = sweepUptime(bucket, [{ start: 50_000, end: 60_000 }], [], 50_000, 70_000);
    expect(b).toMatchObject({ onlineSeconds: 10, downtimeSeconds: 10, uptimePct: 50, downtime: { unknown: 10 } });
    expect(sweepUptime(bucket, [], [], null, 70_000)[0].uptimePct).toBeNull();
  });

  it('merges intervals', () => {
    expect(mergeIntervals([{ start: 5, end: 9 }, { start: 0, end: 5 }, { start: 12, end: 11 }])).toEqual([{ start: 0, end: 9 }]);
  });
});

describe('pauses in the ledger', () => {
  it('are online time kept apart by source; a run killed while paused ends its pause at its last online moment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-pauses-'));
    try {
      let now = Date.UTC(2026, 0, 10, 12);
      const first = Ledger.open({ dataDir: dir, now: () => now, log: () => {} });
      for (let k = 0; k < 60; k++) first.markOnline('dev', (now += 1000));
      first.markPaused('dev', { source: 'gaming', detail: 'a game is running' }, now);
      for (let k = 0; k < 30; k++) first.markOnline('dev', (now += 1000));
      first.flush();
      // Killed: no close. The next run finds the pause open and ends it where the run went quiet.
      const killedAt = now;
      now += 600_000;
      const second = Ledger.open({ dataDir: dir, now: () => now, log: () => {} });
      const [day] = second.uptimeBar('dev', { days: 1, timeZone: 'UTC' }).buckets;
      expect(day.pausedSeconds).toBe(30);
      expect(day.paused).toEqual({ gaming: 30 });
      expect(day.downtime).toEqual({ 'app-closed': 600 });
      const db = new DatabaseSync(path.join(dir, 'ledger.db'));
      expect(db.prepare('SELECT end_ms FROM pauses').get()).toEqual({ end_ms: killedAt });
      // The table accepts only the typed sources.
      expect(() => db.prepare("INSERT INTO pauses (device, start_ms, source) VALUES ('dev', 1, 'because')").run()).toThrow(/CHECK/);
      db.close();
      second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keep the gap reasons of the SQL CHECK equal to the one table', () => {
    const db = new DatabaseSync(':memory:');
    migrate(db);
    let t = 0;
    const insert = (reason: string) => db.prepare('INSERT INTO uptime_gaps (device, start_ms, reason) VALUES (?, ?, ?)').run('dev', (t += 1), reason);
    for (const reason of GAP_REASONS) expect(() => insert(reason)).not.toThrow();
    expect(() => insert('because')).toThrow(/CHECK/);
    db.close();
  });
});
