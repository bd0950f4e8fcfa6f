// Issue 14's "Done when", end to end with real processes: a standalone `io-worker coordinator`, two
// `io-worker serve --network` workers on separate data dirs (the fake nvidia-smi replaying the H200
// and the H100 captures), the second joined with `--pair CODE` from the first's local API. Both are in
// each worker's network.devices (what either dashboard shows), a real Prometheus scrapes both,
// `io-worker status` prints each one's state and lists the other, and restarts keep every device id.
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { NetworkDevices, PairingCode } from '../../preload/contract/index.ts';
import { RENDERER_DIR } from '../paths.ts';
import { loadCapture, queryGpuTable } from '../probes/testing/capture-file.mjs';
import { FAKE_NVIDIA_SMI, capturePath } from '../probes/testing/captures.ts';
import type { StatusReport } from './status-command.ts';
import { freePort, startProcess, type Started } from '../../test/processes.ts';

const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'io-worker.mjs');
const built = fs.existsSync(path.join(RENDERER_DIR, 'index.html'));
const prometheus = spawnSync('prometheus', ['--version'], { encoding: 'utf8' }).status === 0;
if (!prometheus) console.warn('two-machines: no `prometheus` binary (Debian: apt install prometheus; CI installs it), so its scrape of both workers is skipped');
if (!built) console.warn('two-machines: the dashboard is not built (out/renderer), so this test is skipped; `electron-vite build` makes it');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-two-machines-'));
const children = new Set<ChildProcess>();
const run = promisify(execFile);

/** SIGTERM, then SIGKILL after 5 s: every process this file starts ends. */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

afterAll(async () => {
  await Promise.all([...children].map(stop));
  fs.rmSync(root, { recursive: true, force: true });
}, 20_000);

const start = (command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp) => startProcess(command, args, env, ready, children);

/** Polls `fn` until it gives a value, for at most `ms`; the last error says what was missing. */
async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const started = Date.now();
  let last: unknown = null;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() - started > ms) throw new Error(`no ${what} in ${ms} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const idleTemperature = (capture: string) => {
  const table = queryGpuTable(loadCapture(capture), 'idle');
  return Number(table.rows[0]![table.fields.indexOf('temperature.gpu')]);
};

type PromAnswer = { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };

interface Machine {
  name: string;
  dataDir: string;
  port: number;
  capture: string;
  temperature: number;
  worker: Started | null;
  url: string;
  deviceId: string;
}

async function serve(m: Machine, network: string, extra: string[] = []): Promise<void> {
  const env = {
    ...process.env,
    IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI,
    FAKE_NVIDIA_SMI_CAPTURE: m.capture,
    // No Secret Service, as on a server reached over SSH: the keys go to the data dir's 0600 file.
    DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/io-worker-test-bus',
    DISPLAY: '',
  };
  const args = [BIN, 'serve', '--network', network, '--data-dir', m.dataDir, '--port', String(m.port), ...extra];
  m.worker = await start(process.execPath, args, env, /Open the dashboard: (\S+)/);
  m.url = m.worker.match[1]!;
  m.deviceId = /running headless \(device (dev-[0-9a-f]{16})\)/.exec(m.worker.output())![1]!;
}

async function rpc<T>(m: Machine, channel: string, args: unknown = {}): Promise<T> {
  const url = new URL(m.url);
  const res = await fetch(new URL(`/api/rpc/${channel}`, url.origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${url.searchParams.get('token')}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
    signal: AbortSignal.timeout(5000),
  });
  const reply = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!reply.ok) throw new Error(`${channel}: ${reply.error?.message}`);
  return reply.result as T;
}

/** The account's machines in this worker's network.devices (the rows of Home's "Your devices"), once both show. */
async function accountOf(m: Machine, ids: string[]): Promise<NetworkDevices['devices']> {
  return until(`both machines in ${m.name}'s network.devices`, async () => {
    const { devices } = await rpc<NetworkDevices>(m, 'network.devices');
    const own = devices.find((d) => d.id === m.deviceId);
    const mine = devices.filter((d) => own?.account && d.account === own.account);
    return ids.every((id) => mine.some((d) => d.id === id)) && mine;
  }, 30_000);
}

async function status(m: Machine): Promise<{ report: StatusReport; ms: number; stdout: string }> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, [BIN, 'status', '--json', '--data-dir', m.dataDir], { timeout: 10_000 });
  return { report: JSON.parse(stdout) as StatusReport, ms: performance.now() - started, stdout };
}

