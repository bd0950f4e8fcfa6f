// The worker's rules with their defaults: what in the core's events, pauses and network state is
// worth an alert, handed to the Alerter as typed causes. The rules read; they never change the worker.
import fs from 'node:fs';
import path from 'node:path';
import type { Notice, TelemetryFrame } from '../../preload/contract/index.ts';
import { formatIO } from '../../preload/contract/amounts.ts';
import { PAYOUT_SETTLEMENT_WORDS, WATCHDOG_PARTS, XID_WORDS } from '../../preload/contract/words.ts';
import type { EventBus } from '../events.ts';
import { DisposableStore, type Disposable } from '../lib/emitter.ts';
import type { PauseArbiter } from '../worker/pause.ts';
import type { Alerter } from './alerter.ts';
import { watchWalletChanges, type WalletChangeLike } from './wallet-change-rule.ts';

/** What the rules read of the network session (matched structurally: the client's state). */
export interface SessionView {
  connection: 'connecting' | 'online' | 'offline';
  /** The coordinator key this session trusts (where the alert channels are registered). */
  trust: { networkId: string; publicKeyPem: string } | null;
  /** The hire running now, if any. */
  hire: { hireId: string } | null;
  eligible: boolean | null;
  checks: { id: string; ok: boolean; detail: string; remainingSeconds?: number }[];
  /** The account's payout wallet changes waiting on the network (wallet-change-rule.ts). */
  walletChanges?: WalletChangeLike[];
}

export interface AlertSourcesInput {
  events: EventBus;
  pauses: PauseArbiter;
  session: () => SessionView | null;
  /** Where the last version seen is kept, to say "update installed" once after it changes. */
  dataDir: string;
  version: string;
}

/** Notice ids of the fault monitor (and the GPU health probes) that are alerts: [cause, key, resolved?]. */
export function noticeCause(notice: Notice): { cause: 'gpu-limit' | 'gpu-lost'; key: string; resolved: boolean } | null {
  const [kind, ...rest] = notice.id.split(':');
  const key = rest.slice(0, -1).join(':') || kind;
  if (['gpu-temperature', 'gpu-hotspot', 'gpu-memory-temperature', 'gpu-power'].includes(kind)) return { cause: 'gpu-limit', key: `${kind}:${key}`, resolved: false };
  if (kind === 'gpu-lost' || kind.startsWith('gpu-xid')) return { cause: 'gpu-lost', key, resolved: false };
  if (kind === 'gpu-back') return { cause: 'gpu-lost', key, resolved: true };
  if (kind === 'gpu-telemetry-silent') return { cause: 'gpu-lost', key: 'telemetry', resolved: false };
  if (kind === 'gpu-telemetry-back') return { cause: 'gpu-lost', key: 'telemetry', resolved: true };
  return null;
}

/** The watchdog's notices (watchdog.ts) that are alerts: a part that failed, or came back. A restart is only a notice. */
export function watchdogNotice(notice: Notice): { part: string; resolved: boolean } | null {
  const [kind, part] = notice.id.split(':');
  if (!part || !(WATCHDOG_PARTS as readonly string[]).includes(part)) return null;
  if (kind === 'watchdog-failed') return { part, resolved: false };
  if (kind === 'watchdog-back') return { part, resolved: true };
  return null;
}

