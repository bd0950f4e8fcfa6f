// When a new answer to worker.eligibility is news, apart from the store so it can be tested.
import type { NetworkStatus } from '../../preload/contract/index.ts';

/**
 * What in an answer is news. Time alone is not: a running streak reads as the instant it started
 * and a countdown as the instant it ends (the worker moves both with its clock between the network's
 * statuses), and traffic is kept apart. So a Home left open renders when something happens, not
 * every 5 s (bench/dashboard.bench.ts).
 */
export function news(value: NetworkStatus): string {
  const at = value.streak?.at;
  return JSON.stringify({
    ...value,
    traffic: undefined,
    streak: value.streak && (value.streak.running ? { running: true, startedAt: Math.round(value.streak.at - value.streak.seconds * 1000) } : { running: false, seconds: value.streak.seconds }),
    checks: value.checks.map((c) => (c.remainingSeconds === undefined || at === undefined ? c : { ...c, remainingSeconds: undefined, endsAt: Math.round(at + c.remainingSeconds * 1000) })),
  });
}
