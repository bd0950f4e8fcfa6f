import { describe, expect, it } from 'vitest';
import { LiveWindow, insideScale } from './live-window';

const MIN = 60_000;

describe('LiveWindow', () => {
  it('moves its right edge in 1-minute steps over a 15-minute window, always ahead of the newest sample', () => {
    const span = new LiveWindow(15 * MIN);
    const start = Date.UTC(2026, 10, 23, 12, 0, 0);
    span.edges(start - 20 * MIN); // history from before: the window is full width
    for (let s = 0; s < 120; s++) {
      const t = start + s * 1000 + 123;
      const { min, max } = span.edges(t);
      expect(max % 60_000).toBe(0);
      expect(max).toBeGreaterThan(t);
      expect(max - t).toBeLessThanOrEqual(60_000);
      expect(max - min).toBe(15 * MIN);
    }
  });

  it('asks for a new layout once per step, not once per sample', () => {
    const span = new LiveWindow(15 * MIN);
    const start = Date.UTC(2026, 10, 23, 12, 0, 0);
    span.edges(start - 20 * MIN);
    let drawn = span.edges(start);
    let layouts = 0;
    for (let s = 1; s <= 300; s++) {
      const t = start + s * 1000;
      if (!span.fits(t, drawn)) {
        layouts++;
        drawn = span.edges(t);
      }
    }
    expect(layouts).toBe(5); // 300 s in 1-minute steps
  });

  it('grows from the first sample on a fresh start instead of drawing a sliver', () => {
    const span = new LiveWindow(15 * MIN);
    const first = Date.UTC(2026, 10, 23, 12, 0, 10);
    const { min, max } = span.edges(first);
    expect(min).toBe(first - 60_000);
    expect(max).toBe(Date.UTC(2026, 10, 23, 12, 1, 0));
    expect(span.edges(first + 20 * MIN).max - span.edges(first + 20 * MIN).min).toBe(15 * MIN);
  });
});

describe('insideScale', () => {
  it('sees a value above the drawn axis, and lets gaps through', () => {
    expect(insideScale([10, null, 99], 0, 100)).toBe(true);
    expect(insideScale([101], 0, 100)).toBe(false);
    expect(insideScale([-1], 0, 100)).toBe(false);
  });
});
