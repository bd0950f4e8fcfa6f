import { describe, expect, it } from 'vitest';
import { tickLabel, timeTicks } from './time-ticks';

const MIN = 60_000;
const HOUR = 60 * MIN;
const local = (t: number) => t - new Date(t).getTimezoneOffset() * -MIN; // ms of local wall clock

describe('timeTicks', () => {
  it('puts a 15-minute window on 3-minute clock boundaries, never past its edges', () => {
    const max = Date.UTC(2026, 10, 23, 12, 0, 30);
    const min = max - 15 * MIN;
    const { values, step } = timeTicks(min, max, 6);
    expect(step).toBe(3 * MIN);
    expect(values.length).toBe(5);
    for (const v of values) {
      expect(local(v) % (3 * MIN)).toBe(0);
      expect(v).toBeGreaterThanOrEqual(min);
      expect(v).toBeLessThanOrEqual(max);
    }
  });

  it('uses seconds for a window that has only just started, hours for a day, days for a week', () => {
    const max = Date.UTC(2026, 10, 23, 12, 0, 0);
    const fresh = timeTicks(max - 60_000, max, 6);
    expect(fresh.step).toBe(15_000);
    expect(tickLabel(fresh.values[0]!, fresh.step)).toMatch(/\d{2}:\d{2}:\d{2}/);
    const day = timeTicks(max - 24 * HOUR, max, 7);
    expect(day.step).toBe(4 * HOUR);
    expect(day.values.every((v) => local(v) % (4 * HOUR) === 0)).toBe(true);
    const week = timeTicks(max - 7 * 24 * HOUR, max, 7);
    expect(week.step).toBe(2 * 24 * HOUR);
    expect(tickLabel(week.values[0]!, week.step)).not.toMatch(/:/);
  });
});