export function attachAlertSources(alerter: Alerter, input: AlertSourcesInput): Disposable {
  const store = new DisposableStore();
  store.add(
    input.events.on('notice', (notice) => {
      const stalled = watchdogNotice(notice);
      if (stalled) {
        // The sampler's watchdog also reports through AlertsService.watchdogFailed: one alert per part.
        if (stalled.resolved) void alerter.resolve('watchdog', stalled.part, notice.title);
        else if (!alerter.isOpen('watchdog', stalled.part)) void alerter.raise('watchdog', stalled.part, { level: notice.level, title: notice.title, body: notice.body, t: notice.t });
        return;
      }
      const found = noticeCause(notice);
      if (!found) return;
      if (found.resolved) void alerter.resolve(found.cause, found.key, notice.title);
      else void alerter.raise(found.cause, found.key, { level: notice.level, title: notice.title, body: notice.body, t: notice.t });
    }),
  );

  const frameState: FrameState = { xidSeen: new Map(), idleUnderHireSince: null };
  let wasEligible: boolean | null = null;
  let uptime: { ok: boolean; remaining: number } | null = null;
  const look = () => {
    // A limit's pause released: every open over-limit alert is resolved.
    if (!input.pauses.holding('limits')) for (const key of alerter.openKeys('gpu-limit')) void alerter.resolve('gpu-limit', key, 'The GPU is back within your limits; the worker goes on.');
    // Another program on the GPU: the gaming rule's pause says which and where.
    const gaming = input.pauses.holds().find((p) => p.source === 'gaming');
    if (gaming && !alerter.isOpen('paused', 'gaming')) {
      void alerter.raise('paused', 'gaming', { level: 'warning', title: `paused: ${gaming.detail}`, body: 'The worker steps aside while another program uses the GPU, and resumes after it ends.' });
    } else if (!gaming && alerter.isOpen('paused', 'gaming')) {
      void alerter.resolve('paused', 'gaming', 'The other program has ended: the worker resumed.');
    }

    const session = input.session();
    if (!session) return;
    if (session.eligible === false && wasEligible === true) {
      const failing = session.checks.filter((c) => !c.ok).map((c) => c.detail).join(' ');
      void alerter.raise('eligibility-lost', 'device', { level: 'warning', title: 'No longer eligible for blocks', body: failing || 'The network no longer counts this machine in its blocks.' });
    } else if (session.eligible === true && wasEligible === false) {
      void alerter.resolve('eligibility-lost', 'device', 'Eligible for blocks again.');
    }
    if (session.eligible !== null) wasEligible = session.eligible;
    watchWalletChanges(alerter, session.walletChanges);

    const check = session.checks.find((c) => c.id === 'uptime');
    if (check) {
      const remaining = check.remainingSeconds ?? 0;
      // The streak restarted: the check failed, or the time still to go jumped back up.
      const reset = uptime && ((uptime.ok && !check.ok) || (!check.ok && remaining > uptime.remaining + 120));
      if (reset) void alerter.raise('streak-reset', 'uptime', { level: 'warning', title: 'The uptime streak was reset', body: check.detail });
      else if (check.ok && uptime && !uptime.ok) void alerter.resolve('streak-reset', 'uptime', 'The uptime streak is long enough again.');
      uptime = { ok: check.ok, remaining };
    }
  };
  store.add(input.events.on('telemetry', look));
  store.add(input.events.on('telemetry', (frame) => watchFrame(alerter, frame, input.session()?.hire ?? null, frameState)));
  store.add(input.events.on('status', look));
  store.add(input.pauses.onChange(look));

  noteVersion(alerter, input.dataDir, input.version);
  return () => store.dispose();
}

/** Says "update installed" once when the version differs from the last run's (kept in the data dir). */
function noteVersion(alerter: Alerter, dataDir: string, version: string): void {
  // No data dir (`io-worker probe`, some tests): nowhere to remember the version, so nothing to compare.
  if (!dataDir) return;
  const versionFile = path.join(dataDir, 'alerts-state.json');
  try {
    const last = fs.existsSync(versionFile) ? (JSON.parse(fs.readFileSync(versionFile, 'utf8')) as { version?: unknown }).version : null;
    if (typeof last === 'string' && last !== version) {
      void alerter.raise('update-installed', version, { level: 'info', title: `Updated to ${version}`, body: `IO Worker ${last} was replaced by ${version}.` });
    }
    if (last !== version) fs.writeFileSync(versionFile, JSON.stringify({ version }));
  } catch {
    // A damaged or unwritable state file costs one "update installed" message, nothing else.
  }
}

/** How long a hired machine's GPUs may all sit at 0 % before it is an alert. */
export const HIRE_IDLE_ALERT_MS = 5 * 60_000;

interface FrameState {
  /** Per GPU, how many Xid events were already alerted. */
  xidSeen: Map<string, number>;
  idleUnderHireSince: number | null;
}

