// The one contract between the UI and the worker core: every request channel (zod schemas for its
// arguments and result) and every event channel. Both transports (Electron IPC, headless WebSocket)
// and the renderer's api client are built from this file; nothing else defines a channel.
import { z } from 'zod';

/** Longest string any request argument may carry; longer is a bad request, not a truncation. */
export const MAX_STRING = 512;
/** Largest serialized request payload accepted by either transport. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

const Text = z.string().max(MAX_STRING);
const Name = z.string().trim().min(1).max(64);
const NullableNumber = z.number().finite().nullable();

// ---------------------------------------------------------------- inventory
export const GpuInventorySchema = z.object({
  index: z.number().int().nonnegative(),
  vendor: z.string(),
  model: z.string(),
  vramMiB: NullableNumber,
  driver: z.string().nullable(),
  uuid: z.string().nullable(),
  pciBusId: z.string().nullable(),
  /** Which tool reported this GPU: a vendor tool or systeminformation's generic view. */
  source: z.enum(['nvidia-smi', 'amd-smi', 'rocm-smi', 'systeminformation', 'apple']),
  powerLimitW: z
    .object({ default: NullableNumber, min: NullableNumber, max: NullableNumber, enforced: NullableNumber })
    .nullable(),
  maxClocksMHz: z.object({ graphics: NullableNumber, sm: NullableNumber, memory: NullableNumber }).nullable(),
  computeCapability: z.string().nullable(),
  mig: z
    .object({ mode: z.enum(['enabled', 'disabled', 'unsupported']), instances: z.number().int().nonnegative() })
    .nullable(),
});
export type GpuInventory = z.infer<typeof GpuInventorySchema>;

export const InventorySchema = z.object({
  hostname: z.string(),
  os: z.object({ platform: z.string(), distro: z.string(), release: z.string(), arch: z.string() }),
  cpu: z.object({
    manufacturer: z.string(),
    brand: z.string(),
    physicalCores: z.number().int().nonnegative(),
    threads: z.number().int().nonnegative(),
    speedGHz: NullableNumber,
  }),
  memory: z.object({ totalBytes: z.number().nonnegative() }),
  disks: z.array(z.object({ mount: z.string(), fsType: z.string(), sizeBytes: z.number(), usedBytes: z.number() })),
  network: z.array(z.object({ iface: z.string(), ip4: z.string(), mac: z.string(), speedMbps: NullableNumber })),
  gpus: z.array(GpuInventorySchema),
  /** Human sentences for what could not be probed, e.g. "nvidia-smi not found: install the NVIDIA driver". */
  warnings: z.array(z.string()),
  collectedAt: z.number().int(),
});
export type Inventory = z.infer<typeof InventorySchema>;

// ---------------------------------------------------------------- telemetry
/** A reading a platform could not give is null, with the reason beside it in `unavailable`. */
export const GpuSampleSchema = z.object({
  index: z.number().int().nonnegative(),
  uuid: z.string().nullable(),
  model: z.string(),
  temperatureC: NullableNumber,
  hotspotC: NullableNumber,
  memoryTemperatureC: NullableNumber,
  powerW: NullableNumber,
  powerLimitW: NullableNumber,
  utilizationPct: NullableNumber,
  memoryUtilizationPct: NullableNumber,
  encoderPct: NullableNumber,
  decoderPct: NullableNumber,
  vramUsedMiB: NullableNumber,
  vramTotalMiB: NullableNumber,
  clocksMHz: z.object({ graphics: NullableNumber, sm: NullableNumber, memory: NullableNumber }),
  fanPct: NullableNumber,
  pstate: z.string().nullable(),
  throttleReasons: z.array(z.string()),
  pcie: z.object({ generation: NullableNumber, width: NullableNumber }),
  energyJ: NullableNumber,
  unavailable: z.record(z.string(), z.string()),
});
export type GpuSample = z.infer<typeof GpuSampleSchema>;

export const ProbeHealthSchema = z.object({
  probe: z.string(),
  state: z.enum(['ok', 'degraded', 'absent']),
  detail: z.string(),
});
export type ProbeHealth = z.infer<typeof ProbeHealthSchema>;

