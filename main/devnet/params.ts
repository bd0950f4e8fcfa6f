// The network parameters of a devnet: emission, allocations, score weights, hardware multipliers,
// connectivity tiers, eligibility and proof settings. One JSON file (`--params`) overrides any of them.
import fs from 'node:fs';
import { z } from 'zod';
import { LINK_MAX_BYTES, POW_MAX_OPENED, POW_MAX_SIZE, POW_MIN_SIZE } from '../worker/protocol.ts';

const Positive = z.number().finite().positive();
const NonNegative = z.number().finite().nonnegative();

export const TierSchema = z.object({
  tier: z.number().int().min(1).max(4),
  minDownMbps: NonNegative,
  minUpMbps: NonNegative,
  maxLatencyMs: Positive,
});

export const ParamsSchema = z
  .object({
    /** Coins paid out per block, shared by all devices that passed it. */
    blockEmission: Positive,
    blockSeconds: z.number().int().min(1).max(86_400),
    allocation: z.object({ GPU: NonNegative, CPU: NonNegative }).strict(),
    weights: z
      .object({ tier: NonNegative, hardware: NonNegative, hired: NonNegative, outer: Positive, inner: Positive })
      .strict(),
    /** Per GPU model (matched case-insensitively as a substring of the model name), longest match wins. */
    gpuMultipliers: z.record(z.string().min(1), NonNegative),
    /** Multiplier of a CPU-only device; 0 makes CPUs ineligible. */
    cpuMultiplier: NonNegative,
    /** Highest tier first; a device meeting none is tier 0 (ineligible). */
    tiers: z.array(TierSchema).min(1),
    eligibility: z.object({ minUptimeSeconds: NonNegative, requireWallet: z.boolean() }).strict(),
    potl: z
      .object({
        challengesPerBlock: z.number().int().min(1).max(100),
        deadlineSeconds: Positive,
        passShare: z.number().min(0).max(1),
      })
      .strict(),
    // The proof (docs/protocol.md, "POW"): products of size n, sized to the claimed processors, committed
    // by a deadline from the claimed model's expected rate, then `rowsOpened` rows opened and checked.
    pow: z
      .object({
        size: z.number().int().min(POW_MIN_SIZE).max(POW_MAX_SIZE),
        /** The longest any challenge may take, whatever the claim. */
        deadlineSeconds: Positive,
        /** Rows opened per challenge: a worker skipping 10 % of them is caught with 1 − 0.9^k (k = 72: 99.95 %). */
        rowsOpened: z.number().int().min(1).max(POW_MAX_OPENED),
        /** Time to send the openings once the rows are picked. */
        openSeconds: Positive,
        /** Work per claimed processor, in seconds at its model's expected rate (0: one product each). */
        targetSeconds: NonNegative,
        /** Deadline = slack × expected time + grace (the network's latency and the worker's start-up). */
        slack: z.number().finite().min(1),
        graceSeconds: NonNegative,
        /** Expected POW rate (multiply-adds ×2 per second) of one processor: a CPU, any GPU, or a GPU model (substring, longest match). */
        cpuOpsPerSec: Positive,
        gpuOpsPerSec: Positive,
        modelOpsPerSec: z.record(z.string().min(1), Positive),
      })
      .strict(),
    /** The network's measurement of each device's link (link-measure.ts): `pings` round trips, then `bytes` down and up, every `everySeconds`. */
    link: z
      .object({
        bytes: z.number().int().min(64 * 1024).max(LINK_MAX_BYTES),
        everySeconds: z.number().min(1),
        pings: z.number().int().min(1).max(20),
        timeoutSeconds: Positive,
      })
      .strict(),
    heartbeat: z.object({ intervalSeconds: Positive, offlineAfterSeconds: Positive }).strict(),
    hire: z.object({ ratePerHourGPU: NonNegative, ratePerHourCPU: NonNegative }).strict(),
    /**
     * io.net suspends devices whose utilization while idle (not hired) stays above these: the
     * machine's own use counts against it. Workers read them (GET /v1/params) and warn at `warnShare`.
     */
    idleUse: z
      .object({
        gpuPct: z.number().min(0).max(100),
        cpuPct: z.number().min(0).max(100),
        sustainSeconds: NonNegative,
        warnShare: z.number().min(0).max(1),
      })
      .strict(),
    /** What one source, account or session may do before it is refused (429) or closed (1008). */
    limits: z
      .object({
        registrationsPerSourcePerHour: z.number().int().min(1),
        devicesPerAccount: z.number().int().min(1),
        /** Messages on one session: a burst (a reconnect flushes up to 2,880 buffered beats) and a steady rate. */
        sessionBurst: z.number().int().min(1),
        sessionPerSecond: Positive,
        /** Live (not buffered) heartbeats per session, beyond the session's own rate. */
        liveBeatsPerMinute: z.number().int().min(1),
      })
      .strict(),
    /**
     * Block rewards paid to each account's payout address: every `everySeconds` (counted from the Unix
     * epoch, so a daily run is at 00:00 UTC) once at least `minimum` has accrued. `cluster`: the Solana
     * cluster its transactions are on; `simulated`: the devnet only records them (not on-chain).
     */
    payout: z
      .object({
        everySeconds: z.number().int().min(1).max(30 * 86_400),
        minimum: NonNegative,
        cluster: z.enum(['mainnet-beta', 'devnet', 'testnet']),
        settlement: z.enum(['simulated', 'on-chain']),
      })
      .strict(),
    /** A payout wallet change waits this long before it pays (unless another machine of the account confirms it); 0: at once. */
    walletChangeDelaySeconds: NonNegative,
  })
  .strict();
