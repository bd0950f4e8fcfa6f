import { describe, expect, it } from 'vitest';
import { tickLabel, timeTicks, widestLabel } from './time-ticks';

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

  it('spaces ticks no closer than their labels: wide 12-hour labels on a narrow chart get fewer', () => {
    const max = Date.UTC(2026, 10, 23, 12, 0, 0);
    const twelveHour = { labelWidth: () => 55 }; // "08:00 PM" in a 12 px font
    expect(timeTicks(max - 24 * HOUR, max, 8, { pixels: 290, ...twelveHour }).step).toBe(6 * HOUR);
    expect(timeTicks(max - 24 * HOUR, max, 8, { pixels: 600, ...twelveHour }).step).toBe(4 * HOUR);
    // without a room only the count limits them: 4 hours, which on 290 px puts labels 48 px apart
    expect(timeTicks(max - 24 * HOUR, max, 8).step).toBe(4 * HOUR);
    // every tick sits at least a label and a gap from the next
    const { values } = timeTicks(max - 15 * MIN, max, 6, { pixels: 250, labelWidth: () => 70 });
    for (let i = 1; i < values.length; i++) expect(((values[i]! - values[i - 1]!) / (15 * MIN)) * 250).toBeGreaterThanOrEqual(70);
  });

  it('measures each format by a label as wide as it gets', () => {
    expect(widestLabel(10_000)).toMatch(/\d{2}:\d{2}:\d{2}/);
    expect(widestLabel(HOUR)).toMatch(/\d{2}:\d{2}/);
    expect(widestLabel(2 * 24 * HOUR)).toMatch(/28/);
  });
});
