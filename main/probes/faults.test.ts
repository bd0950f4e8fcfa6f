import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GpuSample, Notice, TelemetryFrame } from '../../preload/contract/index.ts';
import { FaultMonitor, type FaultLimits } from './faults.ts';
import { HostProbe } from './host.ts';
import { NvidiaSmiSampler } from './nvidia-smi.ts';
import { TelemetrySampler } from './sampler.ts';
import { FAKE_NVIDIA_SMI, fakeEnv, writeEightGpuCapture } from './testing/captures.ts';

const LIMITS: FaultLimits = { gpuTemperatureC: 83, gpuHotspotC: 95, gpuMemoryTemperatureC: 95, gpuPowerW: 400 };

function gpu(index: number, over: Partial<GpuSample> = {}): GpuSample {
  return {
    index,
    uuid: `GPU-${index}`,
    model: 'NVIDIA H200',
    temperatureC: 50,
    hotspotC: null,
    memoryTemperatureC: 45,
    powerW: 300,
    powerLimitW: 700,
    utilizationPct: 90,
    memoryUtilizationPct: 40,
    encoderPct: 0,
    decoderPct: 0,
    vramUsedMiB: 1000,
    vramTotalMiB: 143771,
    clocksMHz: { graphics: 1980, sm: 1980, memory: 3201 },
    fanPct: null,
    pstate: 'P0',
    throttleReasons: [],
    pcie: { generation: 5, width: 16 },
    energyJ: null,
    unavailable: {},
    ...over,
  };
}

function frame(t: number, gpus: GpuSample[], healthState: 'ok' | 'degraded' = 'ok'): TelemetryFrame {
  return {
    t,
    cpu: { utilizationPct: 10, temperatureC: null, packagePowerW: null },
    memory: { usedBytes: 1, totalBytes: 2 },
    network: { rxBytesPerSec: null, txBytesPerSec: null, rxTotalBytes: null, txTotalBytes: null },
    gpus,
    health: [{ probe: 'nvidia-smi', state: healthState, detail: healthState === 'ok' ? 'fine' : 'nvidia-smi stopped answering' }],
  };
}

/** Feeds one frame per second; `at(s)` gives the GPUs of second s. */
function run(monitor: FaultMonitor, seconds: number, at: (s: number) => GpuSample[], healthAt: (s: number) => 'ok' | 'degraded' = () => 'ok'): Notice[] {
  const notices: Notice[] = [];
  for (let s = 0; s < seconds; s++) notices.push(...monitor.observe(frame(1_000_000 + s * 1000, at(s), healthAt(s))));
  return notices;
}

