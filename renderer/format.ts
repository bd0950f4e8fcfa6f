// Numbers with units, the way GPU owners read them. A missing reading is an en dash, never 0.
import { formatIO } from '../preload/contract/amounts.ts';

const DASH = '–';

/**
 * A formatter made on first use and kept: a toLocale*String call with options builds a new one each
 * time (230 µs for a clock time in Chromium here, against 2 µs from a kept one), and Device details
 * writes dozens of times and counts on every refresh of its eight GPUs' health.
 */
function kept<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => (made ??= make());
}
const clockFormat = kept(() => new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }));
const clockSecondsFormat = kept(() => new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }));
const dateTimeFormat = kept(() => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }));
const countFormat = kept(() => new Intl.NumberFormat());
const scoreFormat = kept(() => new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 }));

export function bytes(value: number | null | undefined, digits = 1): string {
  if (value == null || !Number.isFinite(value)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : digits)} ${units[i]}`;
}

/** A transfer rate in decimal units, as network speeds are quoted: "1.5 MB/s", "250 kB/s". */
export function rate(bytesPerSecond: number | null | undefined): string {
  if (bytesPerSecond == null || !Number.isFinite(bytesPerSecond)) return DASH;
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s'];
  let v = bytesPerSecond;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toFixed(i === 0 ? 0 : 2))} ${units[i]}`;
}

export function mib(value: number | null | undefined): string {
  return value == null ? DASH : bytes(value * 1024 * 1024);
}

export function unit(value: number | null | undefined, suffix: string, digits = 0): string {
  return value == null || !Number.isFinite(value) ? DASH : `${value.toFixed(digits)}${suffix}`;
}

export const percent = (v: number | null | undefined) => unit(v, ' %');
export const celsius = (v: number | null | undefined) => unit(v, ' °C');
export const watts = (v: number | null | undefined, digits = 0) => unit(v, ' W', digits);

export function relativeTime(t: number, now = Date.now()): string {
  const s = Math.round((now - t) / 1000);
  if (s < 0) return 'just now';
  if (s < 45) return 'just now';
  if (s < 90) return '1 min ago';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} min ago`;
  const d = Math.floor(h / 24);
  return `${d} d ${h % 24} h ago`;
}

let zone: string | undefined;

/**
 * This machine's time zone (IANA), for days that end at local midnight. Asked once: the first
 * date-time formatting in a page loads the time-zone data (40 to 65 ms here).
 */
export function localTimeZone(): string {
  return (zone ??= Intl.DateTimeFormat().resolvedOptions().timeZone);
}

export function absoluteTime(t: number): string {
  return new Date(t).toLocaleString();
}

/** The network's coin, in the one format of preload/contract/amounts.ts. */
export const coins = (value: number | null | undefined): string => formatIO(value);

/** A score as the network publishes it: two decimals, grouped. */
export function score(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return DASH;
  return scoreFormat().format(value);
}

/** A count, grouped ("12,345"); a missing one is an en dash. */
export function count(value: number | null | undefined): string {
  return value == null || !Number.isFinite(value) ? DASH : countFormat().format(value);
}

/** A duration to the second, for figures that tick ("2 h 05 min 09 s", "4 min 30 s", "12 s"). */
export function clockDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return DASH;
  const t = Math.max(0, Math.floor(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h} h ${two(m)} min ${two(s)} s`;
  if (m > 0) return `${m} min ${two(s)} s`;
  return `${s} s`;
}

/** A clock time of today ("10:42"), or a date and time for another day. */
export function clockTime(t: number, now = Date.now()): string {
  const d = new Date(t);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  return sameDay ? clockFormat().format(d) : dateTimeFormat().format(d);
}

/** A clock time to the second ("10:42:07"). */
export function clockSeconds(t: number): string {
  return clockSecondsFormat().format(t);
}
