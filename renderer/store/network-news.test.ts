import { describe, expect, it } from 'vitest';
import type { NetworkStatus } from '../../preload/contract/index.ts';
import { news } from './network-news';

// An answer as the worker gives it at `at`: a streak and a countdown it moves with its clock.
const answer = (at: number, over: Partial<NetworkStatus> = {}): NetworkStatus =>
  ({
    connection: 'online',
    detail: 'Connected.',
    eligible: false,
    tier: 1,
    checks: [{ id: 'uptime', state: 'failing', detail: 'Up for 1 min', remainingSeconds: 18_000 - (at - 60_000) / 1000 }],
    offline: null,
    streak: { seconds: 60 + (at - 60_000) / 1000, at, running: true },
    minUptimeSeconds: 18_060,
    traffic: { sentBytes: at, receivedBytes: at * 2, since: 0 },
    blockSeconds: 300,
    paused: null,
    pausedBy: [],
    ...over,
  }) as unknown as NetworkStatus;

describe('news in the network answer', () => {
  it('is none when only time moved the streak and the countdown, or traffic grew', () => {
    expect(news(answer(65_000))).toBe(news(answer(60_000)));
    expect(news(answer(600_123))).toBe(news(answer(60_000)));
  });

  it('is a streak the network counted anew, a rule that changed, or a stopped streak that moved', () => {
    const base = answer(65_000);
    expect(news({ ...base, streak: { ...base.streak!, seconds: base.streak!.seconds - 2 } })).not.toBe(news(base));
    expect(news({ ...base, eligible: true })).not.toBe(news(base));
    expect(news({ ...base, checks: [{ ...base.checks[0]!, remainingSeconds: 10 }] })).not.toBe(news(base));
    const stopped = (seconds: number, at: number) => answer(at, { streak: { seconds, at, running: false } });
    expect(news(stopped(100, 70_000))).toBe(news(stopped(100, 90_000)));
    expect(news(stopped(100, 70_000))).not.toBe(news(stopped(0, 90_000)));
  });
});
