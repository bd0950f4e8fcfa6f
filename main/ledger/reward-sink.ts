// The ledger as the worker runtime's reward sink: block results, hire payouts, hire reports and
// network notices, in the shapes main/worker/client.ts hands them over (matched structurally, so
// the ledger imports nothing from the worker). A record the ledger refuses is logged, never thrown
// into the network session.
import type { Pause } from '../../preload/contract/index.ts';
import type { GapReason } from './uptime.ts';
import type { Ledger } from './ledger.ts';

export interface NetworkBlockResult {
  block: number;
  status: 'Completed' | 'Failed';
  reason: string | null;
  potl: { answered: number; issued: number };
  pow: string;
  base: number;
  normalized: number;
  reward: number;
  closedAt: number;
  /** When the block opened; older coordinators leave it out (then it is closedAt less one block). */
  startedAt?: number;
  /** What the network scored the device as, where its result says so. */
  tier?: number | null;
  processorType?: 'GPU' | 'CPU' | null;
  /** The wire's name for processorType. */
  processor?: 'GPU' | 'CPU' | null;
  quantity?: number | null;
}

/** A block-reward payout as the network sends it (docs/protocol.md, "Payouts"). */
export interface NetworkRewardPayout {
  id: string;
  at: number;
  amount: number;
  share: number;
  wallet: string;
  signature: string;
  cluster: 'mainnet-beta' | 'devnet' | 'testnet';
  settlement: 'simulated' | 'on-chain';
  blocks: number;
}

const HIRE_STATES: Record<string, 'running' | 'completed' | 'failed'> = {
  running: 'running',
  restarting: 'running',
  completed: 'completed',
  failed: 'failed',
};

export function ledgerRewardSink(
  ledger: Ledger,
  options: { blockSeconds?: () => number; log?: (message: string, error?: unknown) => void } = {},
) {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[io-worker] ledger: ${message}`, error ?? ''));
  let seq = 0;
  const guard = (what: string, record: () => void) => {
    try {
      record();
    } catch (error) {
      log(`could not record ${what}`, error);
    }
  };
  return {
    recordBlockReward(deviceId: string, r: NetworkBlockResult): void {
      const reward = {
        device: deviceId,
        blockId: r.block,
        blockStart: r.startedAt ?? r.closedAt - (options.blockSeconds?.() ?? 3600) * 1000,
        status: r.status === 'Completed' ? ('passed' as const) : ('failed' as const),
        amount: r.status === 'Completed' ? r.reward : 0,
        baseScore: r.base,
        normalizedScore: r.normalized,
        // POTL and POW have their own columns; the detail keeps the network's reason for a failure.
        detail: r.reason,
        closedAt: r.closedAt,
      };
      try {
        ledger.recordBlockReward({
          ...reward,
          tier: r.tier ?? null,
          processorType: r.processor ?? r.processorType ?? null,
          quantity: r.quantity ?? null,
          pow: r.pow,
          potl: { answered: r.potl.answered, issued: r.potl.issued },
        });
      } catch (error) {
        // A descriptive field the ledger refuses (a tier of 7, more answers than challenges) must
        // not cost the reward: keep the block with what is certain, and say what was left out.
        log(`block ${r.block}: kept without its proof and tier details`, error);
        guard(`block ${r.block}`, () => ledger.recordBlockReward(reward));
      }
    },
    recordPayout(deviceId: string, payout: { hireId: string; amount: number; hours: number; at: number }): void {
      guard(`payout for hire ${payout.hireId}`, () =>
        ledger.recordPayout({
          id: `hire-${payout.hireId}-${payout.at}`,
          device: deviceId,
          t: payout.at,
          amount: payout.amount,
          status: 'confirmed',
          detail: `${Number(payout.hours.toFixed(3))} h of hire ${payout.hireId}`,
        }),
      );
    },
    /** Block rewards paid to the payout address: the whole transaction, with this device's share of it. */
    recordRewardPayout(deviceId: string, p: NetworkRewardPayout): void {
      guard(`payout ${p.id}`, () =>
        ledger.recordPayout({
          id: p.id, device: deviceId, t: p.at, amount: p.amount, wallet: p.wallet, tx: p.signature, status: 'confirmed', kind: 'block-rewards',
          cluster: p.cluster, settlement: p.settlement, share: p.share,
          detail: `block rewards of ${p.blocks} block${p.blocks === 1 ? '' : 's'} of this machine`,
        }),
      );
    },
    recordPayoutSchedule(schedule: { everySeconds: number; minimum: number; nextAt: number; cluster: NetworkRewardPayout['cluster']; settlement: NetworkRewardPayout['settlement'] }): void {
      guard('the payout schedule', () => ledger.recordPayoutSchedule(schedule));
    },
    hasPayout(id: string): boolean {
      try {
        return ledger.hasPayout(id);
      } catch {
        return false; // unreadable: record it again (the same id replaces itself)
      }
    },
    recordHire(deviceId: string, hire: { hireId: string; state: string; minutesServed: number; detail: string; at: number }): void {
      const status = HIRE_STATES[hire.state] ?? 'running';
      guard(`hire ${hire.hireId}`, () =>
        ledger.recordHire({
          id: hire.hireId,
          device: deviceId,
          started: hire.at,
          ended: status === 'running' ? null : hire.at,
          status,
          minutesServed: hire.minutesServed,
          detail: hire.detail,
        }),
      );
    },
    recordNotice(notice: { level: 'info' | 'warning' | 'error'; title: string; body: string }): void {
      const t = Date.now();
      guard('a network notice', () => ledger.recordNotice({ id: `network-${t}-${seq++}`, t, ...notice }));
    },
  };
}

/** What the network session says about being online, as the ledger needs it: the pause is typed. */
export interface NetworkPresence {
  connection: 'connecting' | 'online' | 'offline';
  paused: Pause | null;
}

/**
 * Online: runtime up and heartbeats acknowledged, paused or not (a pause is online time that does
 * not earn, docs/protocol.md "Pauses"). Otherwise the network is down.
 */
export function presenceGap(presence: NetworkPresence): GapReason | null {
  return presence.connection === 'online' ? null : 'network-down';
}
