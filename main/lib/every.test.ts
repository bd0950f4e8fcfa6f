import { describe, expect, it } from 'vitest';
import { every } from './every.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('every: one timer per period', () => {
  it('runs a task added later in the same timer callback as the first, in the order added', async () => {
    const runs: string[] = [];
    let inFirstsCallback = false;
    const offA = every(150, () => {
      runs.push('a');
      inFirstsCallback = true;
      setImmediate(() => (inFirstsCallback = false)); // cleared once this timer callback is over
    });
    await sleep(220); // out of phase with the first, as two own timers would be
    const shared: boolean[] = [];
    const offB = every(150, () => {
      runs.push('b');
      shared.push(inFirstsCallback);
    });
    await sleep(500);
    offA();
    offB();
    expect(shared.length).toBeGreaterThanOrEqual(2);
    expect(shared.every(Boolean)).toBe(true);
    expect(runs.slice(runs.indexOf('b') - 1, runs.indexOf('b') + 1)).toEqual(['a', 'b']);
  });

  it('a stopped task no longer runs; the others go on; the last one stopped ends the timer', async () => {
    const counts = { a: 0, b: 0 };
    const offA = every(40, () => counts.a++);
    const offB = every(40, () => counts.b++);
    await sleep(130);
    offA();
    offA(); // twice is harmless
    const a = counts.a;
    await sleep(130);
    expect(counts.a).toBe(a);
    expect(counts.b).toBeGreaterThanOrEqual(3);
    offB();
    const b = counts.b;
    await sleep(100);
    expect(counts.b).toBe(b);
    // Added again after the last stop: a new timer, and it runs.
    const offC = every(40, () => counts.a++);
    await sleep(100);
    offC();
    expect(counts.a).toBeGreaterThan(a);
  });

  it('the same function added twice runs twice each tick and stops once per stop', async () => {
    let n = 0;
    const task = () => n++;
    const off1 = every(100, task);
    const off2 = every(100, task);
    await sleep(150);
    expect(n).toBe(2);
    off1();
    await sleep(100);
    expect(n).toBe(3);
    off2();
  });

  it('a task that throws does not stop the ones after it', async () => {
    const seen: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.once('uncaughtException', (error) => seen.push(error.message));
    let after = 0;
    const offA = every(60, () => {
      offA();
      throw new Error('broken task');
    });
    const offB = every(60, () => after++);
    try {
      await sleep(100);
    } finally {
      offB();
      process.removeAllListeners('uncaughtException');
      for (const l of listeners) process.on('uncaughtException', l);
    }
    expect(after).toBe(1);
    expect(seen).toEqual(['broken task']);
  });
});