/** `status --json` once it lists the other machine with its figures (the network hears a heartbeat every 2 s here). */
async function statusListing(m: Machine, other: Machine) {
  return until(`${other.name} with its temperature in ${m.name}'s status`, async () => {
    const got = await status(m);
    const row = got.report.account.machines.find((r) => r.deviceId === other.deviceId);
    return row?.temperatureC === other.temperature && { ...got, row };
  }, 30_000);
}

describe('two serve workers on one machine, paired into one account', () => {
  const a: Machine = { name: 'A', dataDir: path.join(root, 'a'), port: 0, capture: capturePath('nvidia-h200__'), temperature: 0, worker: null, url: '', deviceId: '' };
  const b: Machine = { name: 'B', dataDir: path.join(root, 'b'), port: 0, capture: capturePath('nvidia-h100-80gb'), temperature: 0, worker: null, url: '', deviceId: '' };
  let coordinator: Started;
  let network = '';
  /** Prometheus's HTTP API, once it runs; null where it is not installed. */
  let promQuery: ((q: string) => Promise<PromAnswer>) | null = null;
  const targetOf = (m: Machine) => `127.0.0.1:${m.port}`;

  it.skipIf(!built)('pair: B joins A\'s account with a code from A\'s local API; both are on either dashboard', async () => {
    a.temperature = idleTemperature(a.capture);
    b.temperature = idleTemperature(b.capture);
    expect(a.temperature).not.toBe(b.temperature); // so each scrape and row is told apart by its value
    [a.port, b.port] = [await freePort(), await freePort()];
    const params = path.join(root, 'params.json');
    // Heartbeats every 2 s so the fleet figures come quickly; long blocks so no proof work loads the cores.
    fs.writeFileSync(params, JSON.stringify({ blockSeconds: 600, heartbeat: { intervalSeconds: 2, offlineAfterSeconds: 60 }, eligibility: { minUptimeSeconds: 0, requireWallet: false } }));
    coordinator = await start(process.execPath, [BIN, 'coordinator', '--port', '0', '--data-dir', path.join(root, 'coordinator'), '--params', params], process.env, /Coordinator listening on (http:\/\/127\.0\.0\.1:\d+)/);
    network = coordinator.match[1]!;

    await serve(a, network);
    // A's code the way an owner on SSH gets it: `io-worker pair`, which prints the command for B too.
    const code = await until('a pairing code from `io-worker pair` on A', async () => {
      const { stdout } = await run(process.execPath, [BIN, 'pair', '--data-dir', a.dataDir], { timeout: 10_000 });
      const found = /--pair ([0-9A-HJKMNP-TV-Z]{8})$/m.exec(stdout);
      expect(stdout).toMatch(/^Pairing code: [0-9A-Z]{4}-[0-9A-Z]{4} {2}\(single use; expires at \d\d:\d\d, in 10 min\)$/m);
      expect(stdout).toContain(`npm run io-worker -- serve --network ${network} --pair `);
      return found![1]!;
    }, 20_000);
    const asJson = JSON.parse((await run(process.execPath, [BIN, 'pair', '--json', '--data-dir', a.dataDir], { timeout: 10_000 })).stdout) as PairingCode;
    expect(asJson.code).not.toBe(code); // each call is a new single-use code
    expect(asJson.network).toBe(network);
    await serve(b, network, ['--pair', code]);
    await until('"Paired" from B', async () => /Paired: this machine now belongs to account acct-[0-9a-f]{16}/.test(b.worker!.output()), 30_000);
    expect(b.deviceId).not.toBe(a.deviceId);

    const [onA, onB] = await Promise.all([accountOf(a, [a.deviceId, b.deviceId]), accountOf(b, [a.deviceId, b.deviceId])]);
    expect(onA.map((d) => d.id).sort()).toEqual([a.deviceId, b.deviceId].sort());
    expect(onB.map((d) => d.id).sort()).toEqual([a.deviceId, b.deviceId].sort());
    expect(new Set([...onA, ...onB].map((d) => d.account)).size).toBe(1);
  }, 90_000);

  it.skipIf(!built || !prometheus)('a real Prometheus scrapes both workers: each GPU temperature as its capture says', async () => {
    const port = await freePort();
    const config = path.join(root, 'prometheus.yml');
    const targets = [a, b].map(targetOf);
    fs.writeFileSync(config, `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: io-worker\n    static_configs:\n      - targets: ['${targets.join("', '")}']\n`);
    await start('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(root, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`], process.env, /Server is ready to receive web requests/);
    const query = async (q: string) => (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(5000) })).json()) as PromAnswer;
    promQuery = query;
    const temps = await until('both GPU temperatures in Prometheus', async () => {
      const answer = await query('DCGM_FI_DEV_GPU_TEMP');
      return answer.data.result.length === 2 && answer.data.result;
    }, 30_000);
    // Each scrape target is one worker: its io_worker_info names the device, its GPU series the capture's card.
    const info = await until('io_worker_info of both', async () => {
      const answer = await query('io_worker_info');
      return answer.data.result.length === 2 && answer.data.result;
    }, 10_000);
    for (const [i, m] of [a, b].entries()) {
      const series = temps.find((s) => s.metric.instance === targets[i]);
      expect(series, `${m.name}'s GPU temperature at ${targets[i]}`).toBeDefined();
      expect(series!.metric.modelName).toBe(m === a ? 'NVIDIA H200' : 'NVIDIA H100 80GB HBM3');
      expect(Number(series!.value[1])).toBe(m.temperature);
      expect(info.find((s) => s.metric.instance === targets[i])?.metric.device).toBe(m.deviceId);
    }
  }, 60_000);

  it.skipIf(!built)('`io-worker status` on each prints its own state and lists the other machine, in under 500 ms', async () => {
    for (const [m, other] of [[a, b], [b, a]] as const) {
      const { report, row } = await statusListing(m, other);
      expect(report.status.deviceId).toBe(m.deviceId);
      expect(report.network.connection).toBe('online');
      expect(report.account.state).toBe('listed');
      expect(report.account.machines.map((r) => r.deviceId)).toEqual([other.deviceId]);
      expect(row).toMatchObject({ state: 'active', quietSince: null, temperatureC: other.temperature, earnedToday: 0 });
      expect(row.powerW).toBeGreaterThan(0);
      const timings: number[] = [];
      for (let i = 0; i < 3; i++) timings.push((await status(m)).ms);
      console.log(`io-worker status --json (${m.name}, with the account's machines): ${timings.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
      expect(Math.min(...timings)).toBeLessThan(500);
      const { stdout } = await run(process.execPath, [BIN, 'status', '--data-dir', m.dataDir], { timeout: 10_000 });
      expect(stdout).toContain(m.deviceId);
      expect(stdout).toMatch(new RegExp(`^Account: +acct-[0-9a-f]{16}: 1 other machine`, 'm'));
      expect(stdout).toMatch(new RegExp(`^  .+  ${other.deviceId}  active +\\| +${other.temperature}°C`, 'm'));
    }
  }, 60_000);

  it.skipIf(!built)('restarting each worker keeps its device id, and both still list each other', async () => {
    const restartedAt = Date.now();
    for (const m of [a, b]) {
      const before = m.deviceId;
      expect(await stop(m.worker!.child)).toBe(0);
      await serve(m, network); // no --pair: the membership is kept in the data dir and the network
      expect(m.deviceId).toBe(before);
    }
    for (const [m, other] of [[a, b], [b, a]] as const) {
      await accountOf(m, [a.deviceId, b.deviceId]);
      const { report } = await statusListing(m, other);
      expect(report.status.deviceId).toBe(m.deviceId);
    }
    // Prometheus scrapes the restarted workers on the same ports: samples after the restart, the same device ids.
    if (promQuery) {
      for (const m of [a, b]) {
        const fresh = await until(`a scrape of ${m.name} after its restart`, async () => {
          const [series] = (await promQuery!(`timestamp(io_worker_info{instance="${targetOf(m)}"})`)).data.result;
          return series && Number(series.value[1]) * 1000 > restartedAt && series;
        }, 20_000);
        expect(fresh.metric.device).toBe(m.deviceId);
      }
    }
  }, 90_000);

  it.skipIf(!built)('with the network gone, status says so and invents no rows', async () => {
    await stop(coordinator.child);
    const { report, stdout } = await until('"unreachable" in A\'s status', async () => {
      const got = await status(a);
      return got.report.account.state === 'unreachable' && got;
    }, 20_000);
    expect(report.account.machines).toEqual([]);
    expect(stdout).toContain(a.deviceId);
    const screen = await run(process.execPath, [BIN, 'status', '--data-dir', a.dataDir], { timeout: 10_000 });
    expect(screen.stdout).toMatch(/^Account: +the network cannot be reached \(.+\); the worker keeps no list of the other machines, so none are shown\.$/m);
  }, 30_000);
});
