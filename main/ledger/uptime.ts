// Uptime arithmetic, pure (no database): local-day and UTC-hour buckets, and the sweep that turns
// online spans, reasoned gaps and pauses into per-bucket online, paused and downtime seconds without
// ever counting an instant twice or producing a negative duration, whatever the clock did.
import type { PauseSource, UptimeBar } from '../../preload/contract/index.ts';
import { GAP_REASONS as WORD_GAP_REASONS } from '../../preload/contract/words.ts';

export type UptimeBucket = UptimeBar['buckets'][number];
/** The contract's downtime reasons; 'unknown': downtime with no recorded reason (never expected; shown honestly). */
type DowntimeReason = keyof UptimeBucket['downtime'];
/** Why a device was offline, as the user would name it: every downtime reason but 'unknown'. */
export type GapReason = Exclude<DowntimeReason, 'unknown'>;
/** The one table of gap reasons (preload/contract/words.ts), which the SQL CHECK also holds. */
export const GAP_REASONS: readonly GapReason[] = WORD_GAP_REASONS;

export interface Interval {
  start: number;
  end: number;
}
export interface ReasonedGap extends Interval {
  reason: GapReason;
}
/** A pause: online time that did not earn, with who held it. */
export interface HeldPause extends Interval {
  source: PauseSource;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError naming the zone when it is not an IANA time zone this runtime knows. */
export function checkTimeZone(timeZone: string): string {
  try {
    formatter(timeZone);
    return timeZone;
  } catch {
    throw new RangeError(`Unknown time zone "${timeZone}"; use an IANA name such as Europe/Berlin.`);
  }
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function localParts(t: number, timeZone: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year, mo: parts.month, d: parts.day, h: parts.hour, mi: parts.minute, s: parts.second };
}

/** Offset of the zone from UTC at instant t, in ms (local = utc + offset). */
export function zoneOffsetMs(t: number, timeZone: string): number {
  const p = localParts(t, timeZone);
  const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** The UTC instant of local midnight starting the given calendar date (DST-safe). */
export function localMidnight(y: number, mo: number, d: number, timeZone: string): number {
  const guess = Date.UTC(y, mo - 1, d);
  let t = guess - zoneOffsetMs(guess, timeZone);
  const again = guess - zoneOffsetMs(t, timeZone);
  if (again !== t) t = again;
  return t;
}

function isoDate(y: number, mo: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Contiguous buckets for the last `days` local days, ending with today (which ends at its midnight). */
export function dayBuckets(now: number, days: number, timeZone: string): { label: string; start: number; end: number }[] {
  const today = localParts(now, timeZone);
  const out: { label: string; start: number; end: number }[] = [];
  for (let k = days - 1; k >= 0; k--) {
    const date = new Date(Date.UTC(today.y, today.mo - 1, today.d - k));
    const next = new Date(Date.UTC(today.y, today.mo - 1, today.d - k + 1));
    out.push({
      label: isoDate(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()),
      start: localMidnight(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), timeZone),
      end: localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
    });
  }
  return out;
}

const HOUR = 3_600_000;
/** UTC hour buckets (the network's blocks) covering the last `hours`, ending with the current hour. */
export function hourBuckets(now: number, hours: number): { label: string; start: number; end: number }[] {
  const current = Math.floor(now / HOUR) * HOUR;
  const out: { label: string; start: number; end: number }[] = [];
  for (let k = hours - 1; k >= 0; k--) {
    const start = current - k * HOUR;
    out.push({ label: new Date(start).toISOString().slice(0, 13) + ':00Z', start, end: start + HOUR });
  }
  return out;
}

/** Sorted, non-overlapping union of the intervals; empty and inverted ones are dropped. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

/**
 * Splits [recordedFrom, now) over the buckets: online where any span covers an instant; otherwise
 * the reason of the latest-starting gap covering it; otherwise 'unknown'. Outside the recorded
 * period nothing is counted, so days before the first run read as "no data", not as downtime.
 */
export function sweepUptime(
  buckets: { label: string; start: number; end: number }[],
  spans: Interval[],
  gaps: ReasonedGap[],
  recordedFrom: number | null,
  now: number,
  pauses: HeldPause[] = [],
): UptimeBucket[] {
  const result: UptimeBucket[] = buckets.map((b) => ({
    ...b,
    onlineSeconds: 0,
    downtimeSeconds: 0,
    uptimePct: null,
    downtime: {},
    pausedSeconds: 0,
    paused: {},
  }));
  if (buckets.length === 0 || recordedFrom === null) return result;
  const lo = Math.max(buckets[0].start, recordedFrom);
  const hi = Math.min(buckets[buckets.length - 1].end, now);
  if (hi <= lo) return result;

  const online = mergeIntervals(spans.map((s) => ({ start: Math.max(s.start, lo), end: Math.min(s.end, hi) })));
  const reasoned = gaps
    .map((g) => ({ start: Math.max(g.start, lo), end: Math.min(g.end, hi), reason: g.reason }))
    .filter((g) => g.end > g.start)
    .sort((a, b) => a.start - b.start);
  const held = pauses
    .map((h) => ({ start: Math.max(h.start, lo), end: Math.min(h.end, hi), source: h.source }))
    .filter((h) => h.end > h.start)
    .sort((a, b) => a.start - b.start);

  const points = new Set<number>([lo, hi]);
  for (const b of buckets) if (b.start > lo && b.start < hi) points.add(b.start);
  for (const i of online) points.add(i.start).add(i.end);
  for (const g of reasoned) points.add(g.start).add(g.end);
  for (const h of held) points.add(h.start).add(h.end);
  const sorted = [...points].sort((a, b) => a - b);

  let bi = 0;
  let oi = 0;
  let gi = 0;
  let pi = 0;
  const active: (typeof reasoned)[number][] = [];
  const holding: (typeof held)[number][] = [];
  for (let p = 0; p + 1 < sorted.length; p++) {
    const a = sorted[p];
    const b = sorted[p + 1];
    while (bi < buckets.length && buckets[bi].end <= a) bi++;
    if (bi >= buckets.length) break;
    while (oi < online.length && online[oi].end <= a) oi++;
    while (gi < reasoned.length && reasoned[gi].start <= a) active.push(reasoned[gi++]);
    for (let k = active.length - 1; k >= 0; k--) if (active[k].end <= a) active.splice(k, 1);
    while (pi < held.length && held[pi].start <= a) holding.push(held[pi++]);
    for (let k = holding.length - 1; k >= 0; k--) if (holding[k].end <= a) holding.splice(k, 1);
    const seconds = (b - a) / 1000;
    const bucket = result[bi];
    if (oi < online.length && online[oi].start <= a) {
      bucket.onlineSeconds += seconds;
      // Paused time is online time (the streak goes on) that did not earn: counted once, latest hold wins.
      const pause = holding.reduce<(typeof held)[number] | null>((latest, h) => (latest === null || h.start >= latest.start ? h : latest), null);
      if (pause) {
        bucket.pausedSeconds += seconds;
        bucket.paused[pause.source] = (bucket.paused[pause.source] ?? 0) + seconds;
      }
    } else {
      let reason: DowntimeReason = 'unknown';
      let latest = -Infinity;
      for (const g of active) {
        if (g.start >= latest) {
          latest = g.start;
          reason = g.reason;
        }
      }
      bucket.downtimeSeconds += seconds;
      bucket.downtime[reason] = (bucket.downtime[reason] ?? 0) + seconds;
    }
  }
  for (const b of result) {
    const covered = b.onlineSeconds + b.downtimeSeconds;
    if (covered > 0) b.uptimePct = Math.round((b.onlineSeconds / covered) * 100_000) / 1000;
  }
  return result;
}
