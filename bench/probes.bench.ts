// Probes benchmark: CPU per telemetry frame of our long-lived nvidia-smi sampler against
// systeminformation.graphics() called once per sample (what a user would otherwise pick), side by
// side against the same fake nvidia-smi replaying the H200 capture and an 8-GPU capture; then the
// memory of 45 simulated minutes of 1 Hz frames (the 15-minute ring fills at 15 min, then stays flat).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HostProbe } from '../main/probes/host.ts';
import { NvidiaSmiSampler } from '../main/probes/nvidia-smi.ts';
import { TELEMETRY_FIELDS, parseHelpQueryGpu, parseTelemetryRow, planFields } from '../main/probes/nvidia-smi-csv.ts';
import { TelemetrySampler, type GpuSampler } from '../main/probes/sampler.ts';
import { findSection, loadCapture, queryGpuTable } from '../main/probes/testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, REPO_ROOT, capturePath, writeEightGpuCapture, writeEightH200Capture } from '../main/probes/testing/captures.ts';
import { spawn } from 'node:child_process';

const TICK_S = 1 / 100; // USER_HZ on Linux

/** CPU seconds of this process, plus children it has reaped, plus one live child. */
function cpuSeconds(livePid: number | null = null): { self: number; children: number } {
  const usage = process.cpuUsage();
  const self = (usage.user + usage.system) / 1e6;
  let children = 0;
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    children += (Number(stat[13]) + Number(stat[14])) * TICK_S; // cutime, cstime
    if (livePid !== null) {
      const child = fs.readFileSync(`/proc/${livePid}/stat`, 'utf8').split(') ')[1].split(' ');
      children += (Number(child[11]) + Number(child[12])) * TICK_S; // utime, stime
    }
  } catch {
    // not Linux: children unknown, reported as 0
  }
  return { self, children };
}

/**
 * A bin folder where `nvidia-smi` is the fake and `lspci` lists the replayed GPUs, so systeminformation
 * takes its NVIDIA path. It copies the environment when it loads, so the capture is switched through
 * the fake's control file and the lspci text, not through the environment.
 */
function toolFolder(): { bin: string; use: (capture: string) => void } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-bench-bin-'));
  fs.symlinkSync(FAKE_NVIDIA_SMI, path.join(bin, 'nvidia-smi'));
  fs.writeFileSync(path.join(bin, 'lspci'), `#!/bin/sh\ncat "${path.join(bin, 'lspci.txt')}"\n`, { mode: 0o755 });
  process.env.PATH = `${bin}${path.delimiter}${process.env.PATH}`;
  process.env.FAKE_NVIDIA_SMI_CONTROL = path.join(bin, 'control.json');
  const use = (capture: string) => {
    fs.writeFileSync(path.join(bin, 'control.json'), JSON.stringify({ capture, state: 'load' }));
    const table = queryGpuTable(loadCapture(capture), 'load');
    const lspci = table.rows
      .map((r) => r[table.fields.indexOf('pci.bus_id')].replace(/^0000/, '').replace(/^0000:/, '').toLowerCase())
      .map((bus) => `${bus} 3D controller: NVIDIA Corporation GH100 (rev a1)\n\tSubsystem: NVIDIA Corporation Device 18be\n\tKernel driver in use: nvidia\n`)
      .join('\n');
    fs.writeFileSync(path.join(bin, 'lspci.txt'), lspci);
  };
  return { bin, use };
}

/** CPU of the bench loop itself (a timer wake per frame), which any GPU source pays alike. */
async function idleLoop(frames: number): Promise<number> {
  const before = cpuSeconds();
  for (let i = 0; i < frames; i++) await new Promise((r) => setTimeout(r, 100));
  return ((cpuSeconds().self - before.self) / frames) * 1000;
}

