// Test and benchmark helper: synthetic telemetry frames shaped exactly like the sampler's.
import type { GpuSample, TelemetryFrame } from '../../../preload/contract/index.ts';

export function gpuSample(index: number, temperatureC: number | null, extra: Partial<GpuSample> = {}): GpuSample {
  return {
    index,
    uuid: `GPU-${index}`,
    model: 'NVIDIA H100 80GB HBM3',
    temperatureC,
    hotspotC: temperatureC === null ? null : temperatureC + 8,
    memoryTemperatureC: null,
    powerW: 300 + index,
    powerLimitW: 700,
    utilizationPct: 97,
    memoryUtilizationPct: 40,
    encoderPct: 0,
    decoderPct: 0,
    vramUsedMiB: 40_000,
    vramTotalMiB: 81_559,
    clocksMHz: { graphics: 1980, sm: 1980, memory: 2619 },
    fanPct: null,
    pstate: 'P0',
    throttleReasons: [],
    pcie: { generation: 5, width: 16 },
    energyJ: null,
    unavailable: {},
    ...extra,
  };
}

/** One frame at t with `gpus` GPUs; GPU i reads temperature `temperature(i)`. */
export function frameAt(t: number, gpus = 8, temperature: (i: number) => number | null = (i) => 60 + i): TelemetryFrame {
  return {
    t,
    cpu: { utilizationPct: 12.5, temperatureC: 55, packagePowerW: null },
    memory: { usedBytes: 8 * 2 ** 30, totalBytes: 64 * 2 ** 30 },
    network: { rxBytesPerSec: 1000, txBytesPerSec: 2000, rxTotalBytes: null, txTotalBytes: null },
    gpus: Array.from({ length: gpus }, (_, i) => gpuSample(i, temperature(i))),
    health: [],
  };
}
