// The network session and the network's Workers list, as the worker reports them.
import { z } from 'zod';
import { OfflineSchema, PauseSchema } from './status.ts';
import { CHECK_STATES } from './words.ts';

export const CheckStateSchema = z.enum(CHECK_STATES);
export type CheckState = z.infer<typeof CheckStateSchema>;

/** The Ray row's node as Ray reports it (the head's view and this machine's task processes). */
export const RayNodeStateSchema = z.object({
  phase: z.enum(['joined', 'lost-head', 'not-joined']),
  nodeId: z.string().nullable(),
  headAddress: z.string(),
  resources: z.array(z.object({ name: z.string(), total: z.number(), used: z.number() })),
  tasksRunning: z.number().int().nonnegative(),
  readAt: z.number(),
  detail: z.string(),
});
export type RayNodeStateView = z.infer<typeof RayNodeStateSchema>;

export const NetworkStatusSchema = z.object({
  /** The coordinator this worker talks to; null when the core runs without a network. */
  network: z.string().nullable(),
  /** This run's choice: 'embedded' or the coordinator address, from Settings or the command line (--network). */
  place: z.string().nullable(),
  connection: z.enum(['connecting', 'online', 'offline', 'none']),
  detail: z.string(),
  /** null until the coordinator has judged this device. */
  eligible: z.boolean().nullable(),
  tier: z.number().int().min(0).max(4).nullable(),
  /** The live checklist: wallet, processor, tier, uptime, proofs, running; each with what to do. */
  checks: z.array(
    z.object({
      id: z.string(),
      ok: z.boolean(),
      /** ok/failing as the network last judged; 'not-required' by this network; 'unknown' while it is unreachable. */
      state: CheckStateSchema,
      /** When the network last judged this rule (ms); null before its first judgement. */
      knownAt: z.number().nullable(),
      detail: z.string(),
      /** Seconds until a rule passes with time alone (continuous uptime); the Home countdown. */
      remainingSeconds: z.number().nonnegative().optional(),
    }),
  ),
  /** While the worker is off the network: since when, why (typed), and when it tries again (null: it does not). */
  offline: OfflineSchema.nullable(),
  /**
   * The network's continuous-uptime streak: `seconds` as of `at` (ms), growing while `running`. The one
   * uptime every page shows (Home's countdown and "Up for", Device details); null before the network said.
   */
  streak: z.object({ seconds: z.number().nonnegative(), at: z.number(), running: z.boolean() }).nullable(),
  /** The network's block length in seconds (from its welcome); null until known. */
  blockSeconds: z.number().positive().nullable(),
  /** Seconds of unbroken uptime the network asks before block rewards (its parameter); null until known. */
  minUptimeSeconds: z.number().nonnegative().nullable(),
  /** What this worker itself sent and received over the network since it started (not the machine's counters). */
  traffic: z.object({ sentBytes: z.number().nonnegative(), receivedBytes: z.number().nonnegative(), since: z.number() }).nullable(),
  /** The pause shown (the first holding source), and every source holding now. */
  paused: PauseSchema.nullable(),
  pausedBy: z.array(PauseSchema),
  bufferedHeartbeats: z.number().int().nonnegative(),
  services: z.array(z.object({ name: z.string(), state: z.enum(['running', 'stopped', 'failing']), detail: z.string(), ray: RayNodeStateSchema.nullable().optional() })),
  lastBlock: z
    .object({ block: z.number().int(), status: z.enum(['Completed', 'Failed']), reason: z.string().nullable(), reward: z.number(), closedAt: z.number() })
    .nullable(),
  /** The coordinator key this worker pinned for the network (trust on first use). */
  trust: z.object({ networkId: z.string(), fingerprint: z.string(), pinnedAt: z.number() }).nullable(),
  /** A changed key, or another network at the same place: the worker waits for the owner's word. */
  trustPending: z
    .object({ reason: z.enum(['key-changed', 'new-network']), networkId: z.string(), fingerprint: z.string(), pinnedFingerprint: z.string().nullable() })
    .nullable(),
  /**
   * The account's payout wallet changes still waiting for the network's delay (every machine of the account
   * shows them); `mine`: asked by this machine, which cannot confirm it itself. Absent before the network said.
   */
  walletChanges: z
    .array(z.object({ deviceId: z.string(), deviceName: z.string(), wallet: z.string(), previous: z.string().nullable(), requestedAt: z.number(), effectiveAt: z.number(), mine: z.boolean() }))
    .optional(),
});
export type NetworkStatus = z.infer<typeof NetworkStatusSchema>;

/**
 * What the network knows of one of the owner's own machines (main/devnet/fleet.ts): its last live
 * heartbeat's summary, what it earned in the network's day (UTC, from `todaySince`), and since when it is quiet.
 */
export const DeviceFleetSchema = z.object({
  telemetry: z.object({ cpuPct: z.number().nullable(), gpuPct: z.number().nullable(), gpuTempC: z.number().nullable(), powerW: z.number().nullable(), at: z.number() }).nullable(),
  earnedToday: z.number(),
  todaySince: z.number(),
  /** The last heartbeat of a machine past the network's offline rule; null while it reports. */
  quietSince: z.number().nullable(),
});
export type DeviceFleet = z.infer<typeof DeviceFleetSchema>;

export const NetworkDeviceSchema = z.object({
  id: z.string(),
  /** The owner's name for it, and its account: shown to the owner (and the operator) only. */
  name: z.string().nullable(),
  account: z.string().nullable(),
  status: z.enum(['active', 'idle', 'hired', 'offline', 'blocked']),
  hireStatus: z.enum(['hired', 'available', 'unavailable']),
  upForSeconds: z.number().nonnegative(),
  processorType: z.enum(['GPU', 'CPU']),
  model: z.string(),
  quantity: z.number().int().nonnegative(),
  tier: z.number().int(),
  lastSeen: z.number().nullable(),
  /** The owner's own machines only: live figures and today's earnings (absent for others, and from older networks). */
  fleet: DeviceFleetSchema.optional(),
});
/** The network's totals, as the explorer's /v1/devices and /v1/totals give them. */
export const NetworkTotalsSchema = z.object({
  gpus: z.object({ total: z.number(), hired: z.number(), idle: z.number() }),
  cpus: z.object({ total: z.number(), hired: z.number(), idle: z.number() }),
  devices: z.number(),
  online: z.number(),
  coinsDistributed: z.number(),
  hirePayments: z.number(),
  blocks: z.number(),
});
export const NetworkDevicesSchema = z.object({
  devices: z.array(NetworkDeviceSchema),
  totals: NetworkTotalsSchema,
});
export type NetworkDevices = z.infer<typeof NetworkDevicesSchema>;
