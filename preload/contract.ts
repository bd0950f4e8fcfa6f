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

export const SettingsSchema = z.object({
  deviceName: Name,
  theme: ThemeSchema,
  sampleIntervalMs: z.number().int().min(250).max(10_000),
  limits: z.object({
    gpuTemperatureC: z.number().min(40).max(110),
    gpuHotspotC: z.number().min(40).max(120),
    gpuMemoryTemperatureC: z.number().min(40).max(120),
    gpuPowerW: z.number().min(0).max(2000).nullable(),
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
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

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