/** Xid errors the probes found in the kernel log, and GPUs stuck at 0 % under a hire. */
function watchFrame(alerter: Alerter, frame: TelemetryFrame, hire: { hireId: string } | null, state: FrameState): void {
  for (const gpu of frame.gpus) {
    const xids = gpu.health?.xid ?? [];
    const key = gpu.uuid ?? `index:${gpu.index}`;
    const seen = state.xidSeen.get(key);
    state.xidSeen.set(key, xids.length);
    // The first frame only sets the baseline: Xids from before this run were the owner's to see already.
    if (seen === undefined || xids.length <= seen) continue;
    const latest = xids[xids.length - 1];
    const words = XID_WORDS[latest.xid] ?? 'see NVIDIA\'s Xid catalogue';
    void alerter.raise('gpu-lost', `xid:${key}`, {
      level: 'error',
      title: `GPU ${gpu.index} reported Xid ${latest.xid}`,
      body: `${gpu.model}: Xid ${latest.xid}, ${words}${latest.processName ? ` (process ${latest.processName})` : ''}. ${latest.message}`.trim(),
      t: latest.at ?? frame.t,
    });
  }
  const allIdle = frame.gpus.length > 0 && frame.gpus.every((g) => g.utilizationPct === 0);
  if (hire && allIdle) {
    state.idleUnderHireSince ??= frame.t;
    if (frame.t - state.idleUnderHireSince >= HIRE_IDLE_ALERT_MS) {
      void alerter.raise('watchdog', 'hire-gpu-idle', {
        level: 'warning',
        title: 'The GPU sits at 0 % under a hire',
        body: `Hire ${hire.hireId} has used no GPU for ${Math.round((frame.t - state.idleUnderHireSince) / 60_000)} min: its workload may be stuck or not see the GPU.`,
        t: frame.t,
      });
    }
  } else {
    state.idleUnderHireSince = null;
    if (alerter.isOpen('watchdog', 'hire-gpu-idle')) void alerter.resolve('watchdog', 'hire-gpu-idle', hire ? 'The hire uses the GPU again.' : 'The hire has ended.');
  }
}

/** Block results and payouts pass through to the ledger's sink; failures and payouts are alerts. */
export function tapRewardSink<
  S extends { recordBlockReward(deviceId: string, r: BlockLike): void; recordPayout(deviceId: string, p: PayoutLike): void; recordRewardPayout?(deviceId: string, p: RewardPayoutLike): void },
>(alerter: Alerter, sink: S): S {
  return {
    ...sink,
    recordBlockReward(deviceId: string, r: BlockLike) {
      sink.recordBlockReward(deviceId, r);
      if (r.status === 'Failed') {
        void alerter.raise('block-failed', 'blocks', { level: 'warning', title: `Block ${r.block} failed`, body: r.reason ?? 'The network gave no cause.', t: r.closedAt });
      } else void alerter.resolve('block-failed', 'blocks', `Block ${r.block} passed.`);
    },
    recordPayout(deviceId: string, p: PayoutLike) {
      sink.recordPayout(deviceId, p);
      void alerter.raise('payout-received', `${p.hireId}-${p.at}`, { level: 'info', title: `Payout received: ${formatIO(p.amount)}`, body: `${p.hours} h of hire ${p.hireId}.`, t: p.at });
    },
    // Block-reward payouts (docs/protocol.md, "Payouts"), where the sink keeps them.
    ...(sink.recordRewardPayout ? {
      recordRewardPayout(deviceId: string, p: RewardPayoutLike) {
        sink.recordRewardPayout!(deviceId, p);
        const body = `Block rewards paid to ${p.wallet}${p.settlement === 'simulated' ? ` (${PAYOUT_SETTLEMENT_WORDS.simulated}).` : `, transaction ${p.signature}.`}`;
        void alerter.raise('payout-received', p.id, { level: 'info', title: `Payout received: ${formatIO(p.amount)}`, body, t: p.at });
      },
    } : {}),
  };
}

interface BlockLike {
  block: number;
  status: 'Completed' | 'Failed';
  reason: string | null;
  closedAt: number;
}
interface RewardPayoutLike {
  id: string;
  amount: number;
  wallet: string;
  signature: string;
  settlement: 'simulated' | 'on-chain';
  at: number;
}
interface PayoutLike {
  hireId: string;
  amount: number;
  hours: number;
  at: number;
}
