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
 * or not known now (a rule only the network judges, while it cannot be reached).
 */
export const CHECK_STATES = ['ok', 'failing', 'not-required', 'unknown'] as const;
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