export type Params = z.infer<typeof ParamsSchema>;

/** Published io.net values where they exist; devnet choices (emission, tiers, proof sizes) otherwise. */
export const DEFAULT_PARAMS: Params = {
  blockEmission: 10_000,
  blockSeconds: 3600,
  allocation: { GPU: 8_000_000, CPU: 2_000_000 },
  weights: { tier: 0.02, hardware: 2.0, hired: 0.05, outer: 10, inner: 100 },
  gpuMultipliers: {
    'H200': 4.5, 'H100': 4, 'A100': 3, 'L40S': 2.2, 'L40': 2, 'A6000': 1.6, 'RTX 4090': 1.5,
    'RTX 4080': 1.1, 'RTX 3090': 1, 'RTX 3080': 0.8, 'RTX 2080': 0.5, 'A10': 1, 'T4': 0.4,
  },
  cpuMultiplier: 0.1,
  tiers: [
    { tier: 4, minDownMbps: 800, minUpMbps: 800, maxLatencyMs: 20 },
    { tier: 3, minDownMbps: 400, minUpMbps: 400, maxLatencyMs: 50 },
    { tier: 2, minDownMbps: 100, minUpMbps: 50, maxLatencyMs: 100 },
    { tier: 1, minDownMbps: 25, minUpMbps: 10, maxLatencyMs: 250 },
  ],
  eligibility: { minUptimeSeconds: 5 * 3600, requireWallet: true },
  potl: { challengesPerBlock: 3, deadlineSeconds: 5, passShare: 0.66 },
  // Expected rates stay CPU-class (the CPU backend does 0.3-1.5 GOPS per thread) until measured on each GPU model.
  pow: {
    size: 1024, deadlineSeconds: 120, rowsOpened: 72, openSeconds: 30, targetSeconds: 0, slack: 2, graceSeconds: 5,
    cpuOpsPerSec: 2e8, gpuOpsPerSec: 2e8, modelOpsPerSec: {},
  },
  // 8 MiB an hour per device: at 800 Mbit/s 4 MiB takes 42 ms, long enough to time on a busy machine.
  link: { bytes: 4 * 1024 * 1024, everySeconds: 3600, pings: 5, timeoutSeconds: 60 },
  heartbeat: { intervalSeconds: 30, offlineAfterSeconds: 95 },
  hire: { ratePerHourGPU: 1.5, ratePerHourCPU: 0.05 },
  idleUse: { gpuPct: 30, cpuPct: 80, sustainSeconds: 600, warnShare: 0.8 },
  limits: { registrationsPerSourcePerHour: 60, devicesPerAccount: 256, sessionBurst: 4000, sessionPerSecond: 20, liveBeatsPerMinute: 120 },
  payout: { everySeconds: 86_400, minimum: 1, cluster: 'devnet', settlement: 'simulated' },
  walletChangeDelaySeconds: 24 * 3600,
};

/** Defaults with a partial override merged one level deep; any bad field is an error naming it. */
export function resolveParams(override: unknown = {}): Params {
  if (typeof override !== 'object' || override === null || Array.isArray(override)) {
    throw new Error('The parameter file must hold a JSON object.');
  }
  const merged: Record<string, unknown> = { ...DEFAULT_PARAMS };
  for (const [key, value] of Object.entries(override)) {
    const base = (DEFAULT_PARAMS as Record<string, unknown>)[key];
    const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    merged[key] = isObject(base) && isObject(value) && key !== 'gpuMultipliers' ? { ...(base as object), ...(value as object) } : value;
  }
  const parsed = ParamsSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`Bad network parameters: ${issues}`);
  }
  return parsed.data;
}

export function loadParamsFile(file: string, blockSeconds?: number): Params {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the parameter file ${file}: ${(error as Error).message}`, { cause: error });
  }
  const params = resolveParams(raw);
  return blockSeconds === undefined ? params : resolveParams({ ...raw as object, blockSeconds });
}
