// The Ray integration, for real: the worker's managed Ray (ray==2.58.0 in its venv), a devnet
// coordinator and an `io-worker serve` worker as processes, `io-worker hire --workload ray
// --start-head --job` as the renter: a job that needs the device's resource runs on the worker's
// node (as the unprivileged Ray user, unable to read the worker's keys) and returns its node id;
// the hire ends and no process of the Ray user remains. Needs Linux, root and the ray wheel; set
// IO_WORKER_SKIP_RAY_TEST=1 to skip it on purpose (it then says so), never silently.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SETTINGS_VERSION } from '../../settings/schema.ts';
import { DevicesResponseSchema } from '../explorer-api.ts';
import { ensureRayUser, RAY_USER } from './isolation.ts';
import { endProcesses, ownerMark, processesOf } from './node.ts';
import { runCommand } from './run.ts';
import { defaultRayHome } from './service.ts';
import { DEFAULT_RAY_VERSION, ensureRay, type RayInstall } from './venv.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = path.join(ROOT, 'bin/io-worker.mjs');
const OPT_OUT = process.env.IO_WORKER_SKIP_RAY_TEST === '1';
const HOME = process.env.IO_WORKER_RAY_HOME || defaultRayHome();
const OPERATOR = 'ray-integration-operator';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ray-it-'));
const children = new Set<ChildProcess>();
let testDevice: string | null = null;

function start(args: string[], label: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, IO_WORKER_NVIDIA_SMI: '/nonexistent', ...env } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const waitFor = (re: RegExp, ms: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        const m = text.match(re);
        if (m) { clearInterval(poll); resolve(m); } else if (Date.now() - started > ms || child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`${label}: no ${re} in ${ms} ms; output:\n${text.slice(-4000)}`));
        }
      }, 100);
    });
  return { child, waitFor, output: () => text };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value) return value;
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });

// A second job, the renter's own: it tries to read the worker's secrets file from the Ray node.
const PRYING_JOB = `
import json, os, sys, ray
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
@ray.remote(num_cpus=1, resources={sys.argv[2]: 1})
def pry(path):
    try:
        open(path).read()
        read = "read it"
    except Exception as e:
        read = type(e).__name__
    return {"nodeId": ray.get_runtime_context().get_node_id(), "uid": os.getuid(), "groups": os.getgroups(), "read": read}
print(json.dumps(ray.get(pry.remote(sys.argv[3]), timeout=60)))
`;

interface RayRow { name: string; state: string; detail: string; ray?: { phase: string; nodeId: string | null; resources: { name: string; total: number }[]; tasksRunning: number } | null }