async function ours(frames: number, baselineMs: number): Promise<{ selfMs: number; totalMs: number; gpus: number }> {
  const sampler = new NvidiaSmiSampler({ executable: FAKE_NVIDIA_SMI });
  sampler.start(100);
  // Start-up and the JIT's first passes are not billed to the frames: it runs for weeks.
  const deadline = Date.now() + 10_000;
  while (sampler.latest().gpus.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < 40; i++) await new Promise((r) => setTimeout(r, 100));
  const gpus = sampler.latest().gpus.length;
  const pid = sampler.pid;
  const before = cpuSeconds(pid);
  for (let i = 0; i < frames; i++) {
    await new Promise((r) => setTimeout(r, 100));
    sampler.latest();
  }
  const after = cpuSeconds(pid);
  await sampler.stop();
  const self = after.self - before.self - (baselineMs / 1000) * frames;
  return { selfMs: (self / frames) * 1000, totalMs: ((self + after.children - before.children) / frames) * 1000, gpus };
}

async function viaSysteminformation(frames: number): Promise<{ selfMs: number; totalMs: number; gpus: number }> {
  const { default: si } = await import('systeminformation');
  const gpus = (await si.graphics()).controllers.filter((c) => c.temperatureGpu !== undefined).length; // warms its caches
  const before = cpuSeconds();
  for (let i = 0; i < frames; i++) await si.graphics();
  const after = cpuSeconds();
  const self = after.self - before.self;
  return { selfMs: (self / frames) * 1000, totalMs: ((self + after.children - before.children) / frames) * 1000, gpus };
}

/** Every simulated second: 8 GPU rows parsed afresh (as one sweep of the loop would be), then one frame. */
function memoryOverTime(capture: string, pass: string): void {
  const sections = loadCapture(capture);
  const plan = planFields(TELEMETRY_FIELDS, parseHelpQueryGpu(findSection(sections, 'capabilities', 'help-query-gpu')!.body.join('\n')));
  const table = queryGpuTable(sections, 'load');
  const lines = table.rows.map((row) =>
    plan.fields.map((f) => row[table.fields.indexOf(f)].replace(/ (W|MiB|MHz|%)$/, '')).join(', '),
  );
  const replay: GpuSampler = {
    name: 'nvidia-smi',
    start() {},
    stop() {},
    latest: () => ({
      gpus: lines.map((line) => {
        const parsed = parseTelemetryRow(line, plan);
        if ('error' in parsed) throw new Error(parsed.error);
        return parsed.sample;
      }),
      health: { probe: 'nvidia-smi', state: 'ok', detail: '' },
    }),
  };
  const telemetry = new TelemetrySampler([replay], new HostProbe());
  const gc = (globalThis as { gc?: () => void }).gc;
  const t0 = Date.now();
  const rows: string[] = [];
  const started = process.hrtime.bigint();
  for (let s = 0; s <= 45 * 60; s++) {
    telemetry.tick(t0 + s * 1000);
    if (s % 900 === 0) {
      gc?.();
      const m = process.memoryUsage();
      rows.push(`  ${String(s / 60).padStart(2)} min: RSS ${(m.rss / 2 ** 20).toFixed(1)} MiB, live heap ${(m.heapUsed / 2 ** 20).toFixed(1)} MiB (V8 reserved ${(m.heapTotal / 2 ** 20).toFixed(1)} MiB), frames kept ${telemetry.recent(900, t0 + s * 1000 + 1).length}`);
    }
  }
  const perTickUs = Number(process.hrtime.bigint() - started) / 1000 / (45 * 60 + 1);
  console.log(`Memory, 8 GPUs, 45 min of 1 Hz frames on a simulated clock, ${pass} (${gc ? 'after gc' : 'run with --expose-gc for steadier figures'}):`);
  for (const row of rows) console.log(row);
  console.log(`  (parse 8 rows + build frame: ${perTickUs.toFixed(0)} µs wall per tick)`);
}

/** CPU seconds and resident MiB of one process, from /proc (Linux). */
function procUsage(pid: number): { cpuS: number; rssMiB: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuS: (Number(stat[11]) + Number(stat[12])) * TICK_S, rssMiB: Number(rss) / 1024 };
}