export const TelemetryFrameSchema = z.object({
  t: z.number().int(),
  cpu: z.object({
    utilizationPct: NullableNumber,
    temperatureC: NullableNumber,
    packagePowerW: NullableNumber,
  }),
  memory: z.object({ usedBytes: z.number(), totalBytes: z.number() }),
  network: z.object({
    rxBytesPerSec: NullableNumber,
    txBytesPerSec: NullableNumber,
    rxTotalBytes: NullableNumber,
    txTotalBytes: NullableNumber,
  }),
  gpus: z.array(GpuSampleSchema),
  health: z.array(ProbeHealthSchema),
});
export type TelemetryFrame = z.infer<typeof TelemetryFrameSchema>;

// ---------------------------------------------------------------- worker status
export const WorkerStateSchema = z.enum(['starting', 'earning', 'hired', 'idle', 'paused', 'offline', 'error']);
export type WorkerState = z.infer<typeof WorkerStateSchema>;

export const StatusSchema = z.object({
  state: WorkerStateSchema,
  /** One sentence a person can act on: what the state means right now. */
  detail: z.string(),
  since: z.number().int(),
  deviceId: z.string(),
  deviceName: z.string(),
  version: z.string(),
  secretsBackend: z.enum(['keytar', 'safe-storage', 'file', 'memory']),
  /** Which transport this UI is attached through; reported by the core for the About line. */
  runtime: z.enum(['electron', 'headless']),
});
export type Status = z.infer<typeof StatusSchema>;

export const NoticeSchema = z.object({
  id: z.string(),
  t: z.number().int(),
  level: z.enum(['info', 'warning', 'error']),
  title: z.string(),
  body: z.string(),
});
export type Notice = z.infer<typeof NoticeSchema>;

// ---------------------------------------------------------------- settings
export const ThemeSchema = z.enum(['system', 'light', 'dark']);
export const UpdateChannelSchema = z.enum(['stable', 'beta']);

export const WalletSchema = z.object({
  /** The Solana address rewards are paid to; null until the user sets one. */
  address: z.string().nullable(),
  setAt: z.number().int().nullable(),
  /** Earlier addresses, newest first: the change history the Wallet page shows. */
  history: z.array(z.object({ address: z.string(), setAt: z.number().int() })).max(50),
});
export type Wallet = z.infer<typeof WalletSchema>;

