// This machine's hardware as the probes report it: the inventory, and the 1 Hz telemetry frame.
import { z } from 'zod';
import { NullableNumber } from './common.ts';
import { GPU_HEALTH_PROBLEMS, GPU_HEALTH_SEVERITIES, GPU_PROCESS_KINDS, GPU_READINGS, THROTTLE_REASONS } from './words.ts';

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
  // Optional so frames recorded before these existed still parse; the probes of this build set them.
  /** Where the GPU starts slowing down for heat, in °C (nvidia-smi -q's slowdown temperature). */
  temperatureLimitC: NullableNumber.optional(),
  /** Slow-changing health: ECC, retired or remapped memory, PCIe link against its maximum, Xid errors. */
  health: z.lazy(() => GpuHealthSchema).nullable().optional(),
  /** Processes the driver lists on this GPU (the worker's own included). */
  processes: z.array(z.lazy(() => GpuProcessSchema)).optional(),
  /** MIG instances with their own memory; temperature and power stay the parent GPU's. */
  migInstances: z.array(z.lazy(() => MigInstanceSchema)).optional(),
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

// ---------------------------------------------------------------- GPU health, processes, MIG, capabilities
export const ThrottleReasonSchema = z.enum(THROTTLE_REASONS);

/** One `NVRM: Xid` line of the kernel log, tied to a GPU by its PCI address. */
export const XidEventSchema = z.object({
  xid: z.number().int().nonnegative(),
  /** ms since the epoch; null where the log line carried no usable time. */
  at: z.number().nullable(),
  /** `0000:83:00` as the driver writes it. */
  pciBusId: z.string(),
  pid: z.number().int().nullable(),
  processName: z.string().nullable(),
  /** The driver's own words after the code. */
  message: z.string(),
});
export type XidEvent = z.infer<typeof XidEventSchema>;

export const GpuHealthSchema = z.object({
  /** When the slow read (nvidia-smi -q, amd-smi metric) was taken; ms since the epoch. */
  checkedAt: z.number().nullable(),
  severity: z.enum(GPU_HEALTH_SEVERITIES),
  /** What is wrong, typed; words in GPU_HEALTH_PROBLEM_WORDS. */
  problems: z.array(z.object({ problem: z.enum(GPU_HEALTH_PROBLEMS), severity: z.enum(['warning', 'critical']), detail: z.string() })),
  ecc: z.object({
    mode: z.enum(['enabled', 'disabled', 'unsupported']),
    volatile: z.object({ corrected: NullableNumber, uncorrected: NullableNumber }),
    aggregate: z.object({ corrected: NullableNumber, uncorrected: NullableNumber }),
  }),
  retiredPages: z.object({ singleBit: NullableNumber, doubleBit: NullableNumber, pending: z.boolean().nullable() }),
  remappedRows: z.object({ correctable: NullableNumber, uncorrectable: NullableNumber, pending: z.boolean().nullable(), failed: z.boolean().nullable() }),
  pcie: z.object({
    generation: NullableNumber,
    maxGeneration: NullableNumber,
    width: NullableNumber,
    maxWidth: NullableNumber,
    /** PCIe replays since the last reset (link-level retries). */
    replays: NullableNumber,
  }),
  /** Xid errors of this GPU seen in the kernel log since the worker started (newest last, at most 20). */
  xid: z.array(XidEventSchema),
  /** Why a part could not be read, keyed like the fields ("ecc", "xid", "pcie.replays"…). */
  unavailable: z.record(z.string(), z.string()),
});
export type GpuHealth = z.infer<typeof GpuHealthSchema>;

export const GpuProcessSchema = z.object({
  gpuIndex: z.number().int().nonnegative(),
  gpuUuid: z.string().nullable(),
  pid: z.number().int().nonnegative(),
  name: z.string(),
  /** null where the driver does not say (graphics processes; Windows WDDM). */
  usedMemoryMiB: NullableNumber,
  kind: z.enum(GPU_PROCESS_KINDS),
});
export type GpuProcess = z.infer<typeof GpuProcessSchema>;

export const MigInstanceSchema = z.object({
  /** The MIG device index nvidia-smi shows (`MIG Dev`). */
  index: z.number().int().nonnegative(),
  gpuInstanceId: z.number().int().nullable(),
  computeInstanceId: z.number().int().nullable(),
  /** `3g.71gb`, from `nvidia-smi -L`. */
  profile: z.string().nullable(),
  uuid: z.string().nullable(),
  memoryUsedMiB: NullableNumber,
  memoryTotalMiB: NullableNumber,
  multiprocessors: NullableNumber,
});
export type MigInstance = z.infer<typeof MigInstanceSchema>;

/** What one GPU tool on this machine can and cannot show, said plainly. */
export const GpuCapabilitiesSchema = z.object({
  /** The tool actually used: 'nvidia-smi', 'amd-smi', 'rocm-smi', 'xpu-smi', 'intel-hwmon', 'powermetrics', 'apple-inventory'. */
  tool: z.string(),
  can: z.array(z.enum(GPU_READINGS)),
  cannot: z.array(z.object({ reading: z.enum(GPU_READINGS), why: z.string() })),
});
export type GpuCapabilities = z.infer<typeof GpuCapabilitiesSchema>;
