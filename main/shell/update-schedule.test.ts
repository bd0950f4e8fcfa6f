import { describe, expect, it } from 'vitest';
import { BLOCK_MS, SETTLE_MS, planRestart } from './update-schedule.ts';

const at = (hh: number, mm: number, ss = 0) => Date.UTC(2026, 10, 23, hh, mm, ss);

describe('planRestart', () => {
  it('waits for the running block to close, plus the settle time', () => {
    expect(planRestart(at(14, 25), { hiredUntil: null })).toBe(at(15, 0) + SETTLE_MS);
    expect(planRestart(at(14, 59, 59), { hiredUntil: null })).toBe(at(15, 0) + SETTLE_MS);
  });

  it('restarts in the settle window of a block that just began, not an hour later', () => {
    expect(planRestart(at(15, 0, 10), { hiredUntil: null })).toBe(at(15, 0) + SETTLE_MS);
    expect(planRestart(at(15, 0), { hiredUntil: null })).toBe(at(15, 0) + SETTLE_MS);
  });

  it('treats the end of the settle window as inside the block', () => {
    expect(planRestart(at(15, 0) + SETTLE_MS, { hiredUntil: null })).toBe(at(16, 0) + SETTLE_MS);
  });

  it('never cuts a hire short: plans after the block in which the hire ends', () => {
    expect(planRestart(at(14, 25), { hiredUntil: at(16, 40) })).toBe(at(17, 0) + SETTLE_MS);
    // A hire that already ended does not matter.
    expect(planRestart(at(14, 25), { hiredUntil: at(13, 0) })).toBe(at(15, 0) + SETTLE_MS);
  });

  it('is never in the middle of a block', () => {
    for (let t = at(10, 0); t < at(13, 0); t += 7 * 60 * 1000 + 13_000) {
      const restart = planRestart(t, { hiredUntil: null });
      expect(restart).toBeGreaterThanOrEqual(t);
      expect(restart % BLOCK_MS).toBe(SETTLE_MS);
      expect(restart - t).toBeLessThanOrEqual(BLOCK_MS + SETTLE_MS);
    }
  });

  it('takes other block lengths, and refuses a settle as long as a block', () => {
    expect(planRestart(125_000, { hiredUntil: null, blockMs: 60_000, settleMs: 5_000 })).toBe(185_000);
    expect(() => planRestart(0, { hiredUntil: null, blockMs: 60_000, settleMs: 60_000 })).toThrow(/settle/);
  });

  it('follows the network’s own blocks, not the UTC hour', () => {
    // 10-minute blocks, one of which closed at 14:07: the next closes at 14:27, then 14:37.
    const schedule = { blockMs: 10 * 60_000, anchorMs: at(14, 7), settleMs: 30_000 };
    expect(planRestart(at(14, 25), { hiredUntil: null, ...schedule })).toBe(at(14, 27) + 30_000);
    expect(planRestart(at(14, 27) + 10_000, { hiredUntil: null, ...schedule })).toBe(at(14, 27) + 30_000);
    expect(planRestart(at(14, 25), { hiredUntil: at(14, 31), ...schedule })).toBe(at(14, 37) + 30_000);
  });
});
