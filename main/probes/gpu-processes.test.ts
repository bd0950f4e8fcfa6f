import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GpuProcessLister, mergeProcesses, parseComputeApps, parsePmon } from './gpu-processes.ts';
import { NvidiaSmiSampler } from './nvidia-smi.ts';
import { NvidiaSmiExtras, UNWATCHED_HEALTH_MS } from './nvidia-smi-extras.ts';
import { TelemetrySampler, type GpuSampler } from './sampler.ts';
import { HostProbe } from './host.ts';
import { TelemetryFrameSchema } from '../../preload/contract/index.ts';
import { SettingsStore, memoryBackend } from '../settings/store.ts';
import { testCore } from '../../test/core-fixture.ts';
import { findSection, loadCapture } from './testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, capturePath, fakeEnv, writeEightH200Capture } from './testing/captures.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-procs-'));
const stops: (() => unknown)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function control(initial: Record<string, unknown>) {
  const file = path.join(tmp, `control-${Math.random().toString(36).slice(2)}.json`);
  const set = (next: Record<string, unknown>) => {
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(next));
    fs.renameSync(`${file}.tmp`, file);
  };
  set(initial);
  return { file, set };
}

async function until<T>(what: string, read: () => T, ok: (v: T) => boolean, timeoutMs = 8000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const GPU0 = [{ index: 0, uuid: 'GPU-00000000-0000-0000-0000-000000000000' }];

describe('parsing the driver’s process lists (real captures)', () => {
  it('H200 under load: three compute processes with their memory', () => {
    const sections = loadCapture(capturePath('nvidia-h200__590'));
    const csv = findSection(sections, 'load', 'query-compute-apps')!.body.slice(1).map((l) => {
      const c = l.split(', ');
      return `${c[5]}, ${c.slice(6, -1).join(', ')}, ${c[c.length - 1].replace(' MiB', '')}, ${c[4]}`; // as noheader,nounits prints it
    });
    const pmon = findSection(sections, 'load', 'pmon')!.body.join('\n');
    const merged = mergeProcesses(parseComputeApps(csv.join('\n')), parsePmon(pmon), GPU0);
    expect(merged.map((p) => [p.pid, p.name, p.usedMemoryMiB, p.kind])).toEqual([
      [10291, '/root/tools/memhog', 2566, 'compute'],
      [10293, '/root/tools/memhog', 1542, 'compute'],
      [10309, './gpu_burn', 28234, 'compute'],
    ]);
  });

  it('Windows desktop: C+G processes are graphics, their memory unknown under WDDM; names with spaces survive pmon', () => {
    const sections = loadCapture(capturePath('windows-x86_64__nvidia-geforce-rtx-2080-super__610'));
    const rows = parsePmon(findSection(sections, 'idle', 'pmon')!.body.join('\n'));
    expect(rows.find((r) => r.name.startsWith('NVIDIA Overlay'))).toMatchObject({ type: 'C+G', name: 'NVIDIA Overlay.' });
    const apps = parseComputeApps('2140, C:\\Windows\\System32\\dwm.exe, [N/A], GPU-00000000-0000-0000-0000-000000000000');
    expect(mergeProcesses(apps, rows, GPU0).find((p) => p.pid === 2140)).toMatchObject({ kind: 'graphics', usedMemoryMiB: null, name: 'C:\\Windows\\System32\\dwm.exe' });
  });

  it('an idle data-centre GPU has nothing running (`-` rows)', () => {
    const pmon = findSection(loadCapture(capturePath('nvidia-h100-80gb')), 'idle', 'pmon')!.body.join('\n');
    expect(parsePmon(pmon)).toEqual([]);
  });
});

describe('GpuProcessLister against the fake nvidia-smi (real child processes)', () => {
  it('follows the control file: a game appears as graphics on GPU 1, then leaves', async () => {
    const capture = writeEightH200Capture(tmp);
    const ctl = control({ processes: { 0: [{ pid: 4242, name: '/usr/bin/python3', type: 'C', usedMemoryMiB: 12288 }] } });
    const gpus = Array.from({ length: 8 }, (_, i) => ({ index: i, uuid: `GPU-${i.toString(16).toUpperCase().padStart(8, '0')}-0000-0000-0000-${i.toString(16).toUpperCase().padStart(12, '0')}` }));
    const lister = new GpuProcessLister({ executable: FAKE_NVIDIA_SMI, env: fakeEnv(capture, { control: ctl.file }), gpus: () => gpus });
    stops.push(() => lister.stop());
    const changes: number[] = [];
    lister.onChange((list) => changes.push(list.length));
    lister.start(200);
    const first = await until('python on GPU 0', () => lister.latest(), (l) => l.processes.length === 1);
    expect(first.processes[0]).toEqual({ gpuIndex: 0, gpuUuid: gpus[0].uuid, pid: 4242, name: '/usr/bin/python3', usedMemoryMiB: 12288, kind: 'compute' });
    ctl.set({ processes: { 0: [{ pid: 4242, name: '/usr/bin/python3', type: 'C', usedMemoryMiB: 12288 }], 1: [{ pid: 777, name: 'Cyberpunk2077.exe', type: 'G' }] } });
    const game = await until('the game', () => lister.latest(), (l) => l.processes.some((p) => p.pid === 777));
    expect(game.processes.find((p) => p.pid === 777)).toEqual({ gpuIndex: 1, gpuUuid: gpus[1].uuid, pid: 777, name: 'Cyberpunk2077.e', usedMemoryMiB: null, kind: 'graphics' }); // pmon cuts names at 15 characters
    ctl.set({ processes: {} });
    await until('nothing left', () => lister.latest(), (l) => l.processes.length === 0);
    expect(changes).toEqual([1, 2, 0]);
  });

  it('a hung nvidia-smi is ended at the timeout and said; the worker never waits on it', async () => {
    const ctl = control({ mode: 'hang' });
    const lister = new GpuProcessLister({ executable: FAKE_NVIDIA_SMI, env: fakeEnv(capturePath('nvidia-h200__590'), { control: ctl.file }), gpus: () => GPU0, timeoutMs: 400 });
    stops.push(() => lister.stop());
    const started = Date.now();
    await lister.poll();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lister.latest().problem).toMatch(/hung: it did not answer within 0.4 s/);
  });

  it('never runs two nvidia-smi at once, however often it is asked', async () => {
    // A wrapper that records overlapping runs: it holds a lock directory while the fake runs.
    const lock = path.join(tmp, 'lock');
    const log = path.join(tmp, 'overlaps.log');
    const wrapper = path.join(tmp, 'nvidia-smi-locked.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\nmkdir "${lock}" 2>/dev/null || echo overlap >> "${log}"\nsleep 0.05\n"${process.execPath}" "${FAKE_NVIDIA_SMI}" "$@"\ncode=$?\nrmdir "${lock}" 2>/dev/null\nexit $code\n`, { mode: 0o755 });
    const lister = new GpuProcessLister({ executable: wrapper, env: fakeEnv(capturePath('nvidia-h200__590'), { state: 'load' }), gpus: () => GPU0 });
    stops.push(() => lister.stop());
    await Promise.all([lister.poll(), lister.poll(), lister.poll()]);
    lister.start(20); // far faster than one listing takes
    await new Promise((r) => setTimeout(r, 1500));
    lister.stop();
    expect(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '').toBe('');
    expect(lister.latest().processes.map((p) => p.pid)).toEqual([10291, 10293, 10309]);
  });

  it('unwatched, lists once at start and then not; watched again, lists at once and then at its interval', async () => {
    const calls = path.join(tmp, 'calls.log');
    const wrapper = path.join(tmp, 'nvidia-smi-counted.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> "${calls}"\nexec "${process.execPath}" "${FAKE_NVIDIA_SMI}" "$@"\n`, { mode: 0o755 });
    const listings = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter((l) => l.startsWith('--query-compute-apps')).length : 0);
    const lister = new GpuProcessLister({ executable: wrapper, env: fakeEnv(capturePath('nvidia-h200__590'), { state: 'load' }), gpus: () => GPU0 });
    stops.push(() => lister.stop());
    lister.start(100);
    expect(lister.armed).toBe(true);
    lister.watch(false); // nobody looking, no game to wait for
    expect(lister.armed).toBe(false); // no timer wakes the worker for a list nobody reads
    await until('the first listing', () => lister.latest().at, (at) => at !== null);
    await new Promise((r) => setTimeout(r, 1200)); // twelve intervals
    expect(listings()).toBe(1);
    const watchedAt = Date.now();
    lister.watch(true);
    expect(lister.armed).toBe(true);
    await until('a listing once watched', () => lister.latest().at ?? 0, (at) => at >= watchedAt, 3000);
    await until('listings at the interval', listings, (n) => n >= 4, 5000);
    expect(lister.latest().processes.map((p) => p.pid)).toEqual([10291, 10293, 10309]);
    lister.stop();
    lister.watch(true); // a dashboard opening after a stop starts nothing
    expect(lister.armed).toBe(false);
  });
});

describe('the sampler with its slow reads (health, processes, MIG)', () => {
  function sampler(capture: string, state: 'idle' | 'load' = 'load'): NvidiaSmiSampler {
    const s = new NvidiaSmiSampler({
      executable: FAKE_NVIDIA_SMI,
      env: fakeEnv(capture, { state }),
      extras: { queryIntervalMs: 500, processIntervalMs: 300, kernelLog: null },
    });
    stops.push(() => s.stop());
    s.start(250);
    return s;
  }

  it('H200 MIG: each instance’s memory, the parent’s temperature and power, utilization said unavailable', async () => {
    const s = sampler(capturePath('nvidia-h200-mig'));
    const [gpu] = await until('MIG instances', () => s.latest().gpus, (g) => (g[0]?.migInstances?.length ?? 0) > 0 && (g[0]?.processes?.length ?? 0) > 0);
    expect(gpu.temperatureC).toBe(36);
    expect(gpu.powerW).toBe(295.01);
    expect(gpu.powerLimitW).toBe(700);
    expect(gpu.vramUsedMiB).toBe(16959);
    expect(gpu.utilizationPct).toBeNull();
    expect(gpu.unavailable.utilizationPct).toBe('not reported while MIG mode is enabled');
    expect(gpu.migInstances!.map((m) => [m.profile, m.memoryUsedMiB, m.memoryTotalMiB])).toEqual([
      ['1c.3g.71gb', 16925, 71424],
      ['2c.3g.71gb', 16925, 71424],
      ['2g.35gb', 17, 33280],
      ['1g.18gb', 9, 16384],
      ['1g.18gb', 9, 16384],
    ]);
    expect(gpu.processes!.map((p) => [p.pid, p.usedMemoryMiB])).toEqual([[12249, 2194], [12250, 1170], [12267, 13526]]);
    expect(gpu.temperatureLimitC).toBe(84);
    expect(gpu.health).toMatchObject({ severity: 'ok', ecc: { mode: 'enabled' }, pcie: { replays: 0, maxWidth: 16 } });
    expect(gpu.health!.unavailable.xid).toBe('the kernel log is not read');
  });

  it('a failed `nvidia-smi -L` keeps the MIG profiles last read (not "instance 0" until the next read)', async () => {
    const calls = path.join(tmp, 'calls-L.log');
    const broken = path.join(tmp, 'L-broken');
    const wrapper = path.join(tmp, 'nvidia-smi-L-fails.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> "${calls}"\nif [ "$1" = "-L" ] && [ -e "${broken}" ]; then echo "Unable to determine the device handle" >&2; exit 15; fi\nexec "${process.execPath}" "${FAKE_NVIDIA_SMI}" "$@"\n`, { mode: 0o755 });
    const lists = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter((l) => l === '-L').length : 0);
    const s = new NvidiaSmiSampler({ executable: wrapper, env: fakeEnv(capturePath('nvidia-h200-mig'), { state: 'load' }), extras: { queryIntervalMs: 300, processIntervalMs: 300, kernelLog: null } });
    stops.push(() => s.stop());
    s.start(250);
    const profiles = () => s.latest().gpus[0]?.migInstances?.map((m) => m.profile) ?? [];
    await until('named MIG instances', profiles, (p) => p[0] === '1c.3g.71gb');
    fs.writeFileSync(broken, '');
    const before = lists();
    await until('two failed -L reads', lists, (n) => n >= before + 2);
    await new Promise((r) => setTimeout(r, 300)); // a sample after the last failed read
    expect(profiles()).toEqual(['1c.3g.71gb', '2c.3g.71gb', '2g.35gb', '1g.18gb', '1g.18gb']);
  });

  it('H100 MIG: four instances, never shown without their profiles (-q and -L land together)', async () => {
    const s = sampler(capturePath('nvidia-h100-mig'));
    const unnamed: unknown[] = [];
    const [gpu] = await until('MIG instances', () => s.latest().gpus, (g) => {
      const mig = g[0]?.migInstances ?? [];
      if (mig.some((m) => m.profile === null)) unnamed.push(mig);
      return mig.length > 0;
    });
    expect(unnamed).toEqual([]);
    expect(gpu.migInstances!.map((m) => m.profile)).toEqual(['3g.40gb', '2g.20gb', '1g.10gb', '1g.10gb']);
    expect(gpu.migInstances!.map((m) => m.memoryTotalMiB)).toEqual([40448, 20096, 9984, 9984]);
    expect(gpu.powerW).not.toBeNull();
    expect(gpu.temperatureC).not.toBeNull();
  });

  it('8 x H200 (synthetic): every GPU has its health and its own three processes', async () => {
    const s = sampler(writeEightH200Capture(tmp));
    const gpus = await until('8 GPUs with processes', () => s.latest().gpus, (g) => g.length === 8 && g.every((x) => x.processes?.length === 3 && x.health?.checkedAt));
    expect(new Set(gpus.map((g) => g.processes![0].gpuUuid)).size).toBe(8);
    expect(gpus.every((g) => g.health!.pcie.maxGeneration === 5)).toBe(true);
  });

  it('the 15-minute ring keeps the newest frame whole and the ones before it lean (charts read only readings)', async () => {
    const s = sampler(writeEightH200Capture(tmp));
    await until('8 GPUs with health and processes', () => s.latest().gpus, (g) => g.length === 8 && g.every((x) => x.processes?.length === 3 && x.health?.checkedAt));
    const ring = new TelemetrySampler([s], new HostProbe({ linux: false }));
    const ticks = [1, 2, 3].map((i) => ring.tick(Date.now() + i));
    const kept = ring.recent(60, Date.now() + 10);
    expect(kept).toHaveLength(3);
    expect(kept[2]).toBe(ticks[2]); // the newest, as it was sent
    expect(kept[2]!.gpus.every((g) => g.health && g.processes?.length === 3)).toBe(true);
    for (const lean of kept.slice(0, 2)) {
      expect(lean.gpus.every((g) => g.health === undefined && g.processes === undefined && g.migInstances === undefined)).toBe(true);
      expect(lean.gpus.map((g) => g.powerW)).toEqual(ticks[0]!.gpus.map((g) => g.powerW));
      expect(TelemetryFrameSchema.safeParse(lean).success).toBe(true); // still a frame by the contract
    }
    expect(ticks[0]!.gpus[0]!.health).toBeDefined(); // what listeners got is not changed afterwards
  });
});

describe('who needs the process list every few seconds', () => {
  it('unwatched, nvidia-smi -q is read at its slow pace (5 min by default); watched again, at once', async () => {
    const calls = path.join(tmp, 'calls-q.log');
    const wrapper = path.join(tmp, 'nvidia-smi-counted-q.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\necho "$1" >> "${calls}"\nexec "${process.execPath}" "${FAKE_NVIDIA_SMI}" "$@"\n`, { mode: 0o755 });
    const reads = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter((l) => l === '-q').length : 0);
    expect(UNWATCHED_HEALTH_MS).toBe(5 * 60_000);
    // Scaled down: 100 ms watched, 1 s unwatched.
    const extras = new NvidiaSmiExtras({ executable: wrapper, env: fakeEnv(capturePath('nvidia-h200__590'), { state: 'load' }), gpus: () => GPU0, queryIntervalMs: 100, unwatchedQueryIntervalMs: 1000, processIntervalMs: 100, kernelLog: null });
    stops.push(() => extras.stop());
    extras.start();
    extras.watch(false);
    await until('the first -q', reads, (n) => n >= 1);
    await new Promise((r) => setTimeout(r, 700)); // seven ticks of 100 ms, inside the slow pace
    expect(reads()).toBe(1);
    await until('the next -q at the slow pace', reads, (n) => n === 2, 3000);
    await new Promise((r) => setTimeout(r, 500));
    expect(reads()).toBe(2);
    extras.watch(true);
    await until('-q at its interval once watched', reads, (n) => n >= 5, 5000);
  });

  it('a dashboard opening after nobody watched does not see the old process list as now: none until listed again', async () => {
    // Listing again takes a second here (a slow driver), so the frames in between are seen.
    const slow = path.join(tmp, 'listing-slow');
    const wrapper = path.join(tmp, 'nvidia-smi-slow-listing.sh');
    fs.writeFileSync(wrapper, `#!/bin/sh\ncase "$1" in --query-compute-apps*) [ -e "${slow}" ] && sleep 1;; esac\nexec "${process.execPath}" "${FAKE_NVIDIA_SMI}" "$@"\n`, { mode: 0o755 });
    const s = new NvidiaSmiSampler({ executable: wrapper, env: fakeEnv(capturePath('nvidia-h200__590'), { state: 'load' }), extras: { processIntervalMs: 200, kernelLog: null } });
    stops.push(() => s.stop());
    s.start(100);
    s.watchProcesses(false); // nobody watching
    await until('the list read at start', () => s.latest().gpus[0]?.processes?.length ?? 0, (n) => n === 3);
    await new Promise((r) => setTimeout(r, 400)); // the list is now older than its interval
    fs.writeFileSync(slow, '');
    s.watchProcesses(true); // a dashboard opens: the list at hand is from before
    const opened = Date.now();
    const seen: { processes: number | undefined; why: string | undefined }[] = [];
    await until('the list read again', () => {
      const gpu = s.latest().gpus[0]!;
      seen.push({ processes: gpu.processes?.length, why: gpu.unavailable.processes });
      return gpu.processes?.length ?? 0;
    }, (n) => n === 3 && Date.now() - opened > 1000); // not before the slow listing can have ended
    // The frames between the dashboard opening and the fresh list said why they had none; none showed the old one.
    const between = seen.slice(0, -1).filter((f) => f.processes !== 3 || f.why !== undefined);
    expect(between.length).toBeGreaterThan(3);
    expect(between.every((f) => f.processes === undefined && f.why === 'being listed again (the last list is from before anyone watched)')).toBe(true);
    expect(seen.at(-1)).toEqual({ processes: 3, why: undefined });
  });

  it('while nobody watches, an old list is not put in frames (a page’s first answers come from them); a reload’s blink keeps a fresh one', async () => {
    // Scaled down: listed every 100 ms while watched, at most 200 ms per listing, so "old" is past 300 ms.
    const s = new NvidiaSmiSampler({ executable: FAKE_NVIDIA_SMI, env: fakeEnv(capturePath('nvidia-h200__590'), { state: 'load' }), extras: { processIntervalMs: 100, timeoutMs: 2000, kernelLog: null } });
    stops.push(() => s.stop());
    s.start(50);
    await until('a list while watched', () => s.latest().gpus[0]?.processes?.length ?? 0, (n) => n === 3);
    s.watchProcesses(false); // a reload: nobody watches for a moment...
    s.watchProcesses(true); // ...then the page is back, with a list read a moment ago
    await new Promise((r) => setTimeout(r, 60));
    expect(s.latest().gpus[0]!.processes).toHaveLength(3);
    s.watchProcesses(false);
    const gone = await until('the list dropped once old', () => s.latest().gpus[0]!, (g) => g.processes === undefined, 5000);
    expect(gone.unavailable.processes).toBe('not listed while nobody watches (listed every few seconds while a dashboard is open)');
  });

  it('a dashboard on screen or the gaming rule: the core tells the GPU samplers each frame', async () => {
    const told: boolean[] = [];
    const gpu: GpuSampler = {
      name: 'recording',
      start: () => {},
      stop: () => {},
      latest: () => ({ gpus: [], health: { probe: 'recording', state: 'ok', detail: '' } }),
      watchProcesses: (watched) => told.push(watched),
    };
    const settings = new SettingsStore(memoryBackend());
    const core = await testCore({ gpuSamplers: [gpu], settings });
    stops.push(() => core.stop());
    await core.start();
    core.sampler.tick();
    expect(told.at(-1)).toBe(false); // nothing open, gaming off (the default)
    let onScreen = true;
    const release = core.addViewer(() => onScreen);
    core.sampler.tick();
    expect(told.at(-1)).toBe(true);
    onScreen = false; // the window hidden to the tray
    core.sampler.tick();
    expect(told.at(-1)).toBe(false);
    onScreen = true;
    release(); // the dashboard closed
    core.sampler.tick();
    expect(told.at(-1)).toBe(false);
    settings.update({ autopilot: { ...settings.get().autopilot, gaming: { enabled: true, graceSeconds: 120 } } }); // the gaming rule waits for a game
    core.sampler.tick();
    expect(told.at(-1)).toBe(true);
  });
});
