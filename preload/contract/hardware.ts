// This machine's hardware as the probes report it: the inventory, and the 1 Hz telemetry frame.
import { z } from 'zod';
import { NullableNumber } from './common.ts';

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
