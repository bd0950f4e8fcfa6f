// Block-reward payouts as the network sends them (docs/protocol.md, "Payouts"): the schedule is kept
// for the pages, and each payout is handed to the sink once. A reconnect sends the recent payouts
// again, so one already kept (by id) is not recorded, logged or alerted a second time. The schema
// bounds each field; what only makes sense together (a share above its payout, a payout dated ahead,
// a next run past the period, a flood of new ids) is refused here, with the reason in the log.
import { TokenBucket } from '../lib/rate-limit.ts';
import type { RewardSink } from './client-types.ts';
import { MAX_CLOCK_SKEW_MS, type ServerMessage } from './protocol.ts';

export type PayoutMessage = Extract<ServerMessage, { type: 'payout-schedule' | 'reward-payout' }>;

/** New payouts a network may tell at once (it resends its last 50 on each reconnect), then one a second. */
const NEW_PAYOUTS_BURST = 100;
const NEW_PAYOUTS_PER_SECOND = 1;

/** Ids told in this process, for a sink that cannot say what it keeps, and the allowance of new ones. */
const told = new WeakMap<RewardSink, { seen: Set<string>; allowance: TokenBucket; quietUntil: number }>();

/** Why a payout or schedule cannot be true, or null when it can. */
export function implausible(message: PayoutMessage, now = Date.now()): string | null {
  if (message.type === 'payout-schedule') {
    const { everySeconds, nextAt } = message.schedule;
    return nextAt > now + everySeconds * 1000 + MAX_CLOCK_SKEW_MS ? `its next run (${new Date(nextAt).toISOString()}) is more than one period (${everySeconds} s) ahead` : null;
  }
  const p = message.payout;
  if (p.share > p.amount + 1e-9) return `this machine's share (${p.share}) is more than the whole payout (${p.amount})`;
  if (p.at > now + MAX_CLOCK_SKEW_MS) return `it is dated ${new Date(p.at).toISOString()}, ahead of this machine's clock`;
  return null;
}

export function onPayoutMessage(message: PayoutMessage, deviceId: string, sink: RewardSink | undefined, log?: (message: string) => void): void {
  if (!sink) return;
  const what = message.type === 'payout-schedule' ? 'the payout schedule' : `payout ${message.payout.id}`;
  const why = implausible(message);
  if (why) return log?.(`refused ${what} from the network: ${why}`);
  if (message.type === 'payout-schedule') return sink.recordPayoutSchedule?.(message.schedule);
  const { payout } = message;
  const mine = told.get(sink) ?? { seen: new Set<string>(), allowance: new TokenBucket(NEW_PAYOUTS_BURST, NEW_PAYOUTS_PER_SECOND), quietUntil: 0 };
  told.set(sink, mine);
  if (mine.seen.has(payout.id) || sink.hasPayout?.(payout.id)) return;
  if (!mine.allowance.take()) {
    // Said once a minute, not once per id: the flood must not fill the log either.
    if (Date.now() < mine.quietUntil) return;
    mine.quietUntil = Date.now() + 60_000;
    return log?.(`refused ${what} from the network: more new payouts than a network sends (${NEW_PAYOUTS_BURST} at once, then one a second)`);
  }
  mine.seen.add(payout.id);
  if (!sink.recordRewardPayout) return log?.(`payout ${payout.id} received but this worker keeps no payouts`);
  sink.recordRewardPayout(deviceId, payout);
}
