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
      parts: [{ part: 'sampler', cause: 'no-frames', deadlineMs: 5000, lastAlive: () => alive, restart: () => void restarts++ }],
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
    expect(notices[0].body).toMatch(/^The telemetry sampler stalled: no telemetry frame for 6 s \(its deadline is 5 s\)\. Restarted it \(1 of 5 in 10 min\)\.$/);
    expect(notices.filter((n) => n.title === 'The telemetry sampler failed')).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(dog.failed('sampler')).toBe(true);

    alive = now; // it came back on its own: a moment of life is not yet a recovery
    await dog.check();
    expect(notices.at(-1)!.title).toBe('The telemetry sampler failed');
    now += 5000;
    alive = now;
    await dog.check();
    expect(notices.at(-1)!.title).toBe('The telemetry sampler is running again');
    expect(notices.at(-1)!.id).toMatch(/^watchdog-back:sampler:/);
    expect(notices.find((n) => n.title.endsWith('failed'))!.id).toMatch(/^watchdog-failed:sampler:/);
    expect(failed.at(-1)).toBeNull();
    expect(new Set(notices.map((n) => n.id)).size).toBe(notices.length);
  });

  it('watches nothing that is not running, and forgets restarts older than the window', async () => {
    let now = 0;
    let alive: number | null = null;
    let restarts = 0;
    const dog = new Watchdog({
      parts: [{ part: 'hire', cause: 'workload-silent', deadlineMs: 1000, lastAlive: () => alive, restart: () => { restarts++; alive = now; } }],
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
    expect(dog.failed('hire')).toBe(false);
  });
});

describe('Watchdog runs of a part', () => {
  it('gives a new run (a new hire) a fresh budget, and hands a spent budget to giveUp once', async () => {
    let now = 0;
    let instance: string | null = 'hire-1';
    let restarts = 0;
    const gaveUp: string[] = [];
    const notices: Notice[] = [];
    const dog = new Watchdog({
      parts: [{
        part: 'hire', cause: 'workload-silent', deadlineMs: 1000, lastAlive: () => (instance ? 0 : null), instance: () => instance,
        restart: () => void restarts++, giveUp: (why) => void gaveUp.push(why), advice: 'the hire was ended and reported to the network as failed',
      }],
      notice: (n) => notices.push(n),
      budget: { restarts: 2, windowMs: 600_000 },
      now: () => now,
      sleep: async () => {},
    });
    for (let i = 0; i < 6; i++) {
      now += 2000;
      await dog.check();
    }
    expect(restarts).toBe(2);
    expect(gaveUp).toEqual(['the hired workload stalled 3 times in 10 min: no output from the workload and no GPU use for 6 s (its deadline is 1 s)']);
    expect(notices.at(-1)!.body).toMatch(/so it is not restarted any more; the hire was ended and reported to the network as failed\.$/);
    instance = 'hire-2';
    now += 2000;
    await dog.check();
    expect(restarts).toBe(3); // the next hire is watched again from a fresh budget
  });
});