export const SettingsSchema = z.object({
  deviceName: Name,
  theme: ThemeSchema,
  sampleIntervalMs: z.number().int().min(250).max(10_000),
  wallet: WalletSchema,
  limits: z.object({
    gpuTemperatureC: z.number().min(40).max(110),
    gpuHotspotC: z.number().min(40).max(120),
    gpuMemoryTemperatureC: z.number().min(40).max(120),
    gpuPowerW: z.number().min(0).max(2000).nullable(),
  }),
  /** 'embedded' (a devnet on this machine) or the http(s) URL of a coordinator. */
  network: z.union([z.literal('embedded'), z.url({ protocol: /^https?$/ }).max(200)]),
  /** What the user pays for power, and what they think a coin is worth, for Profitability. */
  energy: z.object({
    pricePerKWh: z.number().min(0).max(10),
    currency: z.string().regex(/^[A-Z]{3}$/),
    coinPrice: z.number().min(0).max(1_000_000).nullable(),
  }),
  /** Desktop app only: ignored headless. */
  desktop: z.object({
    startAtLogin: z.boolean(),
    /** Closing the window keeps the worker running in the tray (where there is a tray). */
    closeToTray: z.boolean(),
    updateChannel: UpdateChannelSchema,
    /** The generic-provider update feed; null uses the one built into the app. */
    updateFeedUrl: z.url({ protocol: /^https?$/ }).max(200).nullable(),
    updateCheckHours: z.number().int().min(1).max(24),
    /** Native notifications for notices and state changes. */
    notifications: z.boolean(),
  }),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** A partial update: top-level fields, and `limits` as a partial object of its own. */
export const SettingsPatchSchema = z
  .object({
    deviceName: Name,
    theme: ThemeSchema,
    sampleIntervalMs: SettingsSchema.shape.sampleIntervalMs,
    limits: SettingsSchema.shape.limits.partial().strict(),
    network: SettingsSchema.shape.network,
    energy: SettingsSchema.shape.energy.partial().strict(),
    desktop: SettingsSchema.shape.desktop.partial().strict(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

// ---------------------------------------------------------------- history (main/ledger)
/** Charted metrics; device 'host' has the cpu/memory/network ones, 'gpu<index>' the others. */
export const TelemetryMetricSchema = z.enum([
  'cpuUtilizationPct',
  'cpuTemperatureC',
  'cpuPowerW',
  'memoryUsedBytes',
  'networkRxBytesPerSec',
  'networkTxBytesPerSec',
  'temperatureC',
  'hotspotC',
  'memoryTemperatureC',
  'powerW',
  'utilizationPct',
  'memoryUtilizationPct',
  'vramUsedMiB',
  'graphicsClockMHz',
  'memoryClockMHz',
  'fanPct',
]);
export type TelemetryMetric = z.infer<typeof TelemetryMetricSchema>;
const EpochMs = z.number().int().nonnegative();
/** An IANA zone such as Europe/Berlin; the core checks it is one this runtime knows. */
const TimeZone = z.string().min(1).max(64);
const NetworkDeviceId = z.string().min(1).max(128);

export const HistorySeriesSchema = z.object({
  device: z.string(),
  metric: TelemetryMetricSchema,
  resolution: z.enum(['raw', '1m', '1h']),
  /** The span of one point in ms (the resolution's step, or a multiple when maxPoints merged them). */
  bucketMs: z.number().int().positive(),
  /** Per point: t is the bucket start (UTC ms), n the samples in it; raw points have min = avg = max. */
  points: z.array(z.object({ t: EpochMs, n: z.number().int().positive(), min: z.number(), avg: z.number(), max: z.number() })),
});
export type HistorySeries = z.infer<typeof HistorySeriesSchema>;

export const DowntimeReasonSchema = z.enum(['app-closed', 'asleep', 'network-down', 'paused', 'over-temperature', 'unknown']);
export const UptimeBarSchema = z.object({
  device: z.string(),
  timeZone: z.string(),
  resolution: z.enum(['day', 'hour']),
  buckets: z.array(
    z.object({
      /** Local date YYYY-MM-DD for days (user's time zone); UTC hour for hours (the network's blocks). */
      label: z.string(),
      start: EpochMs,
      end: EpochMs,
      /** null: nothing recorded in this bucket (before the first run). */
      uptimePct: z.number().min(0).max(100).nullable(),
      onlineSeconds: z.number().nonnegative(),
      downtimeSeconds: z.number().nonnegative(),
      downtime: z.partialRecord(DowntimeReasonSchema, z.number().nonnegative()),
    }),
  ),
});
export type UptimeBar = z.infer<typeof UptimeBarSchema>;

export const UptimeStreakSchema = z.object({
  device: z.string(),
  online: z.boolean(),
  /** Start of the continuous-uptime streak (a restart or any gap resets it); null while offline. */
  since: EpochMs.nullable(),
  seconds: z.number().nonnegative(),
});
export type UptimeStreak = z.infer<typeof UptimeStreakSchema>;

export const ExportKindSchema = z.enum(['telemetry', 'uptime', 'rewards']);
export const ExportResultSchema = z.object({
  what: ExportKindSchema,
  filename: z.string(),
  mime: z.literal('text/csv'),
  rows: z.number().int().nonnegative(),
  /** True when the range held more rows than one reply carries; the CLI export has no such limit. */
  truncated: z.boolean(),
  csv: z.string(),
});
export type ExportResult = z.infer<typeof ExportResultSchema>;

// ---------------------------------------------------------------- updates (Version Control)
export const UpdateStatusSchema = z.object({
  runtime: z.enum(['electron', 'headless']),
  channel: UpdateChannelSchema,
  currentVersion: z.string(),
  /** 'unsupported': this runtime does not update itself (headless, or a development build). */
  state: z.enum(['idle', 'checking', 'downloading', 'ready', 'error', 'unsupported']),
  availableVersion: z.string().nullable(),
  lastCheckAt: EpochMs.nullable(),
  /** When the downloaded update installs (a restart right after a block closes). */
  restartPlannedAt: EpochMs.nullable(),
  /** One sentence a person can act on. */
  detail: z.string(),
});
export type UpdateStatus = z.infer<typeof UpdateStatusSchema>;

// ---------------------------------------------------------------- network (main/worker, main/devnet)
export const NetworkStatusSchema = z.object({
  /** The coordinator this worker talks to; null when the core runs without a network. */
  network: z.string().nullable(),
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
      detail: z.string(),
      /** Seconds until a rule passes with time alone (continuous uptime); the Home countdown. */
      remainingSeconds: z.number().nonnegative().optional(),
    }),
  ),
  paused: z.string().nullable(),
  bufferedHeartbeats: z.number().int().nonnegative(),
  services: z.array(z.object({ name: z.string(), state: z.enum(['running', 'stopped', 'failing']), detail: z.string() })),
  lastBlock: z
    .object({ block: z.number().int(), status: z.enum(['Completed', 'Failed']), reason: z.string().nullable(), reward: z.number(), closedAt: z.number() })
    .nullable(),
});
export type NetworkStatus = z.infer<typeof NetworkStatusSchema>;

export const NetworkDeviceSchema = z.object({
  id: z.string(),
  name: z.string(),
  account: z.string(),
  status: z.enum(['active', 'idle', 'hired', 'offline', 'blocked']),
  hireStatus: z.enum(['hired', 'available', 'unavailable']),
  upForSeconds: z.number().nonnegative(),
  processorType: z.enum(['GPU', 'CPU']),
  model: z.string(),
  quantity: z.number().int().nonnegative(),
  tier: z.number().int(),
  lastSeen: z.number().nullable(),
});
export const NetworkDevicesSchema = z.object({
  devices: z.array(NetworkDeviceSchema),
  totals: z.object({
    gpus: z.object({ total: z.number(), hired: z.number(), idle: z.number() }),
    cpus: z.object({ total: z.number(), hired: z.number(), idle: z.number() }),
    devices: z.number(),
    online: z.number(),
    coinsDistributed: z.number(),
    hirePayments: z.number(),
    blocks: z.number(),
  }),
});
export type NetworkDevices = z.infer<typeof NetworkDevicesSchema>;

// ---------------------------------------------------------------- earnings (main/ledger reads)
/** Token amounts are in the network's coin; null fields were not recorded for that row. */
export const BlockRewardRowSchema = z.object({
  device: z.string(),
  blockId: z.number().int().nullable(),
  /** Start of the block, UTC ms. */
  blockStart: EpochMs,
  status: z.enum(['passed', 'failed']),
  tier: z.number().int().min(0).max(4).nullable(),
  processorType: z.enum(['GPU', 'CPU']).nullable(),
  quantity: z.number().int().nonnegative().nullable(),
  /** The compute proof: passed, failed, skipped-hired (never run on a hired device), not-issued. */
  pow: z.string().nullable(),
  potl: z.object({ answered: z.number().int().nonnegative(), issued: z.number().int().nonnegative() }).nullable(),
  baseScore: NullableNumber,
  normalizedScore: NullableNumber,
  amount: z.number().nonnegative(),
  detail: z.string().nullable(),
  recordedAt: EpochMs,
});
export type BlockRewardRow = z.infer<typeof BlockRewardRowSchema>;

export const RewardsPageSchema = z.object({
  page: z.number().int().positive(),
  pageSize: z.number().int().positive(),
  total: z.number().int().nonnegative(),
  /** Newest block first. */
  rows: z.array(BlockRewardRowSchema),
});
export type RewardsPage = z.infer<typeof RewardsPageSchema>;

const Amount = z.number().nonnegative();
export const RewardsSummarySchema = z.object({
  timeZone: z.string(),
  days: z.number().int().positive(),
  generatedAt: EpochMs,
  /** Everything recorded on this machine, as of now. */
  totals: z.object({
    blockRewards: Amount,
    /** Hire payments (payouts not failed). */
    jobEarnings: Amount,
    /** Hours of hired compute served. */
    computeHours: z.number().nonnegative(),
    blocksPassed: z.number().int().nonnegative(),
    blocksFailed: z.number().int().nonnegative(),
    /** Block rewards and hire payments of today, in the summary's time zone. */
    today: Amount,
  }),
  window: z.object({
    blockRewards: Amount,
    jobEarnings: Amount,
    blocksPassed: z.number().int().nonnegative(),
    blocksFailed: z.number().int().nonnegative(),
    missed: Amount.nullable(),
  }),
  /** One row per local day, oldest first, ending with today. */
  daily: z.array(
    z.object({
      date: z.string(),
      start: EpochMs,
      end: EpochMs,
      earned: Amount,
      jobEarned: Amount,
      blocksPassed: z.number().int().nonnegative(),
      blocksFailed: z.number().int().nonnegative(),
      /** What the failed blocks would have paid (estimated from the device's average block reward); null: no basis. */
      missed: Amount.nullable(),
    }),
  ),
});
export type RewardsSummary = z.infer<typeof RewardsSummarySchema>;

export const PayoutSchema = z.object({
  id: z.string(),
  device: z.string(),
  t: EpochMs,
  amount: Amount,
  /** null: paid to the wallet on file at the network. */
  wallet: z.string().nullable(),
  /** The Solana transaction signature; null where the network paid in its own ledger (the devnet). */
  tx: z.string().nullable(),
  status: z.enum(['pending', 'sent', 'confirmed', 'failed']),
  detail: z.string().nullable(),
});
export type Payout = z.infer<typeof PayoutSchema>;

export const JobsHistorySchema = z.object({
  hires: z.array(
    z.object({
      id: z.string(),
      device: z.string(),
      client: z.string().nullable(),
      started: EpochMs,
      reservedUntil: EpochMs.nullable(),
      ended: EpochMs.nullable(),
      status: z.enum(['reserved', 'running', 'completed', 'failed', 'cancelled']),
      minutesServed: z.number().nonnegative(),
      paid: Amount,
      detail: z.string().nullable(),
    }),
  ),
  jobs: z.array(
    z.object({
      id: z.string(),
      hireId: z.string().nullable(),
      device: z.string(),
      kind: z.enum(['benchmark', 'ray', 'container', 'proof']),
      started: EpochMs,
      ended: EpochMs.nullable(),
      status: z.enum(['running', 'completed', 'failed', 'cancelled']),
      exitCode: z.number().int().nullable(),
      detail: z.string().nullable(),
    }),
  ),
});
export type JobsHistory = z.infer<typeof JobsHistorySchema>;

export const NoticeHistorySchema = z.array(NoticeSchema.extend({ device: z.string().nullable() }));
export type NoticeHistory = z.infer<typeof NoticeHistorySchema>;
const ListLimit = z.number().int().min(1).max(500).default(100);

// ---------------------------------------------------------------- channels
const NoArgs = z.object({}).strict();

export const requests = {
  /** This machine's hardware; `refresh` probes again instead of answering from the last inventory. */
  'system.inventory': {
    args: z.object({ refresh: z.boolean().optional() }).strict(),
    result: InventorySchema,
  },
  'system.status': { args: NoArgs, result: StatusSchema },
  /** The last `seconds` of 1 Hz telemetry frames kept in memory (at most 15 minutes). */
  'telemetry.recent': {
    args: z.object({ seconds: z.number().int().min(1).max(900) }).strict(),
    result: z.array(TelemetryFrameSchema),
  },
  'settings.get': { args: NoArgs, result: SettingsSchema },
  'settings.update': { args: SettingsPatchSchema, result: SettingsSchema },
  /** A free-text label the user gives this machine, kept in settings and shown everywhere. */
  'device.rename': { args: z.object({ name: Name }).strict(), result: StatusSchema },
  /** Echo for connectivity checks and for the transport tests: returns what it was sent. */
  'system.ping': { args: z.object({ nonce: Text }).strict(), result: z.object({ nonce: Text, t: z.number() }) },
  /** Checks a Solana address as the user types: base58, 32 bytes, on the ed25519 curve. */
  'wallet.check': {
    args: z.object({ address: z.string().max(64) }).strict(),
    result: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), address: z.string() }),
      z.object({ ok: z.literal(false), reason: z.string() }),
    ]),
  },
  /** Sets the payout address; `confirm` must be true (the page asks the user to confirm first). */
  'wallet.set': { args: z.object({ address: z.string().max(64), confirm: z.literal(true) }).strict(), result: WalletSchema },
  /** One chart series from the ledger; 'auto' picks raw (the last 15 min), 1m (<= 2 days of the last 7) or 1h. */
  'history.telemetry': {
    args: z
      .object({
        device: z.string().regex(/^(host|gpu\d{1,3})$/),
        metric: TelemetryMetricSchema,
        range: z.object({ from: EpochMs, to: EpochMs }).strict().refine((r) => r.to > r.from, 'range.to must be after range.from'),
        resolution: z.enum(['raw', '1m', '1h', 'auto']).default('auto'),
        /** At most this many points (about the chart's width in pixels): neighbours merge, keeping min and max. */
        maxPoints: z.number().int().min(10).max(100_000).optional(),
      })
      .strict(),
    result: HistorySeriesSchema,
  },
  /** The uptime bar: per local day (default 30 days) or per UTC hour; device defaults to this machine. */
  'uptime.bar': {
    args: z
      .object({
        device: NetworkDeviceId.optional(),
        days: z.number().int().min(1).max(400).default(30),
        resolution: z.enum(['day', 'hour']).default('day'),
        timeZone: TimeZone.optional(),
      })
      .strict()
      .refine((a) => a.resolution === 'day' || a.days <= 31, 'hourly bars cover at most 31 days'),
    result: UptimeBarSchema,
  },
  'uptime.streak': { args: z.object({ device: NetworkDeviceId.optional() }).strict(), result: UptimeStreakSchema },
  /** CSV of telemetry rollups, uptime per day or block rewards; from/to default to everything. */
  'export': {
    args: z
      .object({
        what: ExportKindSchema,
        from: EpochMs.optional(),
        to: EpochMs.optional(),
        device: z.string().min(1).max(128).optional(),
        resolution: z.enum(['1m', '1h']).optional(),
        timeZone: TimeZone.optional(),
      })
      .strict(),
    result: ExportResultSchema,
  },
  /** The updater (Version Control service): what it is doing and what it found. */
  'updates.status': { args: NoArgs, result: UpdateStatusSchema },
  /** Checks the update feed now; answers once the feed has answered (a download goes on after). */
  'updates.check': { args: NoArgs, result: UpdateStatusSchema },
  /** The network session and this device's eligibility checklist, as the coordinator last judged it. */
  'worker.eligibility': { args: NoArgs, result: NetworkStatusSchema },
  /** Pause (with the reason shown to the network) or resume earning; heartbeats go on either way. */
  'worker.pause': {
    args: z.object({ paused: z.boolean(), reason: z.string().trim().min(1).max(200).optional() }).strict(),
    result: NetworkStatusSchema,
  },
  /** Renames or removes a device of this account at the network (the Home page's Rename and Delete). */
  'network.device': {
    args: z.discriminatedUnion('action', [
      z.object({ action: z.literal('rename'), deviceId: z.string().min(1).max(64), name: Name }).strict(),
      z.object({ action: z.literal('delete'), deviceId: z.string().min(1).max(64) }).strict(),
    ]),
    result: z.object({ ok: z.literal(true) }),
  },
  /** The network's public Workers list (GET /v1/devices of the coordinator) with its totals. */
  'network.devices': { args: NoArgs, result: NetworkDevicesSchema },
  /** Earnings totals, and per local day (default 30) what was earned, blocks passed and failed, what failing missed. */
  'rewards.summary': {
    args: z.object({ days: z.number().int().min(1).max(400).default(30), timeZone: TimeZone.optional() }).strict(),
    result: RewardsSummarySchema,
  },
  /** The Block Rewards history, newest first; page 1 is the newest. */
  'rewards.page': {
    args: z
      .object({ page: z.number().int().min(1).max(1_000_000).default(1), pageSize: z.number().int().min(1).max(200).default(50), device: NetworkDeviceId.optional() })
      .strict(),
    result: RewardsPageSchema,
  },
  /** Payouts, newest first. */
  'payouts.list': { args: z.object({ limit: ListLimit }).strict(), result: z.array(PayoutSchema) },
  /** Hires of this machine and the jobs run under them (or on their own), newest first. */
  'jobs.list': { args: z.object({ limit: ListLimit }).strict(), result: JobsHistorySchema },
  /** The notifications history, newest first. */
  'notices.list': { args: z.object({ limit: ListLimit }).strict(), result: NoticeHistorySchema },
} as const satisfies Record<string, { args: z.ZodType; result: z.ZodType }>;

