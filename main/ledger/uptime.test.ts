// The pure uptime arithmetic: buckets in a time zone, and the sweep over overlapping inputs.
import { describe, expect, it } from 'vitest';
import { dayBuckets, hourBuckets, localMidnight, mergeIntervals, sweepUptime, zoneOffsetMs } from './uptime.ts';

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
