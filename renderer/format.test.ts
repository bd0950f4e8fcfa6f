import { describe, expect, it } from 'vitest';
import { bytes, clockSeconds, clockTime, count, rate, score } from './format';

describe('rate', () => {
  it('reads transfer rates in decimal units, as network speeds are quoted, with round ticks staying round', () => {
    expect(rate(0)).toBe('0 B/s');
    expect(rate(999)).toBe('999 B/s');
    expect(rate(250_000)).toBe('250 kB/s');
    expect(rate(1_500_000)).toBe('1.5 MB/s');
    expect(rate(2_000_000)).toBe('2 MB/s');
    expect(rate(1_234_567)).toBe('1.23 MB/s');
    expect(rate(12.5e9)).toBe('12.5 GB/s');
    expect(rate(null)).toBe('–');
    expect(rate(Number.NaN)).toBe('–');
  });

  it('leaves sizes binary (GiB), as the rest of the dashboard shows memory', () => {
    expect(bytes(3 * 2 ** 30)).toBe('3.0 GiB');
  });
});

describe('kept formatters', () => {
  // They must read exactly as the toLocale*String calls they replace (built once instead of per call).
  const t = Date.UTC(2026, 11, 6, 9, 5, 7);
  it('write clock times as toLocaleTimeString and toLocaleString do', () => {
    const d = new Date(t);
    expect(clockTime(t, t + 60_000)).toBe(d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }));
    expect(clockTime(t, t + 3 * 86_400_000)).toBe(d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }));
    expect(clockSeconds(t)).toBe(d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }));
  });

  it('group counts and scores as toLocaleString does; a missing one is an en dash', () => {
    expect(count(1_234_567)).toBe((1_234_567).toLocaleString());
    expect(count(0)).toBe('0');
    expect(count(null)).toBe('–');
    expect(count(Number.NaN)).toBe('–');
    expect(score(12_345.6789)).toBe((12_345.6789).toLocaleString(undefined, { maximumFractionDigits: 2 }));
  });
});
