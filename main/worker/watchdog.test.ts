// The watchdog with a fake clock: restarts a stalled part with backoff, each restart a notice with
// its cause, at most 5 in 10 min, then "failed" once (not a loop), and "running again" when it recovers.
import { describe, expect, it } from 'vitest';
import type { Notice } from '../../preload/contract/index.ts';
import { Watchdog } from './watchdog.ts';

describe('Watchdog', () => {
  it('restarts a stall with backoff within its budget, then reports it failed instead of looping', async () => {
    let now = 0;
    let alive = 0;
    let restarts = 0;
    const waits: number[] = [];
    const notices: Notice[] = [];
    const failed: (string | null)[] = [];
    const dog = new Watchdog({
      parts: [{ name: 'the telemetry sampler', deadlineMs: 5000, lastAlive: () => alive, restart: () => void restarts++ }],
      notice: (n) => notices.push(n),
      onFailed: (_part, cause) => failed.push(cause),
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    await dog.check();
    expect(restarts).toBe(0); // alive within its deadline
    for (let i = 0; i < 10; i++) {
      now += 6000;
      await dog.check();
    }
    expect(restarts).toBe(5);
    expect(waits.length).toBe(4); // the first restart is at once, the next ones back off
    expect(waits.every((w) => w >= 500)).toBe(true);
    expect(notices.filter((n) => n.title === 'The telemetry sampler restarted')).toHaveLength(5);
    expect(notices[0].body).toMatch(/^The telemetry sampler stalled: no sign of life for 6 s \(its deadline is 5 s\)\. Restarted it \(1 of 5 in 10 min\)\.$/);
    expect(notices.filter((n) => n.title === 'The telemetry sampler failed')).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(dog.failed('the telemetry sampler')).toBe(true);

    alive = now; // it came back on its own
    await dog.check();
    expect(notices.at(-1)!.title).toBe('The telemetry sampler is running again');
    expect(failed.at(-1)).toBeNull();
    expect(new Set(notices.map((n) => n.id)).size).toBe(notices.length);
  });

  it('watches nothing that is not running, and forgets restarts older than the window', async () => {
    let now = 0;
    let alive: number | null = null;
    let restarts = 0;
    const dog = new Watchdog({
      parts: [{ name: 'the hire', deadlineMs: 1000, lastAlive: () => alive, restart: () => { restarts++; alive = now; } }],
      notice: () => {},
      budget: { restarts: 2, windowMs: 60_000 },
      now: () => now,
      sleep: async () => {},
    });
    now = 100_000;
    await dog.check();
    expect(restarts).toBe(0);
    alive = 0;
    for (let i = 0; i < 4; i++) {
      now += 40_000; // every stall is restarted and recovers; the budget only counts the last minute
      await dog.check();
    }
    expect(restarts).toBe(4);
    expect(dog.failed('the hire')).toBe(false);
  });
});
