// Which numbers of a telemetry frame the ledger keeps, under which device and metric names.
// Devices: 'host' (CPU, memory, network) and 'gpu<index>'. The contract's metric enum must list
// exactly these names (a test checks it).
import type { GpuSample, TelemetryFrame } from '../../preload/contract/index.ts';

export const HOST_METRICS = {
  cpuUtilizationPct: (f: TelemetryFrame) => f.cpu.utilizationPct,
  cpuTemperatureC: (f: TelemetryFrame) => f.cpu.temperatureC,
  cpuPowerW: (f: TelemetryFrame) => f.cpu.packagePowerW,
  memoryUsedBytes: (f: TelemetryFrame) => f.memory.usedBytes,
  networkRxBytesPerSec: (f: TelemetryFrame) => f.network.rxBytesPerSec,
  networkTxBytesPerSec: (f: TelemetryFrame) => f.network.txBytesPerSec,
} as const;

export const GPU_METRICS = {
  temperatureC: (g: GpuSample) => g.temperatureC,
  hotspotC: (g: GpuSample) => g.hotspotC,
  memoryTemperatureC: (g: GpuSample) => g.memoryTemperatureC,
  powerW: (g: GpuSample) => g.powerW,
  utilizationPct: (g: GpuSample) => g.utilizationPct,
  memoryUtilizationPct: (g: GpuSample) => g.memoryUtilizationPct,
  vramUsedMiB: (g: GpuSample) => g.vramUsedMiB,
  graphicsClockMHz: (g: GpuSample) => g.clocksMHz.graphics,
  memoryClockMHz: (g: GpuSample) => g.clocksMHz.memory,
  fanPct: (g: GpuSample) => g.fanPct,
} as const;

export type HostMetric = keyof typeof HOST_METRICS;
export type GpuMetric = keyof typeof GPU_METRICS;
export type Metric = HostMetric | GpuMetric;
export const METRIC_NAMES = [...Object.keys(HOST_METRICS), ...Object.keys(GPU_METRICS)] as Metric[];

export const DEVICE_PATTERN = /^(host|gpu\d{1,3})$/;

/** Values are kept as integers in hundredths: two decimals are all a chart shows, and SQLite stores small integers in 1-4 bytes. */
export const SCALE = 100;

/** Calls `emit` for each finite reading of the frame; missing readings (null) are skipped, not zeroed. */
export function forEachReading(frame: TelemetryFrame, emit: (device: string, metric: Metric, value: number) => void): void {
  for (const [metric, read] of Object.entries(HOST_METRICS)) {
    const v = read(frame);
    if (typeof v === 'number' && Number.isFinite(v)) emit('host', metric as Metric, v);
  }
  for (const gpu of frame.gpus) {
    const device = `gpu${gpu.index}`;
    for (const [metric, read] of Object.entries(GPU_METRICS)) {
      const v = read(gpu);
      if (typeof v === 'number' && Number.isFinite(v)) emit(device, metric as Metric, v);
    }
  }
}
