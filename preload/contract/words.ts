// Typed states and reasons, and the words a person reads for each: one table each, used by the
// contract's schemas, the ledger's SQL CHECK, the tray and the dashboard. No zod here, so the
// renderer and the tray can import the words without the schemas.

/** What the worker is doing, as the tray icon and the banner show it. */
export const WORKER_STATES = ['starting', 'earning', 'hired', 'idle', 'paused', 'offline', 'error'] as const;
export const WORKER_STATE_WORDS: Record<(typeof WORKER_STATES)[number], string> = {
  starting: 'Starting',
  earning: 'Earning',
  hired: 'Hired',
  idle: 'Idle',
  paused: 'Paused',
  offline: 'Offline',
  error: 'Needs attention',
};

/**
 * Why the worker was not online for the network. 'paused' and 'over-temperature' are kept for
 * history recorded before pauses stopped being downtime (docs/protocol.md, "Pauses").
 */
export const GAP_REASONS = ['app-closed', 'asleep', 'network-down', 'paused', 'over-temperature'] as const;
/** Downtime with no recorded reason inside the recorded period (never expected; shown honestly). */
export const DOWNTIME_REASONS = [...GAP_REASONS, 'unknown'] as const;
export const DOWNTIME_REASON_WORDS: Record<(typeof DOWNTIME_REASONS)[number], string> = {
  'app-closed': 'app closed',
  asleep: 'machine asleep',
  'network-down': 'network down',
  paused: 'paused',
  'over-temperature': 'over a temperature limit',
  unknown: 'unknown',
};

/**
 * Who holds a pause: the owner, a limit the owner set, or the autopilot (idle, schedule, gaming).
 * The worker is paused while any source holds; the first in this list is the one shown.
 */
export const PAUSE_SOURCES = ['user', 'limits', 'gaming', 'schedule', 'idle'] as const;
export const PAUSE_SOURCE_WORDS: Record<(typeof PAUSE_SOURCES)[number], string> = {
  user: 'paused by you',
  limits: 'paused by a limit you set',
  gaming: 'paused while you play',
  schedule: 'paused by your schedule',
  idle: 'paused while you use this machine',
};

/** Why the worker is not on the network right now: the banner words it, never a raw close code. */
export const OFFLINE_CAUSES = ['unreachable', 'connection-lost', 'refused', 'not-trusted', 'deleted'] as const;
export const OFFLINE_CAUSE_WORDS: Record<(typeof OFFLINE_CAUSES)[number], string> = {
  unreachable: 'The network does not answer',
  'connection-lost': 'The connection to the network broke',
  refused: 'The network refused this device',
  'not-trusted': 'The network answering is not the one this worker trusts',
  deleted: 'This device was deleted from the network',
};

/**
 * One eligibility rule as the dashboard shows it: passing, failing, not asked for by this network,
 * not known now (a rule only the network judges, while it cannot be reached), or not judged yet
 * (the proofs, before the first block closes): never a tick for what nobody has checked.
 */
export const CHECK_STATES = ['ok', 'failing', 'not-required', 'unknown', 'pending'] as const;
export const CHECK_IDS = ['wallet', 'processor', 'tier', 'uptime', 'proofs', 'running'] as const;
export const CHECK_WORDS: Record<(typeof CHECK_IDS)[number], string> = {
  wallet: 'Wallet set',
  processor: 'Processor eligible',
  tier: 'Connectivity tier above 0',
  uptime: 'Continuous uptime',
  proofs: 'Proofs passed',
  running: 'Worker running',
};
/** The rules only the network can judge: unknown while it is unreachable. */
export const NETWORK_JUDGED_CHECKS: readonly (typeof CHECK_IDS)[number][] = ['tier', 'uptime', 'proofs', 'running'];

/** Why a GPU lowered its clocks (nvidia-smi's clocks event reasons; AMD's throttle status where known). */
export const THROTTLE_REASONS = [
  'idle', 'app-clocks', 'power-cap', 'hw-slowdown', 'sync-boost', 'sw-thermal', 'hw-thermal', 'power-brake', 'display-clocks',
] as const;
export type ThrottleReason = (typeof THROTTLE_REASONS)[number];
export const THROTTLE_REASON_WORDS: Record<ThrottleReason, string> = {
  idle: 'idle (clocks lowered, nothing to do)',
  'app-clocks': 'application clocks setting',
  'power-cap': 'power cap',
  'hw-slowdown': 'hardware slowdown',
  'sync-boost': 'sync boost',
  'sw-thermal': 'thermal slowdown (driver)',
  'hw-thermal': 'thermal slowdown (hardware)',
  'power-brake': 'power brake (external signal)',
  'display-clocks': 'display clock setting',
};

