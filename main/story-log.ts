// The worker's story in its log, one line per thing that happened, so `journalctl -u io-worker`
// (or the app's log) tells what a person would want to know afterwards: each state change, each
// pause and resume with who held it, every notice (a limit crossed, the network lost and back),
// each block result and each payout. Words from the one tables; nothing here decides anything.
import { formatIO, formatIOChange } from '../preload/contract/amounts.ts';
import type { Pause, Status } from '../preload/contract/index.ts';
import { PAUSE_SOURCE_WORDS, PAYOUT_SETTLEMENT_WORDS, SOLANA_CLUSTER_WORDS, WORKER_STATE_WORDS } from '../preload/contract/words.ts';
import type { EventBus } from './events.ts';
import type { RewardSink } from './worker/client.ts';

export function logTheStory(events: EventBus, log: (line: string) => void): (() => void)[] {
  let last: Status['state'] | null = null;
  return [
    events.on('status', (status) => {
      if (status.state === last) return;
      last = status.state;
      log(`state: ${WORKER_STATE_WORDS[status.state]}: ${status.detail}`);
    }),
    events.on('notice', (notice) => log(`notice (${notice.level}): ${notice.title}: ${notice.body}`)),
  ];
}

/** A pause held or lifted, with its typed source in words and the raw source for grep. */
export function pauseLine(before: Pause | null, now: Pause | null): string | null {
  if (before?.source === now?.source && before?.detail === now?.detail) return null;
  if (!now) return `resume: ${before ? `no longer ${PAUSE_SOURCE_WORDS[before.source]} (${before.source})` : 'running'}`;
  return `pause: ${PAUSE_SOURCE_WORDS[now.source]} (${now.source})${now.detail ? `: ${now.detail}` : ''}`;
}

/** The sink, telling each block result and payout in the log as it records them. */
export function withStoryLines(sink: RewardSink, log: (line: string) => void): RewardSink {
  return {
    ...sink,
    recordBlockReward(deviceId, result) {
      log(`block ${result.block}: ${result.status === 'Completed' ? `completed, ${formatIOChange(result.reward)}` : `failed${result.reason ? `: ${result.reason}` : ''}`}`);
      sink.recordBlockReward(deviceId, result);
    },
    recordPayout(deviceId, payout) {
      log(`payout: ${formatIO(payout.amount)} for hire ${payout.hireId} (${payout.hours.toFixed(3)} h)`);
      sink.recordPayout(deviceId, payout);
    },
    recordRewardPayout(deviceId, p) {
      const how = p.settlement === 'simulated' ? PAYOUT_SETTLEMENT_WORDS.simulated : `${SOLANA_CLUSTER_WORDS[p.cluster]}, transaction ${p.signature}`;
      log(`payout: ${formatIO(p.amount)} of block rewards to ${p.wallet} (${how}; this machine's share ${formatIO(p.share)}, ${p.id})`);
      sink.recordRewardPayout?.(deviceId, p);
    },
  };
}
