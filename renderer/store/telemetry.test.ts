import { describe, expect, it } from 'vitest';
import type { GpuSample, TelemetryFrame } from '../../preload/contract/index.ts';
import { TelemetryRing } from './telemetry';

const frame = (t: number): TelemetryFrame => ({
  t,
  cpu: { utilizationPct: t % 100, temperatureC: null, packagePowerW: null },
  memory: { usedBytes: 1, totalBytes: 2 },
  network: { rxBytesPerSec: null, txBytesPerSec: null, rxTotalBytes: null, txTotalBytes: null },
  gpus: [],
  health: [],
});

describe('telemetry ring', () => {
  it('keeps frames in order, drops replays, and wraps at capacity', () => {
    const ring = new TelemetryRing();
    const seen: number[] = [];
    ring.subscribe((f) => seen.push(f.t));
    ring.seed([frame(1), frame(2), frame(3)]);
    ring.push(frame(2)); // a replay after reconnect
    expect(seen).toEqual([1, 2, 3]);
    for (let t = 4; t <= 5000; t++) ring.push(frame(t));
    expect(ring.size).toBe(3600);
    expect(ring.latest()!.t).toBe(5000);
    const since: number[] = [];
    ring.forEachSince(4990, (f) => since.push(f.t));
    expect(since).toEqual([4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000]);
  });

  it('merges recent history in behind live frames that arrived first', () => {
    const ring = new TelemetryRing();
    ring.push(frame(100));
    ring.push(frame(101));
    const heard: number[] = [];
    ring.subscribe((f) => heard.push(f.t));
    ring.seed([frame(98), frame(99), frame(100), frame(102)]);
    const all: number[] = [];
    ring.forEachSince(0, (f) => all.push(f.t));
    expect(all).toEqual([98, 99, 100, 101, 102]);
    expect(heard).toEqual([102]);
  });

  it('keeps health and processes on the newest frame only; listeners get frames whole', () => {
    const gpu = (index: number): GpuSample => ({
      index, uuid: `GPU-${index}`, model: 'NVIDIA H200', temperatureC: 60 + index, hotspotC: null, memoryTemperatureC: null, powerW: 300, powerLimitW: 700,
      utilizationPct: 97, memoryUtilizationPct: 40, encoderPct: 0, decoderPct: 0, vramUsedMiB: 40_000, vramTotalMiB: 143_771,
      clocksMHz: { graphics: 1980, sm: 1980, memory: 2619 }, fanPct: null, pstate: 'P0', throttleReasons: [], pcie: { generation: 5, width: 16 }, energyJ: null, unavailable: {},
      processes: [{ pid: 7, name: 'game', usedMemoryMiB: 1024, gpuIndex: index, gpuUuid: `GPU-${index}`, kind: 'graphics' }],
    });
    const whole = (t: number): TelemetryFrame => ({ ...frame(t), gpus: [gpu(0), gpu(1)] });
    const ring = new TelemetryRing();
    const heard: TelemetryFrame[] = [];
    ring.subscribe((f) => heard.push(f));
    ring.seed([whole(1), whole(2)]);
    ring.push(whole(3));
    ring.push(whole(4));
    const kept: TelemetryFrame[] = [];
    ring.forEachSince(0, (f) => kept.push(f));
    expect(kept.map((f) => f.t)).toEqual([1, 2, 3, 4]);
    expect(kept.slice(0, 3).every((f) => f.gpus.every((g) => g.processes === undefined))).toBe(true);
    expect(kept.slice(0, 3).map((f) => f.gpus.map((g) => g.temperatureC))).toEqual([[60, 61], [60, 61], [60, 61]]); // readings stay
    expect(ring.latest()!.gpus.every((g) => g.processes?.length === 1)).toBe(true);
    expect(heard.map((f) => f.t)).toEqual([1, 2, 3, 4]);
    expect(heard.every((f) => f.gpus.every((g) => g.processes?.length === 1))).toBe(true); // what listeners got is not changed afterwards
  });
});
