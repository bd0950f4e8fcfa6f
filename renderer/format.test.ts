import { describe, expect, it } from 'vitest';
import { bytes, rate } from './format';

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
