import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeHealth } from '../../preload/contract/index.ts';
import { NvidiaSmiInventory, NvidiaSmiSampler, findNvidiaSmi } from './nvidia-smi.ts';
import { findSection, loadCapture, queryGpuTable } from './testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, REPO_ROOT, captureFiles, capturePath, fakeEnv, writeEightGpuCapture, type FakeSettings } from './testing/captures.ts';

const INTERVAL = 250;
let tmp: string;
let eightGpu: string;
const running: NvidiaSmiSampler[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-nvsmi-'));
  eightGpu = writeEightGpuCapture(tmp);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

function sampler(capture: string, settings: FakeSettings = {}, executable = FAKE_NVIDIA_SMI, intervalMs = INTERVAL): NvidiaSmiSampler {
  const s = new NvidiaSmiSampler({ executable, env: fakeEnv(capture, settings), backoffMs: 100, maxBackoffMs: 400, helpTimeoutMs: 1000 });
  running.push(s);
  s.start(intervalMs);
  return s;
}

/** A control file the running fake re-reads before every sample. */
function control(initial: Record<string, unknown>): { file: string; set: (next: Record<string, unknown>) => void } {
  const file = path.join(tmp, `control-${Math.random().toString(36).slice(2)}.json`);
  const set = (next: Record<string, unknown>) => {
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(next));
    fs.renameSync(`${file}.tmp`, file); // atomic: the fake never reads half a file
  };
  set(initial);
  return { file, set };
}

