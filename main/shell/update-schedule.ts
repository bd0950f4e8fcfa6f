// When a downloaded update may restart the worker: never inside a block, never while hired. Blocks
// follow the network's own schedule (its length, and when one closed), not the UTC hour. Right after a block closes (plus a short settle, so its last POTL answers and heartbeat
// go out) the restart costs nothing: the uptime streak and the block's proofs are kept.

export const BLOCK_MS = 60 * 60 * 1000;
/** How long after a block closes the restart waits, so the closed block's last messages are sent. */
export const SETTLE_MS = 90 * 1000;

export interface RestartWindow {
  /** The worker is hired until this time (ms), or null. A hire is never cut short by an update. */
  hiredUntil: number | null;
  blockMs?: number;
  /** When a block of the network closed (ms): blocks start there and every blockMs; by default at 0 (UTC-aligned). */
  anchorMs?: number;
  settleMs?: number;
}

/** The earliest time at or after `now` when restarting loses no block and no hire. */
export function planRestart(now: number, window: RestartWindow): number {
  const blockMs = window.blockMs ?? BLOCK_MS;
  const settleMs = window.settleMs ?? SETTLE_MS;
  if (!(blockMs > 0) || !(settleMs >= 0) || settleMs >= blockMs) {
    throw new Error(`A restart window needs 0 <= settle (${settleMs}) < block (${blockMs}).`);
  }
  const from = window.hiredUntil !== null && window.hiredUntil > now ? window.hiredUntil : now;
  const anchor = window.anchorMs ?? 0;
  const blockStart = anchor + Math.floor((from - anchor) / blockMs) * blockMs;
  // Still in the settle window of a block that just began: nothing of it is at stake yet.
  if (from - blockStart < settleMs) return blockStart + settleMs;
  return blockStart + blockMs + settleMs;
}