/** What a GPU health read can find wrong; `critical` ones mean the card needs its owner now. */
export const GPU_HEALTH_PROBLEMS = [
  'ecc-uncorrected', 'rows-remap-failed', 'rows-remap-pending', 'pages-retire-pending', 'xid-error',
  'pcie-link-degraded', 'pcie-replays', 'thermal-slowdown', 'power-brake', 'hw-slowdown',
] as const;
export type GpuHealthProblem = (typeof GPU_HEALTH_PROBLEMS)[number];
export const GPU_HEALTH_PROBLEM_WORDS: Record<GpuHealthProblem, string> = {
  'ecc-uncorrected': 'uncorrectable memory (ECC) errors',
  'rows-remap-failed': 'memory row remapping failed: the card needs service',
  'rows-remap-pending': 'memory rows wait to be remapped: reset the GPU or reboot',
  'pages-retire-pending': 'memory pages wait to be retired: reboot',
  'xid-error': 'the driver reported a GPU error (Xid)',
  'pcie-link-degraded': 'PCIe link slower than the card can run',
  'pcie-replays': 'PCIe transfers had to be repeated',
  'thermal-slowdown': 'slowed down by heat',
  'power-brake': 'slowed down by a power brake signal',
  'hw-slowdown': 'slowed down by the hardware',
};
export const GPU_HEALTH_SEVERITIES = ['ok', 'warning', 'critical'] as const;
export const GPU_HEALTH_SEVERITY_WORDS: Record<(typeof GPU_HEALTH_SEVERITIES)[number], string> = {
  ok: 'Healthy',
  warning: 'Needs a look',
  critical: 'Needs service',
};

/** What else runs on a GPU: compute work (CUDA, ROCm) or graphics (games, the desktop). */
export const GPU_PROCESS_KINDS = ['compute', 'graphics'] as const;
export const GPU_PROCESS_KIND_WORDS: Record<(typeof GPU_PROCESS_KINDS)[number], string> = {
  compute: 'compute',
  graphics: 'graphics (a game or the desktop)',
};

/** NVIDIA Xid codes seen most (NVIDIA's Xid catalogue); others are shown by number. */
export const XID_WORDS: Record<number, string> = {
  13: 'graphics engine exception (often the application)',
  31: 'GPU memory page fault (often the application)',
  32: 'invalid or corrupted push buffer stream',
  43: 'GPU stopped processing (a process was ended)',
  45: 'preemptive cleanup after a process ended',
  48: 'double-bit ECC error',
  61: 'internal micro-controller breakpoint',
  62: 'internal micro-controller halt',
  63: 'ECC page retirement or row remapping recorded',
  64: 'ECC page retirement or row remapping failed',
  68: 'video processor exception',
  69: 'graphics engine class error',
  74: 'NVLink error',
  79: 'GPU has fallen off the bus',
  92: 'high single-bit ECC error rate',
  94: 'contained memory error',
  95: 'uncontained memory error: reset the GPU',
  109: 'context switch timeout',
  119: 'GSP firmware timed out',
  120: 'GSP firmware error',
  154: 'GPU recovery action needed',
};

/** Live readings a GPU tool can give; each platform says which it can and cannot (GpuCapabilities). */
export const GPU_READINGS = [
  'temperature', 'hotspot', 'memory-temperature', 'power', 'power-limit', 'utilization', 'vram', 'clocks', 'fan',
  'throttle', 'pcie', 'ecc', 'processes', 'energy',
] as const;
export const GPU_READING_WORDS: Record<(typeof GPU_READINGS)[number], string> = {
  temperature: 'temperature',
  hotspot: 'hotspot temperature',
  'memory-temperature': 'memory temperature',
  power: 'power draw',
  'power-limit': 'power limit',
  utilization: 'utilization',
  vram: 'memory use',
  clocks: 'clocks',
  fan: 'fan',
  throttle: 'throttle reasons',
  pcie: 'PCIe link',
  ecc: 'memory errors (ECC)',
  processes: 'processes using the GPU',
  energy: 'energy counter',
};

/** Where an alert can go (issue 15); their settings and secrets: preload/contract/alerts.ts. */
export const ALERT_CHANNELS = ['webhook', 'ntfy', 'telegram', 'email'] as const;
export const ALERT_CHANNEL_WORDS: Record<(typeof ALERT_CHANNELS)[number], string> = {
  webhook: 'webhook',
  ntfy: 'ntfy',
  telegram: 'Telegram',
  email: 'e-mail',
};

