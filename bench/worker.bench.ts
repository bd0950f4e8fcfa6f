// The worker process with eight GPUs at 1 Hz and no dashboard open: its CPU (share of one core) and
// its resident memory, each against the goal. A real `io-worker serve` samples the SYNTHETIC
// 8 x H200 capture (eight copies of the real H200 one) through the fake nvidia-smi; the network
// address refuses at once, so no traffic is measured. Side by side: as shipped (compile cache on,
// warmed by a first start) and with the cache off (Node strips the TypeScript in the process).
// `npm run bench -- worker --seconds=300` measures over 5 minutes (the span); CI's default is shorter.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FAKE_NVIDIA_SMI, REPO_ROOT, writeEightH200Capture } from '../main/probes/testing/captures.ts';

const TICK_S = 1 / 100; // USER_HZ on Linux
const CPU_GOAL_PCT = 0.5;
const RSS_GOAL_MIB = 120;
const WARMUP_S = 20;

function secondsFlag(): number {
  const flag = process.argv.find((a) => a.startsWith('--seconds='));
  const seconds = flag ? Number(flag.slice('--seconds='.length)) : 60;
  if (!Number.isFinite(seconds) || seconds < 5) throw new Error(`--seconds must be a number of seconds, 5 or more (got ${flag})`);
  return seconds;
}

const stat = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
const cpuTicks = (pid: number) => Number(stat(pid)[11]) + Number(stat(pid)[12]); // utime + stime, this process only
function memory(pid: number): { rss: number; anon: number; file: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kib('VmRSS'), anon: kib('RssAnon'), file: kib('RssFile') };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Figures {
  cpuPct: number;
  rssMax: number;
  rssEnd: number;
  anonEnd: number;
  fileEnd: number;
}

/** Starts a worker, lets it settle, then measures it over `seconds`. */
async function measure(capture: string, seconds: number, env: NodeJS.ProcessEnv): Promise<Figures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-worker-bench-'));
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'io-worker.mjs'), 'serve', '--port', '0', '--data-dir', dataDir, '--network', 'http://127.0.0.1:9'], {
    cwd: REPO_ROOT,
    env: { ...process.env, IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI, FAKE_NVIDIA_SMI_CAPTURE: capture, FAKE_NVIDIA_SMI_STATE: 'alternate', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  try {
    const started = Date.now();
    while (!/Open the dashboard/.test(output)) {
      if (child.exitCode !== null || Date.now() - started > 30_000) throw new Error(`serve did not start:\n${output}`);
      await sleep(100);
    }
    await sleep(WARMUP_S * 1000);
    const pid = child.pid!;
    const ticks0 = cpuTicks(pid);
    const t0 = performance.now();
    let rssMax = 0;
    for (let waited = 0; waited < seconds; waited += 5) {
      await sleep(Math.min(5, seconds - waited) * 1000);
      rssMax = Math.max(rssMax, memory(pid).rss);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const end = memory(pid);
    return { cpuPct: ((cpuTicks(pid) - ticks0) * TICK_S * 100) / elapsed, rssMax, rssEnd: end.rss, anonEnd: end.anon, fileEnd: end.file };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  if (process.platform !== 'linux') return console.log('worker bench: reads /proc, Linux only (skipped)');
  const seconds = secondsFlag();
  const capture = writeEightH200Capture();
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-compile-cache-'));
  const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER GOAL');
  const mib = (v: number) => `${v.toFixed(0)} MiB`;
  try {
    console.log(`worker, 8 GPUs (SYNTHETIC 8 x H200) at 1 Hz, dashboard closed: ${WARMUP_S} s to settle, then measured over ${seconds} s (--seconds=N to change)`);
    // A first start fills the compile cache, as any start after the first finds it.
    await measure(capture, 5, { NODE_COMPILE_CACHE: cache });
    const shipped = await measure(capture, seconds, { NODE_COMPILE_CACHE: cache });
    const stripping = await measure(capture, seconds, { NODE_DISABLE_COMPILE_CACHE: '1' });
    const line = (name: string, f: Figures) =>
      `  ${name}: CPU ${f.cpuPct.toFixed(2)} % of a core (goal < ${CPU_GOAL_PCT} %: ${verdict(f.cpuPct < CPU_GOAL_PCT)}), ` +
      `resident ${mib(f.rssEnd)} at the end, ${mib(f.rssMax)} at most (goal < ${RSS_GOAL_MIB} MiB: ${verdict(f.rssMax < RSS_GOAL_MIB)}; ` +
      `${mib(f.anonEnd)} its own, ${mib(f.fileEnd)} the node binary's pages shared with other Node processes)`;
    console.log(line('as shipped (compile cache)', shipped));
    console.log(line('compile cache off        ', stripping));
    console.log(`  compile cache saves ${mib(stripping.rssEnd - shipped.rssEnd)} resident (${((1 - shipped.rssEnd / stripping.rssEnd) * 100).toFixed(0)} %)`);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
    fs.rmSync(path.dirname(capture), { recursive: true, force: true });
  }
}
