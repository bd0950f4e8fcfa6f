import { describe, expect, it } from 'vitest';
import type { TelemetryFrame } from '../../preload/contract/index.ts';
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
});