describe('Ray integration: a hired worker joins a real Ray cluster', () => {
  afterAll(async () => {
    await Promise.all([...children].map(stop));
    // After a failure: what this test's worker left behind (only its own node: other runs may share the Ray user).
    // The renter's `hire` stopped its head on SIGTERM.
    const rayUser = process.getuid?.() === 0 && testDevice ? await ensureRayUser() : null;
    if (rayUser?.ok) await endProcesses(rayUser.uid, ownerMark(testDevice!));
    if (testDevice) fs.rmSync(path.join(HOME, 'run', testDevice), { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job pinned to the device on the worker\'s isolated node, then leaves nothing running', async (ctx) => {
    const problem = process.platform !== 'linux' ? 'it needs Linux' : process.getuid?.() !== 0 ? 'it needs root (the worker runs the node as the user io-worker-ray)' : null;
    const user = problem ? null : await ensureRayUser();
    let install: RayInstall | null = null;
    let why = problem ?? (user && !user.ok ? user.reason : null);
    const installStarted = Date.now();
    if (!why && user?.ok) {
      try {
        install = await ensureRay(DEFAULT_RAY_VERSION, { home: HOME, runAs: { uid: user.uid, gid: user.gid }, onProgress: (l) => console.log(`[ray install] ${l}`) });
      } catch (error) {
        why = `the ray==${DEFAULT_RAY_VERSION} wheel could not be installed: ${(error as Error).message}`;
      }
    }
    console.log(`Ray ${DEFAULT_RAY_VERSION} ready in ${((Date.now() - installStarted) / 1000).toFixed(1)} s at ${HOME}`);
    if (why || !install || !user?.ok) {
      if (OPT_OUT) {
        console.warn(`SKIPPED on purpose (IO_WORKER_SKIP_RAY_TEST=1): the Ray integration test cannot run: ${why}`);
        ctx.skip();
      }
      throw new Error(`The Ray integration test cannot run: ${why}. Fix that (see README, "Hire this machine with Ray"), or set IO_WORKER_SKIP_RAY_TEST=1 to skip it on purpose.`);
    }
    const testStarted = Date.now();
    // An owner's own Ray is used as it is, but only for a cluster of the same version.
    const asUser = { uid: user.uid, gid: user.gid };
    expect(await ensureRay(DEFAULT_RAY_VERSION, { home: HOME, userRay: install.ray, runAs: asUser })).toMatchObject({ ray: install.ray, managed: false });
    await expect(ensureRay('2.57.0', { home: HOME, userRay: install.ray, runAs: asUser })).rejects.toThrow(`Your Ray at ${install.ray} is ${DEFAULT_RAY_VERSION}; this hire's cluster runs Ray 2.57.0`);

    const coordinator = start(['coordinator', '--port', '0', '--block-seconds', '30', '--admin-token', OPERATOR], 'coordinator');
    const url = (await coordinator.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 30_000))[1];
    // The owner lends one core and a gigabyte; Ray's ports come from a range of its own.
    const dataDir = path.join(dir, 'worker');
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const portBase = 30_000 + Math.floor(Math.random() * 300) * 100;
    fs.writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ schemaVersion: SETTINGS_VERSION, lending: { gpus: null, cpuCores: 1, memoryGiB: 1, diskGiB: null, vramGiB: null, rayPorts: `${portBase}-${portBase + 40}`, rayPath: null } }));
    const worker = start(['serve', '--port', '0', '--data-dir', dataDir, '--secrets-file', '--network', url], 'serve', { IO_WORKER_RAY_HOME: HOME });
    const deviceId = (await worker.waitFor(/device (dev-[0-9a-f]{16})/, 60_000))[1];
    testDevice = deviceId;
    const dashboard = new URL((await worker.waitFor(/Open the dashboard: (\S+)/, 60_000))[1]);
    const token = dashboard.searchParams.get('token')!;
    const rayRow = async (): Promise<RayRow> => {
      const res = await fetch(new URL('/api/rpc/worker.eligibility', dashboard.origin), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(5000) });
      const reply = (await res.json()) as { ok: boolean; result: { services: RayRow[] } };
      return reply.result.services.find((s) => s.name === 'Ray')!;
    };
    await until('the worker online at the coordinator', async () => {
      const res = await fetch(`${url}/v1/devices`, { headers: { authorization: `Bearer ${OPERATOR}` } });
      return DevicesResponseSchema.parse(await res.json()).devices.some((d) => d.id === deviceId) && (await rayRow()).state === 'stopped';
    }, 60_000);
    const secrets = path.join(dataDir, 'secrets.json');
    expect(fs.existsSync(secrets)).toBe(true);

    // The renter: a local head, a hire of 70 s, and a job that can only run on the device's node.
    const hire = start(['hire', '--network', url, '--token', OPERATOR, '--device', deviceId, '--hours', String(70 / 3600), '--workload', 'ray', '--start-head', '--job', '--job-seconds', '6'], 'hire');
    const head = (await hire.waitFor(/Ray head on (127\.0\.0\.1:\d+)/, 120_000))[1];
    const hireId = (await hire.waitFor(/as (hire-[0-9a-f]+)/, 30_000))[1];
    // While the job runs the Services tab shows the node as Ray reports it, with the task.
    let last: RayRow | null = null;
    const busy = await until('the Ray row showing the node with a task running', async () => {
      const row = (last = await rayRow());
      return row.state === 'running' && row.ray?.phase === 'joined' && row.ray.tasksRunning >= 1 ? row : null;
    }, 90_000).catch((error: Error) => {
      const hireLog = path.join(dataDir, 'hires', `${hireId}.log`);
      throw new Error(`${error.message}\nlast Ray row: ${JSON.stringify(last)}\nhire log:\n${fs.existsSync(hireLog) ? fs.readFileSync(hireLog, 'utf8').slice(-3000) : '(none)'}\nworker:\n${worker.output().slice(-2000)}\nrenter:\n${hire.output().slice(-1500)}`);
    });
    const nodeId = (await hire.waitFor(/The job ran on Ray node ([0-9a-f]{56})/, 120_000))[1];
    expect(busy.ray!.nodeId).toBe(nodeId);
    expect(busy.ray!.resources).toEqual(expect.arrayContaining([{ name: 'CPU', total: 1, used: expect.any(Number) }, { name: deviceId, total: 1, used: expect.any(Number) }]));
    expect(busy.ray!.resources.find((r) => r.name === 'memory')!.total).toBe(1024 ** 3);
    expect(busy.detail).toMatch(/Offers 1 CPU, 1\.0 GiB memory, 0\.\d GiB object store; [1-9] tasks? running\./);

    // The renter's code runs as the Ray user, without the worker's groups, and cannot read its keys.
    const pried = await runCommand(install.python, ['-c', PRYING_JOB, head, deviceId, secrets], { env: { ...process.env, RAY_USAGE_STATS_ENABLED: '0' }, timeoutMs: 90_000 });
    const answer = JSON.parse(pried.out.trim().split('\n').at(-1) ?? 'null') as { nodeId: string; uid: number; groups: number[]; read: string } | null;
    expect(answer, pried.err.slice(-2000)).toMatchObject({ nodeId, uid: user.uid, read: 'PermissionError' });
    expect(answer!.groups).not.toContain(0);

    const log = fs.readFileSync(path.join(dataDir, 'hires', `${hireId}.log`), 'utf8');
    expect(log).toMatch(new RegExp(`ray start --address=${head.replace(/\./g, '\\.')} --num-cpus=1 --num-gpus=0 --memory=1073741824 --object-store-memory=\\d+ --resources=\\{"${deviceId}":1\\} --labels=io\\.net/device=${deviceId} .*--node-manager-port=${portBase} .*--max-worker-port=${portBase + 40} --disable-usage-stats --block`));

    // The hire ends: the head goes, and so does every process of the Ray user and the node's folder.
    await hire.waitFor(new RegExp(`${hireId} ended`), 120_000);
    await until('the hire process to exit', async () => hire.child.exitCode !== null, 30_000);
    expect(hire.child.exitCode).toBe(0);
    const stopped = await until('the Ray row stopped', async () => { const row = await rayRow(); return row.state === 'stopped' ? row : null; }, 30_000);
    expect(stopped.detail).toMatch(/^Stopped/);
    expect(processesOf(user.uid, ownerMark(deviceId))).toEqual([]);
    expect(fs.readdirSync(path.join(HOME, 'run', deviceId))).toEqual([]);
    expect(fs.readFileSync(path.join(dataDir, 'hires', `${hireId}.log`), 'utf8')).toMatch(/ray stop: /);
    console.log(`Ray integration: ${((Date.now() - testStarted) / 1000).toFixed(1)} s from the coordinator's start to a clean end (user ${RAY_USER})`);
  }, 30 * 60_000);
});
