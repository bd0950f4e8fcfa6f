import { describe, expect, it } from 'vitest';
import type { TelemetryFrame } from '../../preload/contract';
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
});