/** What may cause an alert (the network judges "offline" itself); each is a rule the owner can turn off. */
export const ALERT_CAUSES = [
  'gpu-limit', 'gpu-lost', 'block-failed', 'eligibility-lost', 'streak-reset', 'update-installed', 'payout-received', 'paused', 'watchdog', 'offline', 'test',
  'wallet-change-pending',
] as const;
export const ALERT_CAUSE_WORDS: Record<(typeof ALERT_CAUSES)[number], string> = {
  'gpu-limit': 'A GPU stays over a limit you set',
  'gpu-lost': 'A GPU is lost or reports an error (XID)',
  'block-failed': 'A block failed (with its cause)',
  'eligibility-lost': 'This machine is no longer eligible for blocks',
  'streak-reset': 'The uptime streak was reset',
  'update-installed': 'An update was installed',
  'payout-received': 'A payout was received',
  paused: 'Paused because another program uses the GPU',
  watchdog: 'A part of the worker stalled and could not be restarted',
  offline: 'This machine stops reaching the network (sent by the network itself)',
  test: 'Test alerts',
  'wallet-change-pending': 'A payout address change waits on one of your machines',
};

/** The Ray node's phase as the Services tab's Ray row says it (RayNodeStateSchema.phase). */
export const RAY_NODE_PHASE_WORDS: Record<'joined' | 'lost-head' | 'not-joined', string> = {
  joined: 'In the cluster',
  'lost-head': 'Lost its head: the Ray head does not answer',
  'not-joined': 'Not listed by the head yet',
};

/** How a payout was settled (docs/protocol.md, "Payouts"): a simulated one never went on Solana. */
export const PAYOUT_SETTLEMENTS = ['simulated', 'on-chain'] as const;
export const PAYOUT_SETTLEMENT_WORDS: Record<(typeof PAYOUT_SETTLEMENTS)[number], string> = {
  simulated: 'devnet, not on-chain',
  'on-chain': 'on-chain',
};
/** The network's POW result for a block, as the Block Rewards table and the Block page say it. */
export const POW_RESULT_WORDS: Record<string, string> = {
  passed: 'Passed',
  failed: 'Failed',
  'skipped-hired': 'Skipped (hired)',
  'not-issued': 'Not issued',
};
/** A payout's state as the Payouts table says it. */
export const PAYOUT_STATUS_WORDS: Record<'pending' | 'sent' | 'confirmed' | 'failed', string> = {
  pending: 'Pending',
  sent: 'Sent',
  confirmed: 'Confirmed',
  failed: 'Failed',
};
/** A device's state in the network's lists (Workers, Home's "Your devices"). */
export const DEVICE_STATUS_WORDS: Record<'active' | 'idle' | 'hired' | 'offline' | 'blocked', string> = {
  active: 'Active',
  idle: 'Idle',
  hired: 'Hired',
  offline: 'Offline',
  blocked: 'Blocked',
};
/** Whether a device can be hired, as the network lists it. */
export const HIRE_STATUS_WORDS: Record<'hired' | 'available' | 'unavailable', string> = {
  hired: 'Hired',
  available: 'Available',
  unavailable: 'Unavailable',
};
/** The Solana cluster a payout's transaction is on, as the Payouts table names it. */
export const SOLANA_CLUSTER_WORDS: Record<'mainnet-beta' | 'devnet' | 'testnet', string> = {
  'mainnet-beta': 'Solana mainnet',
  devnet: 'Solana devnet',
  testnet: 'Solana testnet',
};

/** The parts the watchdog keeps alive (main/worker/watchdog.ts), as a sentence names them. */
export const WATCHDOG_PARTS = ['sampler', 'session', 'hire'] as const;
export const WATCHDOG_PART_WORDS: Record<(typeof WATCHDOG_PARTS)[number], string> = {
  sampler: 'the telemetry sampler',
  session: 'the network session',
  hire: 'the hired workload',
};

/** Why the watchdog judged a part stalled; each restart notice says it. */
export const WATCHDOG_CAUSES = ['no-frames', 'network-silent', 'workload-silent'] as const;
export const WATCHDOG_CAUSE_WORDS: Record<(typeof WATCHDOG_CAUSES)[number], string> = {
  'no-frames': 'no telemetry frame',
  'network-silent': 'no message from the network while the connection claims to be open (a half-open connection)',
  'workload-silent': 'no output from the workload and no GPU use',
};
