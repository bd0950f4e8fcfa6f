import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('reconnect backoff', () => {
  it('doubles its ceiling per attempt up to the maximum, and spreads tries across the window', () => {
    expect(backoffDelay(0, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(500, 1000, 60_000, () => 0.999)).toBeLessThanOrEqual(60_000);
    const tries = Array.from({ length: 200 }, () => backoffDelay(6, 1000, 60_000));
    expect(Math.min(...tries)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...tries)).toBeLessThanOrEqual(64_000);
    expect(new Set(tries).size).toBeGreaterThan(150); // jitter: not one herd
  });
});