describe('FaultMonitor', () => {
  it('a single spike over the limit is not a fault; a sustained one is, once', () => {
    const monitor = new FaultMonitor({ limits: () => LIMITS, sustainMs: 10_000 });
    expect(run(monitor, 30, (s) => [gpu(0, { temperatureC: s === 5 ? 95 : 60 })])).toEqual([]);
    const notices = run(monitor, 30, () => [gpu(0, { temperatureC: 88 })]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ level: 'warning', title: 'GPU 0 is running hot' });
    expect(notices[0].body).toContain('limit of 83 °C');
  });

  it('re-arms only after the reading comes back under the limit with some margin', () => {
    const monitor = new FaultMonitor({ limits: () => LIMITS, sustainMs: 5000 });
    const temps = [...Array(10).fill(90), ...Array(5).fill(82), ...Array(10).fill(90), ...Array(5).fill(75), ...Array(10).fill(90)];
    const notices = run(monitor, temps.length, (s) => [gpu(0, { temperatureC: temps[s] })]);
    const back = 'GPU 0 is back within your limit';
    expect(notices.map((n) => n.title)).toEqual(['GPU 0 is running hot', back, 'GPU 0 is running hot']);
    expect(notices[1]).toMatchObject({ level: 'info' });
    expect(notices[1].body).toBe('Now 75 °C, under your 83 °C limit; the worker goes on.');
  });

  it('watches memory temperature and power, and reads limits live', () => {
    let limits = { ...LIMITS };
    const monitor = new FaultMonitor({ limits: () => limits, sustainMs: 3000 });
    const notices = run(monitor, 10, () => [gpu(0, { memoryTemperatureC: 99, powerW: 650 })]);
    expect(notices.map((n) => n.title).sort()).toEqual(['GPU 0 draws more power than your limit', 'GPU 0 memory is running hot']);
    limits = { ...LIMITS, gpuPowerW: null, gpuMemoryTemperatureC: 110 };
    const quiet = new FaultMonitor({ limits: () => limits, sustainMs: 3000 });
    expect(run(quiet, 10, () => [gpu(0, { memoryTemperatureC: 99, powerW: 650 })])).toEqual([]);
  });

  it('raises sustained thermal throttling, not the normal power cap or idle clocks', () => {
    const monitor = new FaultMonitor({ limits: () => LIMITS, sustainMs: 5000 });
    expect(run(monitor, 20, () => [gpu(0, { throttleReasons: ['power-cap'] })])).toEqual([]);
    expect(run(monitor, 20, () => [gpu(0, { throttleReasons: ['idle'] })])).toEqual([]);
    const notices = run(monitor, 20, () => [gpu(0, { throttleReasons: ['power-cap', 'hw-thermal'] })]);
    expect(notices).toHaveLength(1);
    expect(notices[0].body).toContain('thermal slowdown (hardware)');
  });

  it('a GPU that stops reporting is lost (error), and its return is announced', () => {
    const monitor = new FaultMonitor({ limits: () => LIMITS, lostAfterMs: 3000 });
    const notices = run(monitor, 20, (s) => (s >= 5 && s < 12 ? [gpu(0)] : [gpu(0), gpu(1)]));
    expect(notices.map((n) => [n.level, n.title])).toEqual([
      ['error', 'GPU 1 (NVIDIA H200) stopped reporting'],
      ['info', 'GPU 1 (NVIDIA H200) is back'],
    ]);
  });

  it('all GPUs silent with a degraded probe is an interruption, not eight lost GPUs', () => {
    const monitor = new FaultMonitor({ limits: () => LIMITS, lostAfterMs: 3000 });
    const notices = run(
      monitor,
      20,
      (s) => (s >= 5 && s < 12 ? [] : [gpu(0), gpu(1)]),
      (s) => (s >= 5 && s < 12 ? 'degraded' : 'ok'),
    );
    expect(notices.map((n) => n.title)).toEqual(['GPU telemetry interrupted', 'GPU telemetry is back']);
    expect(notices[0].body).toContain('stopped answering');
  });

  it('hands notices to subscribers until they unsubscribe', () => {
    const monitor = new FaultMonitor({ limits: () => LIMITS, lostAfterMs: 1000 });
    const seen: Notice[] = [];
    const off = monitor.onNotice((n) => seen.push(n));
    run(monitor, 5, (s) => (s < 2 ? [gpu(0), gpu(1)] : [gpu(0)]));
    off();
    run(monitor, 5, (s) => (s < 2 ? [gpu(0), gpu(2)] : [gpu(0)]));
    expect(seen).toHaveLength(1);
  });
});

describe('probes -> frames -> fault monitor, end to end', () => {
  it('a GPU falling off an 8-GPU server raises a lost-GPU notice from live frames', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-faults-'));
    try {
      const capture = writeEightGpuCapture(tmp);
      const control = path.join(tmp, 'control.json');
      fs.writeFileSync(control, JSON.stringify({ gpus: 8 }));
      const nvidia = new NvidiaSmiSampler({ executable: FAKE_NVIDIA_SMI, env: fakeEnv(capture, { control }) });
      const telemetry = new TelemetrySampler([nvidia], new HostProbe({ linux: false }));
      const monitor = new FaultMonitor({ limits: () => LIMITS, lostAfterMs: 750 });
      const notices: Notice[] = [];
      monitor.onNotice((n) => notices.push(n));
      telemetry.onFrame((f) => monitor.observe(f));
      telemetry.start(250);
      try {
        const deadline = Date.now() + 5000;
        while (telemetry.recent(1).at(-1)?.gpus.length !== 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(telemetry.recent(1).at(-1)?.gpus).toHaveLength(8);
        fs.writeFileSync(control, JSON.stringify({ gpus: 6 }));
        while (notices.length < 2 && Date.now() < deadline + 5000) await new Promise((r) => setTimeout(r, 50));
      } finally {
        await telemetry.stop();
      }
      expect(notices.map((n) => n.title).sort()).toEqual([
        'GPU 6 (NVIDIA H200) stopped reporting',
        'GPU 7 (NVIDIA H200) stopped reporting',
      ]);
      expect(notices.every((n) => n.level === 'error')).toBe(true);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
