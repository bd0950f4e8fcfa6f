// Block-reward payouts as the network sends them (docs/protocol.md, "Payouts"): the schedule is kept
// for the pages, and each payout is handed to the sink once. A reconnect sends the recent payouts
// again, so one already kept (by id) is not recorded, logged or alerted a second time.
import type { RewardSink } from './client-types.ts';
import type { ServerMessage } from './protocol.ts';

export type PayoutMessage = Extract<ServerMessage, { type: 'payout-schedule' | 'reward-payout' }>;

/** Ids told in this process, for a sink that cannot say what it keeps. */
const told = new WeakMap<RewardSink, Set<string>>();

export function onPayoutMessage(message: PayoutMessage, deviceId: string, sink: RewardSink | undefined, log?: (message: string) => void): void {
  if (!sink) return;
  if (message.type === 'payout-schedule') return sink.recordPayoutSchedule?.(message.schedule);
  const { payout } = message;
  const seen = told.get(sink) ?? new Set<string>();
  told.set(sink, seen);
  if (seen.has(payout.id) || sink.hasPayout?.(payout.id)) return;
  seen.add(payout.id);
  if (!sink.recordRewardPayout) return log?.(`payout ${payout.id} received but this worker keeps no payouts`);
  sink.recordRewardPayout(deviceId, payout);
}
