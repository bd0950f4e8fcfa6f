// What the network session is given and what it reports: its options, its state, and the sink
// where rewards, payouts, hires and notices go.
import type { OfflineCause, Pause } from '../../preload/contract/index.ts';
import type { EvidenceObserver } from './block-evidence.ts';
import type { HireRunner } from './hires.ts';
import type { DeviceIdentity } from './identity.ts';
import type { PowBackend } from './pow.ts';
import type { BlockResult, InventorySummary, ServiceState, Signer, WalletChange } from './protocol.ts';
import type { NetworkPin, NetworkTrust, TrustRefusal } from './trust.ts';
import type { PayoutSchedule, RewardPayout } from './protocol.ts';

/** Where the runtime's money and history go; the ledger implements it, tests record it. */
export interface RewardSink {
  recordBlockReward(deviceId: string, result: BlockResult): void;
  recordPayout(deviceId: string, payout: { hireId: string; amount: number; hours: number; at: number }): void;
  recordHire(deviceId: string, hire: { hireId: string; state: string; minutesServed: number; detail: string; at: number }): void;
  recordNotice?(notice: { level: 'info' | 'warning' | 'error'; title: string; body: string }): void;
  /** Block rewards paid to the payout address (docs/protocol.md, "Payouts"), told once per payout id. */
  recordRewardPayout?(deviceId: string, payout: RewardPayout): void;
  /** The network's payout schedule, kept so the pages can say when the next payout comes. */
  recordPayoutSchedule?(schedule: PayoutSchedule): void;
  /** Whether a payout is kept already: a reconnect sends the recent ones again. */
  hasPayout?(id: string): boolean;
}

export interface AccountKey extends Signer {
  publicKeyPem: string;
}

export interface TelemetrySummary {
  cpuPct: number | null;
  gpuPct: number | null;
  gpuTempC: number | null;
  powerW: number | null;
  rxBytes: number;
  txBytes: number;
}

export type ConnectionState = 'connecting' | 'online' | 'offline';

export interface ClientState {
  connection: ConnectionState;
  /** One sentence for the status line. */
  detail: string;
  eligible: boolean | null;
  checks: { id: string; ok: boolean; required?: boolean; pending?: boolean; detail: string; remainingSeconds?: number }[];
  /** When the coordinator last judged this device: countdowns run from here. */
  checksAt: number | null;
  tier: number | null;
  /** While off the network: since when, why, and when the next try is (null: none is planned). */
  offline: { since: number; cause: OfflineCause; retryAt: number | null } | null;
  /** The network's continuous-uptime streak as of `at` (this machine's clock, ms), and its rule. */
  streak: { seconds: number; at: number } | null;
  minUptimeSeconds: number | null;
  /** How often this session beats, from the welcome (the session watchdog's deadline follows it). */
  heartbeatSeconds?: number;
  /** The pause that holds now (the arbiter's winner), or null. */
  paused: Pause | null;
  buffered: number;
  lastResult: BlockResult | null;
  /** The hire running now, and when it ends (ms, the order's end). */
  hire: { hireId: string; kind: string; endsAt?: number } | null;
  services: ServiceState[];
  /** The coordinator key this worker trusts for the network (pinned at first contact). */
  trust: NetworkPin | null;
  /** A network or key that waits for the owner's word before this worker talks to it. */
  trustPending: { reason: TrustRefusal; offered: NetworkPin; pinned: NetworkPin | null } | null;
  /** The account's payout wallet changes still waiting, as the network announced them (wallet-change.ts). */
  walletChanges?: WalletChange[];
}

export interface WorkerClientOptions {
  /** http(s)://host:port of the coordinator. */
  network: string;
  identity: DeviceIdentity;
  account: AccountKey;
  name: () => string;
  wallet: () => string | null;
  inventory: () => Promise<InventorySummary>;
  telemetry?: () => TelemetrySummary;
  sink?: RewardSink;
  /** What the worker saw of each block (block-evidence.ts): challenges, answers, gaps. */
  evidence?: EvidenceObserver;
  pow?: PowBackend;
  hires?: HireRunner;
  /** Highest block result already stored by the sink; later ones are resent on connect. */
  lastBlock?: number;
  versionControl?: () => ServiceState;
  heartbeatSeconds?: number;
  backoff?: { initialMs: number; maxMs: number };
  maxBuffered?: number;
  speedTestBytes?: number;
  onState?: (state: ClientState) => void;
  log?: (message: string) => void;
  /** Which coordinator keys this worker trusts; by default pinned in memory for this run only. */
  trust?: NetworkTrust;
}