/**
 * The real worker (`io-worker serve`) with 8 GPUs (SYNTHETIC 8 x H200 capture through the fake
 * nvidia-smi) at 1 Hz, no dashboard connected: its own CPU share of one core and its resident memory,
 * after a warm-up. The fake nvidia-smi is a Node script, so its CPU is shown apart, not as the worker's.
 */
export async function workerProcess(seconds: number): Promise<void> {
  if (process.platform !== 'linux') return console.log('Worker process: measured from /proc, Linux only.');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-bench-serve-'));
  const capture = writeEightH200Capture(dir);
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'io-worker.mjs'), 'serve', '--port', '0', '--data-dir', path.join(dir, 'data'), '--secrets-file'], {
    env: { ...process.env, IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: capture, FAKE_NVIDIA_SMI_STATE: 'load' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes('http://') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    if (!out.includes('http://')) throw new Error(`serve did not start: ${out.slice(-400)}`);
    const warmS = 20;
    await new Promise((r) => setTimeout(r, warmS * 1000));
    const before = procUsage(child.pid!);
    const childrenBefore = cpuSeconds().children;
    let peakRss = before.rssMiB;
    for (let s = 0; s < seconds; s += 5) {
      await new Promise((r) => setTimeout(r, 5000));
      peakRss = Math.max(peakRss, procUsage(child.pid!).rssMiB);
    }
    const after = procUsage(child.pid!);
    const share = ((after.cpuS - before.cpuS) / seconds) * 100;
    const ok = (good: boolean) => (good ? 'meets the goal' : 'MISSES the goal');
    console.log(`Worker process (io-worker serve), 8 GPUs (SYNTHETIC 8 x H200 capture) at 1 Hz, dashboard closed, ${seconds} s after a ${warmS} s warm-up:`);
    console.log(`  CPU: ${share.toFixed(2)} % of one core   (goal < 0.5 %: ${ok(share < 0.5)})`);
    console.log(`  resident memory: ${after.rssMiB.toFixed(1)} MiB at the end, ${peakRss.toFixed(1)} MiB at most   (goal < 120 MiB: ${ok(peakRss < 120)})`);
    console.log(`  (the fake nvidia-smi loop and its one-shot -q / process listings are Node processes, not counted; bench children reaped: ${(cpuSeconds().children - childrenBefore).toFixed(2)} s)`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await workerProcess(Number(process.env.BENCH_WORKER_SECONDS ?? 60));
  const frames = 80;
  const h200 = capturePath('nvidia-h200__590');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-bench-'));
  const eight = writeEightGpuCapture(tmp);
  const tools = toolFolder();
  console.log(`Probes: CPU per telemetry frame, ${frames} frames each, on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}`);
  console.log("  both read the same fake nvidia-smi (a Node script: its start-up stands in for the real tool's)");
  const baselineMs = await idleLoop(frames);
  console.log(`  the bench loop's own timer wake, taken out of ours: ${baselineMs.toFixed(3)} ms per frame`);
  try {
    for (const [label, capture] of [['H200', h200], ['8 GPUs', eight]] as const) {
      tools.use(capture);
      const a = await ours(frames, baselineMs);
      const b = await viaSysteminformation(Math.ceil(frames / 5));
      console.log(`${label}:`);
      console.log(`  ours (one nvidia-smi -lms loop):      ${a.selfMs.toFixed(3)} ms in-process, ${a.totalMs.toFixed(3)} ms with nvidia-smi (${a.gpus} GPUs)`);
      console.log(`  systeminformation.graphics() / frame: ${b.selfMs.toFixed(3)} ms in-process, ${b.totalMs.toFixed(3)} ms with its child processes (${b.gpus} GPUs read)`);
      console.log(`  ratio: ours is ${(b.selfMs / a.selfMs).toFixed(1)}x cheaper in-process, ${(b.totalMs / a.totalMs).toFixed(1)}x cheaper in total`);
    }
    memoryOverTime(eight, 'first pass (V8 grows its reserves)');
    memoryOverTime(eight, 'second pass in the same process');
  } finally {
    fs.rmSync(tools.bin, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
