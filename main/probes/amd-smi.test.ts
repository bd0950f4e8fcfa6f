import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AmdSmiInventory, AmdSmiSampler, amdSmiRecords, findAmdSmi, parseAmdSmiMetric, parseAmdSmiStatic } from './amd-smi.ts';
import { createProbes } from './index.ts';

// Fixtures and where each value came from: testing/amd-smi/SOURCES.md (real parts labelled REAL).
const dir = path.join(import.meta.dirname, 'testing', 'amd-smi');
const fixture = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const FAKE = path.join(import.meta.dirname, 'testing', 'fake-amd-smi.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-amdsmi-'));
const running: AmdSmiSampler[] = [];
afterEach(() => running.splice(0).forEach((s) => s.stop()));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('amd-smi JSON', () => {
  it('reads the list form (ROCm 6.0-6.3): W7700 at 42 % graphics activity', () => {
    const [gpu] = parseAmdSmiMetric(fixture('metric-list-w7700.json'));
    expect(gpu).toMatchObject({ index: 0, utilizationPct: 42, memoryUtilizationPct: 1, powerW: 20, temperatureC: 41, hotspotC: 43, memoryTemperatureC: 62 });
    expect(gpu.pcie).toEqual({ generation: 4, width: 16 });
    expect(gpu.clocksMHz).toEqual({ graphics: 14, sm: null, memory: 96 });
    expect(gpu.energyJ).toBe(1234567.89);
    expect(gpu.powerLimitW).toBeNull();
    expect(gpu.unavailable.powerLimitW).toBe('not reported by amd-smi');
    expect(gpu.health).toMatchObject({ severity: 'ok', ecc: { mode: 'unsupported' }, pcie: { replays: 0 } });
  });

  it('reads the gpu_data form (ROCm 6.4+/7): RX 7800 XT with 14569 of 16368 MiB used, hotspot 41 °C, limits from static', () => {
    const statics = amdSmiRecords(fixture('static-gpu-data-7800xt.json'));
    const [gpu] = parseAmdSmiMetric(fixture('metric-gpu-data-7800xt.json'), statics);
    expect(gpu).toMatchObject({ model: 'AMD Radeon RX 7800 XT', vramUsedMiB: 14569, vramTotalMiB: 16368, utilizationPct: 2, hotspotC: 41, powerLimitW: 263, fanPct: 20 });
    expect(gpu.health?.pcie).toMatchObject({ maxGeneration: 4, maxWidth: 16 });
  });

  it('static: inventory from the MI350X fields (converted from its real text output)', () => {
    expect(parseAmdSmiStatic(fixture('static-list-mi350x.json'))[0]).toMatchObject({
      vendor: 'AMD', model: 'AMD Instinct MI350X', pciBusId: '0000:05:00.0', driver: '6.18.3', computeCapability: 'gfx950', source: 'amd-smi',
    });
  });

  it('says what is wrong with bad output', () => {
    expect(() => amdSmiRecords('ERROR: no GPUs')).toThrow('amd-smi printed no JSON');
    expect(() => amdSmiRecords('{"gpu": 0}')).toThrow('without a GPU list');
  });
});

describe('amd-smi as a real child process', () => {
  const env = (mode = 'ok') => ({
    ...process.env,
    FAKE_AMD_SMI_MODE: mode,
    FAKE_AMD_SMI_STATIC: path.join(dir, 'static-gpu-data-7800xt.json'),
    FAKE_AMD_SMI_METRIC: path.join(dir, 'metric-gpu-data-7800xt.json'),
  });
  async function until<T>(read: () => T, ok: (v: T) => boolean, ms = 8000): Promise<T> {
    const start = Date.now();
    while (!ok(read())) {
      if (Date.now() - start > ms) throw new Error(`timed out: ${JSON.stringify(read()).slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return read();
  }

  it('samples and takes the inventory', async () => {
    const s = new AmdSmiSampler(FAKE, env());
    running.push(s);
    s.start(1000);
    const { gpus, health } = await until(() => s.latest(), (l) => l.health.state === 'ok');
    expect(health.detail).toBe('1 GPU via amd-smi every 2 s (amd-smi is too slow to ask more often).');
    expect(gpus[0].vramUsedMiB).toBe(14569);
    expect((await new AmdSmiInventory(FAKE, env()).inventory())?.gpus[0].model).toBe('AMD Radeon RX 7800 XT');
  });

  it('a failing amd-smi is said, not silent', async () => {
    const failing = new AmdSmiSampler(FAKE, env('exit'));
    running.push(failing);
    failing.start(2000);
    expect((await until(() => failing.latest().health, (h) => h.state === 'degraded' && h.detail.includes('failed'))).detail).toMatch(/Error when calling libdrm/);
  });

  it('is found through IO_WORKER_AMD_SMI and chosen over rocm-smi', () => {
    expect(findAmdSmi({ IO_WORKER_AMD_SMI: FAKE })).toBe(FAKE);
    const probes = createProbes({ IO_WORKER_AMD_SMI: FAKE, IO_WORKER_ROCM_SMI: '/opt/rocm/bin/rocm-smi', PATH: '' }, 'linux');
    expect(probes.gpuSamplers.map((s) => s.name)).toEqual(['amd-smi']);
    expect(createProbes({ IO_WORKER_ROCM_SMI: '/x/rocm-smi', PATH: tmp }, 'linux').gpuSamplers.map((s) => s.name)).toEqual(['rocm-smi']);
  });
});