export const events = {
  /** One batched frame per sampler tick, all devices together. */
  telemetry: TelemetryFrameSchema,
  status: StatusSchema,
  notice: NoticeSchema,
} as const satisfies Record<string, z.ZodType>;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestArgs<C extends RequestChannel> = z.input<(typeof requests)[C]['args']>;
export type ParsedArgs<C extends RequestChannel> = z.output<(typeof requests)[C]['args']>;
export type RequestResult<C extends RequestChannel> = z.output<(typeof requests)[C]['result']>;
export type EventPayload<E extends EventChannel> = z.output<(typeof events)[E]>;

export const requestChannels = Object.keys(requests) as RequestChannel[];
export const eventChannels = Object.keys(events) as EventChannel[];

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(requests, value);
}
export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && Object.hasOwn(events, value);
}

/**
 * What main must implement: one async handler per request channel. A missing or misspelled
 * handler is a compile error where the object is declared `satisfies Handlers`.
 */
export type Handlers = { [C in RequestChannel]: (args: ParsedArgs<C>) => Promise<RequestResult<C>> };

// ---------------------------------------------------------------- errors and replies
export const ErrorCodeSchema = z.enum([
  'bad-request', // the payload does not match the channel's schema
  'unknown-channel',
  'forbidden', // the sender is not our own window / the token is wrong
  'not-found',
  'unavailable', // the subsystem behind the channel is down (probe, network)
  'internal', // a bug on our side; details stay in the main-process log
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ContractErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ContractError = z.infer<typeof ContractErrorSchema>;

export type Reply<C extends RequestChannel = RequestChannel> =
  | { ok: true; result: RequestResult<C> }
  | { ok: false; error: ContractError };

/** Thrown by handlers for expected failures; the transports turn it into a typed error reply. */
export class ContractFailure extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ContractFailure';
    this.code = code;
  }
}

/** Electron IPC names on the wire: the preload and main/shell/ipc.ts both build them from here. */
export const IPC_REQUEST_PREFIX = 'io-worker:request:';
export const IPC_EVENT_PREFIX = 'io-worker:event:';

/** The bridge the preload exposes as `window.ioWorker`: two functions, nothing else. */
export interface IoWorkerBridge {
  invoke<C extends RequestChannel>(channel: C, args: RequestArgs<C>): Promise<Reply<C>>;
  subscribe<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

// ---------------------------------------------------------------- WebSocket framing (headless)
/** Client -> server: one request. Server -> client: its reply, or a pushed event. */
export const WireRequestSchema = z
  .object({ id: z.number().int().nonnegative(), channel: z.string().max(64), args: z.unknown() })
  .strict();
export type WireRequest = z.infer<typeof WireRequestSchema>;
export type WireMessage =
  | { kind: 'reply'; id: number; reply: Reply }
  | { kind: 'event'; event: EventChannel; payload: unknown }
  | { kind: 'error'; error: ContractError };