async function until<T>(what: string, read: () => T, ok: (value: T) => boolean, timeoutMs = 5000): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  for (;;) {
    const value = read();
    if (ok(value)) return { value, ms: Date.now() - start };
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const healthy = (s: NvidiaSmiSampler) => until('ok health', () => s.latest(), (l) => l.health.state === 'ok' && l.gpus.length > 0);
const degraded = (s: NvidiaSmiSampler, timeoutMs = 3000) =>
  until('degraded health', () => s.latest().health, (h: ProbeHealth) => h.state === 'degraded', timeoutMs);

function num(raw: string): number | null {
  const m = /^(-?\d+(?:\.\d+)?)(?: [A-Za-z%]+)?$/.exec(raw.trim());
  return m ? Number(m[1]) : null;
}

describe('every capture, replayed through the fake nvidia-smi', () => {
  for (const file of captureFiles()) {
    for (const state of ['idle', 'load'] as const) {
      it(`${path.basename(file)} ${state}: model, VRAM, power limit, temperature, power and utilization are the capture's own`, async () => {
        const table = queryGpuTable(loadCapture(file), state);
        const s = sampler(file, { state });
        const { value } = await healthy(s);
        expect(value.gpus).toHaveLength(table.rows.length);
        const cell = (field: string) => table.rows[0][table.fields.indexOf(field)];
        const gpu = value.gpus[0];
        expect(gpu.model).toBe(cell('name'));
        expect(gpu.vramTotalMiB).toBe(num(cell('memory.total')));
        expect(gpu.powerLimitW).toBe(num(cell('enforced.power.limit')));
        expect(gpu.temperatureC).toBe(num(cell('temperature.gpu')));
        expect(gpu.powerW).toBe(num(cell('power.draw')));
        expect(gpu.utilizationPct).toBe(num(cell('utilization.gpu')));
        expect(gpu.temperatureC).not.toBeNull();
        expect(gpu.powerW).not.toBeNull();
      });
    }
  }
});

describe('an 8-GPU server', () => {
  it('reports all eight GPUs in one batch, each with its own source values, from one long-lived process', async () => {
    const s = sampler(eightGpu, { state: 'load' });
    const { value } = await healthy(s);
    expect(value.gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(value.gpus.map((g) => g.uuid)).size).toBe(8);
    const sources = captureFiles().filter((f) => f.includes('__590.48.01'));
    for (const gpu of value.gpus) {
      const table = queryGpuTable(loadCapture(sources[gpu.index % sources.length]), 'load');
      expect(gpu.powerW).toBe(num(table.rows[0][table.fields.indexOf('power.draw')]));
      expect(gpu.temperatureC).toBe(num(table.rows[0][table.fields.indexOf('temperature.gpu')]));
    }
    const pid = s.pid;
    expect(pid).not.toBeNull();
    await new Promise((r) => setTimeout(r, 4 * INTERVAL));
    expect(s.pid).toBe(pid); // still the same nvidia-smi: no process per sample
    await s.stop();
    expect(() => process.kill(pid!, 0)).toThrow(); // and stop() ends it
  });

  it('a GPU that disappears between samples is reported, and its return clears the report', async () => {
    const ctl = control({ gpus: 8 });
    const s = sampler(eightGpu, { control: ctl.file });
    let changes = 0;
    s.onHardwareChange(() => changes++);
    await healthy(s);
    expect(changes).toBe(0);
    ctl.set({ gpus: 7 });
    const { value: health, ms } = await degraded(s);
    expect(ms).toBeLessThan(3000);
    expect(health.detail).toMatch(/GPU 7 \(NVIDIA H200, 00000000:88:00\.0\) no longer reported/);
    expect(s.latest().gpus).toHaveLength(7);
    expect(changes).toBe(1); // the core takes the inventory again
    ctl.set({ gpus: 8 });
    const back = await healthy(s);
    expect(back.value.gpus).toHaveLength(8);
    expect(changes).toBe(2);
  });

  it('inventory lists all eight with limits, clocks and MIG instances', async () => {
    const result = await new NvidiaSmiInventory(FAKE_NVIDIA_SMI, fakeEnv(eightGpu)).inventory();
    expect(result?.warnings).toEqual([]);
    expect(result?.gpus).toHaveLength(8);
    const h200mig = result!.gpus.find((g) => g.mig?.mode === 'enabled' && g.model === 'NVIDIA H200')!;
    expect(h200mig.mig?.instances).toBe(5);
    expect(result!.gpus[0]).toMatchObject({ vendor: 'NVIDIA', source: 'nvidia-smi', powerLimitW: { enforced: 700 }, maxClocksMHz: { sm: 1980 } });
  });
});

describe('when nvidia-smi misbehaves', () => {
  const h200 = () => capturePath('nvidia-h200__590');

  it('hangs without output: degraded within 3 s, recovers when the tool answers again', async () => {
    const ctl = control({ mode: 'hang' });
    const s = sampler(h200(), { control: ctl.file });
    const { value } = await degraded(s);
    expect(value.detail).toMatch(/Starting|did not answer|No GPU readings/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.latest().health.state).toBe('degraded');
    ctl.set({ mode: 'ok' });
    await healthy(s);
  });

  it('hangs mid-stream at the default 1 Hz: stale readings are dropped within 3 s, the loop is restarted', async () => {
    const ctl = control({ mode: 'ok' });
    const s = sampler(h200(), { control: ctl.file }, FAKE_NVIDIA_SMI, 1000);
    await healthy(s);
    ctl.set({ mode: 'hang' });
    const { ms } = await until('no GPUs', () => s.latest(), (l) => l.gpus.length === 0 && l.health.state === 'degraded', 3000);
    expect(ms).toBeLessThan(3000);
    ctl.set({ mode: 'ok' });
    await healthy(s);
  });

  it('exits at once: degraded with the driver’s own words, retried with backoff, recovers', async () => {
    const ctl = control({ mode: 'exit' });
    const s = sampler(h200(), { control: ctl.file });
    const { value } = await until('driver message', () => s.latest().health, (h) => /couldn't communicate with the NVIDIA driver/.test(h.detail), 3000);
    expect(value.state).toBe('degraded');
    expect(value.detail).toMatch(/Retrying in/);
    ctl.set({ mode: 'ok' });
    await healthy(s);
  });

  it('prints garbage: degraded and says so, no made-up readings, recovers', async () => {
    const ctl = control({ mode: 'garbage' });
    const s = sampler(h200(), { control: ctl.file });
    const { value } = await until('unreadable', () => s.latest().health, (h) => /unreadable line/.test(h.detail), 3000);
    expect(value.state).toBe('degraded');
    expect(s.latest().gpus).toEqual([]);
    ctl.set({ mode: 'ok' });
    await healthy(s);
  });

  it('prints truncated lines: they are dropped, not half-read', async () => {
    const ctl = control({ mode: 'truncate' });
    const s = sampler(capturePath('rtx-4080'), { control: ctl.file });
    await until('unreadable', () => s.latest().health, (h) => /expected \d+ values/.test(h.detail), 3000);
    expect(s.latest().gpus).toEqual([]);
    ctl.set({ mode: 'ok' });
    const { value } = await healthy(s);
    expect(value.gpus[0].model).toBe('NVIDIA GeForce RTX 4080 SUPER');
  });

  it('a driver that lacks some fields: asks only for what it has, says what is missing', async () => {
    const s = sampler(capturePath('l40s'), { drop: ['temperature.memory', 'clocks_event_reasons.active', 'pcie.link.gen.gpucurrent'] });
    const { value } = await healthy(s);
    expect(s.fields).not.toContain('temperature.memory');
    expect(s.fields).toContain('pcie.link.gen.current'); // the older name stands in
    const gpu = value.gpus[0];
    expect(gpu.memoryTemperatureC).toBeNull();
    expect(gpu.unavailable.memoryTemperatureC).toBe("not reported by this driver's nvidia-smi");
    expect(gpu.unavailable.throttleReasons).toBe("not reported by this driver's nvidia-smi");
    expect(gpu.pcie.generation).toBe(4);
    expect(gpu.temperatureC).toBe(63);
  });

  it('is not installed: absent, with the path it looked at', async () => {
    const s = sampler(h200(), {}, path.join(tmp, 'no-such-nvidia-smi'));
    const { value } = await until('absent', () => s.latest().health, (h) => h.state === 'absent', 3000);
    expect(value.detail).toContain('no-such-nvidia-smi');
  });

  it('follows a new sampling interval by restarting its loop', async () => {
    const s = sampler(h200());
    await healthy(s);
    const pid = s.pid;
    s.start(500);
    await until('new loop', () => s.pid, (p) => p !== null && p !== pid);
    const { value } = await healthy(s);
    expect(value.health.detail).toContain('every 500 ms');
  });
});

describe('the fake nvidia-smi itself', () => {
  const fake = (capture: string, args: string[], settings: FakeSettings = {}) =>
    spawnSync(FAKE_NVIDIA_SMI, args, { env: fakeEnv(capture, settings), encoding: 'utf8', timeout: 10_000 });

  it.each(captureFiles().map((f) => [path.basename(f), f]))('%s: the capture’s own query prints the capture’s own CSV', (_name, file) => {
    for (const state of ['idle', 'load'] as const) {
      const section = findSection(loadCapture(file), state, 'query-gpu')!;
      const args = section.command.split(' ').slice(1);
      const out = fake(file, args, { state });
      expect(out.status).toBe(0);
      const strip = (line: string) => line.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3}/, '<time>');
      expect(out.stdout.trimEnd().split('\n').map(strip)).toEqual(section.body.filter((l) => l.trim() !== '').map(strip));
    }
  });

  it('honours noheader and nounits, rejects unknown fields like the real tool, and loops with -lms', () => {
    const h200 = capturePath('nvidia-h200__590');
    expect(fake(h200, ['--query-gpu=name,power.draw,memory.total', '--format=csv']).stdout).toBe('name, power.draw [W], memory.total [MiB]\nNVIDIA H200, 77.71 W, 143771 MiB\n');
    expect(fake(h200, ['--query-gpu=gpu_name,clocks.gr', '--format=csv,noheader,nounits'], { state: 'load' }).stdout).toBe('NVIDIA H200, 1980\n');
    const bad = fake(h200, ['--query-gpu=name,hotspot.temperature', '--format=csv']);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toContain('Field "hotspot.temperature" is not a valid field to query.');
    const loop = spawnSync(FAKE_NVIDIA_SMI, ['--query-gpu=index', '--format=csv,noheader', '-lms', '100'], { env: fakeEnv(h200), encoding: 'utf8', timeout: 1000 });
    expect(loop.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(3);
  });
  it('alternating, compute goes idle and back while the running processes keep their memory (as their list says)', () => {
    const h200 = capturePath('nvidia-h200__590');
    const loop = spawnSync(FAKE_NVIDIA_SMI, ['--query-gpu=utilization.gpu,memory.used', '--format=csv,noheader,nounits', '-lms', '100'], {
      env: fakeEnv(h200, { state: 'alternate' }), encoding: 'utf8', timeout: 1000,
    });
    const rows = loop.stdout.trim().split('\n').slice(0, 4).map((l) => l.split(', '));
    const loadUsed = queryGpuTable(loadCapture(h200), 'load');
    const used = loadUsed.rows[0]![loadUsed.fields.indexOf('memory.used')]!.replace(/ MiB$/, '');
    expect(rows).toEqual([['0', used], ['100', used], ['0', used], ['100', used]]);
  });
});

describe('finding nvidia-smi', () => {
  it('prefers IO_WORKER_NVIDIA_SMI, else searches PATH', () => {
    expect(findNvidiaSmi({ IO_WORKER_NVIDIA_SMI: '/opt/x/nvidia-smi', PATH: '' })).toBe('/opt/x/nvidia-smi');
    const bin = fs.mkdtempSync(path.join(tmp, 'bin-'));
    fs.symlinkSync(FAKE_NVIDIA_SMI, path.join(bin, 'nvidia-smi'));
    expect(findNvidiaSmi({ PATH: `/nonexistent${path.delimiter}${bin}` }, 'linux')).toBe(path.join(bin, 'nvidia-smi'));
    expect(findNvidiaSmi({ PATH: '/nonexistent' }, 'linux')).toBeNull();
  });
});

describe('io-worker probe --json', () => {
  it('lists the replayed GPU with its model, VRAM, power limit, temperature and power draw', () => {
    const capture = capturePath('h100-80gb');
    const out = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'io-worker.mjs'), 'probe', '--json'], {
      cwd: REPO_ROOT,
      env: { ...fakeEnv(capture, { state: 'load' }), IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out.status, out.stderr).toBe(0);
    const { inventory, frame } = JSON.parse(out.stdout);
    expect(inventory.gpus[0]).toMatchObject({ model: 'NVIDIA H100 80GB HBM3', vramMiB: 81559, powerLimitW: { enforced: 700 }, source: 'nvidia-smi' });
    expect(frame.gpus[0]).toMatchObject({ model: 'NVIDIA H100 80GB HBM3', temperatureC: 59, powerW: 631.95, utilizationPct: 100 });
    expect(frame.health).toEqual([expect.objectContaining({ probe: 'nvidia-smi', state: 'ok' })]);
  });
});
