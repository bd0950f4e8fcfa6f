// The Earnings page's figures from the ledger: totals as of now, and per local day (the user's time
// zone) what block rewards and hire payments came in, how many blocks passed and failed, and what
// the failed ones would have paid. Sums are taken in nano-tokens so they stay exact.
import type { RewardsSummary } from '../../preload/contract/index.ts';
import { nano, tokens } from './earnings-record.ts';
import type { Ledger } from './ledger.ts';
import { checkTimeZone, dayBuckets } from './uptime.ts';

export function earningsSummary(ledger: Ledger, options: { days: number; timeZone: string; now?: number }): RewardsSummary {
  const { days } = options;
  if (!Number.isInteger(days) || days < 1 || days > 400) throw new RangeError('days must be an integer from 1 to 400.');
  const timeZone = checkTimeZone(options.timeZone);
  const now = options.now ?? Date.now();
  const buckets = dayBuckets(now, days, timeZone);
  const from = buckets[0]!.start;
  const to = buckets[buckets.length - 1]!.end;
  const rewards = ledger.blockRewards(from, to);
  const payouts = ledger.payoutsBetween(from, to);

  // Average passed-block reward per device over the window: the estimate for its failed blocks.
  const perDevice = new Map<string, { sum: number; n: number }>();
  for (const r of rewards) {
    if (r.status !== 'passed') continue;
    const d = perDevice.get(r.device) ?? { sum: 0, n: 0 };
    d.sum += nano(r.amount);
    d.n++;
    perDevice.set(r.device, d);
  }

  const rows = buckets.map((b) => ({ ...b, earned: 0, jobEarned: 0, passed: 0, failed: 0, missed: 0, unestimated: 0 }));
  // Both lists are sorted by time and the buckets are contiguous: one forward walk each.
  let i = 0;
  for (const r of rewards) {
    while (i < rows.length - 1 && r.blockStart >= rows[i]!.end) i++;
    const row = rows[i]!;
    if (r.status === 'passed') {
      row.passed++;
      row.earned += nano(r.amount);
    } else {
      row.failed++;
      const d = perDevice.get(r.device);
      if (d) row.missed += Math.round(d.sum / d.n);
      else row.unestimated++;
    }
  }
  i = 0;
  for (const p of payouts) {
    while (i < rows.length - 1 && p.t >= rows[i]!.end) i++;
    rows[i]!.jobEarned += nano(p.amount);
  }

  const daily: RewardsSummary['daily'] = rows.map((r) => ({
    date: r.label,
    start: r.start,
    end: r.end,
    earned: tokens(r.earned),
    jobEarned: tokens(r.jobEarned),
    blocksPassed: r.passed,
    blocksFailed: r.failed,
    missed: r.unestimated > 0 && r.missed === 0 ? null : tokens(r.missed),
  }));
  const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((s, r) => s + pick(r), 0);
  const unestimated = sum((r) => r.unestimated);
  const missed = sum((r) => r.missed);
  const all = ledger.earningsTotals();
  const today = rows[rows.length - 1]!;
  return {
    timeZone,
    days,
    generatedAt: now,
    totals: { ...all, today: tokens(today.earned + today.jobEarned) },
    window: {
      blockRewards: tokens(sum((r) => r.earned)),
      jobEarnings: tokens(sum((r) => r.jobEarned)),
      blocksPassed: sum((r) => r.passed),
      blocksFailed: sum((r) => r.failed),
      missed: unestimated > 0 && missed === 0 ? null : tokens(missed),
    },
    daily,
  };
}
