// The renter's side of a Ray hire on a devnet: a local Ray head on 127.0.0.1 (`ray start --head`)
// and a small job that must land on the hired device's node (it asks for the device's custom
// resource) and returns that node's id. Uses the same managed Ray as the worker.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { processesOf, withDescendants } from './node.ts';
import { runCommand } from './run.ts';
import { defaultRayHome } from './service.ts';
import { ensureRay, type RayInstall } from './venv.ts';

export interface LocalHead {
  address: string;
  install: RayInstall;
  stop(): Promise<void>;
}

/** A Ray head on 127.0.0.1 with no CPUs of its own (work goes to the hired nodes), dashboard off. */
export async function startLocalHead(version: string, log: (line: string) => void): Promise<LocalHead> {
  const install = await ensureRay(version, { home: defaultRayHome(), runAs: null, onProgress: log });
  const port = await freePort();
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-ray-head-'));
  const env = { ...process.env, RAY_USAGE_STATS_ENABLED: '0' };
  const started = await runCommand(install.ray, [
    'start', '--head', '--node-ip-address=127.0.0.1', `--port=${port}`, '--include-dashboard=false',
    '--num-cpus=0', '--num-gpus=0', `--object-store-memory=${75 * 1024 ** 2}`, `--temp-dir=${temp}`, '--disable-usage-stats',
  ], { env, timeoutMs: 120_000 });
  const stop = async () => {
    // Only this head's processes (they name its temp dir) and their children, never every Ray on the machine.
    const uid = process.getuid?.() ?? 0;
    let tree: number[] = [];
    for (let round = 0; round < 15; round++) {
      const named = processesOf(uid).filter((p) => p.cmd.includes(temp) && p.pid !== process.pid).map((p) => p.pid);
      const alive = new Set(processesOf(uid).map((p) => p.pid));
      tree = [...new Set([...withDescendants(named), ...tree])].filter((pid) => alive.has(pid) && pid !== process.pid);
      if (!tree.length) break;
      for (const pid of tree) {
        try { process.kill(pid, round < 5 ? 'SIGTERM' : 'SIGKILL'); } catch { /* gone */ }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    fs.rmSync(temp, { recursive: true, force: true });
  };
  if (started.code !== 0) {
    await stop();
    throw new Error(`The local Ray head did not start: ${(started.err || started.out).trim().split('\n').at(-1)}`);
  }
  return { address: `127.0.0.1:${port}`, install, stop };
}

const JOB = `
import json, os, sys, time, ray
address, resource, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
ray.init(address=address, logging_level="ERROR", log_to_driver=False)
@ray.remote(num_cpus=1, resources={resource: 1})
def where(seconds):
    time.sleep(seconds)
    return {"nodeId": ray.get_runtime_context().get_node_id(), "uid": os.getuid(), "host": os.uname().nodename}
print(json.dumps(ray.get(where.remote(seconds), timeout=float(sys.argv[4]))))
`;

/** Runs one task that needs the device's resource; resolves with the node it ran on. */
export async function runDemoJob(o: { python: string; address: string; deviceId: string; seconds: number; timeoutMs: number }): Promise<{ nodeId: string; uid: number; host: string }> {
  const run = await runCommand(o.python, ['-c', JOB, o.address, o.deviceId, String(o.seconds), String(o.timeoutMs / 1000)], {
    env: { ...process.env, RAY_USAGE_STATS_ENABLED: '0' },
    timeoutMs: o.timeoutMs + 30_000,
  });
  const last = run.out.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as { nodeId: string; uid: number; host: string };
  } catch {
    throw new Error(`The Ray job failed: ${(run.err || run.out).trim().split('\n').at(-1) ?? `exit code ${run.code}`}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export { DEFAULT_RAY_VERSION } from './venv.ts';

/** The Python of the managed Ray `version`, for a driver (installed on first need). */
export async function driverPython(version: string, log: (line: string) => void): Promise<string> {
  return (await ensureRay(version, { home: defaultRayHome(), runAs: null, onProgress: log })).python;
}
