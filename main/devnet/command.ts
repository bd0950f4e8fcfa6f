// The devnet's command-line parts: `io-worker coordinator` (a standalone network) and
// `io-worker hire` (reserve a device on a devnet). main/cli.ts parses, these run.
import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { ErrorResponseSchema, HireSchema, HiresResponseSchema, PublicHiresResponseSchema } from '../worker/explorer-api.ts';
import type { z } from 'zod';
import { PROTOCOL_VERSION, RAY_VERSION_PATTERN } from '../worker/protocol.ts';
import { Coordinator } from './coordinator.ts';
import { loadParamsFile, resolveParams } from './params.ts';

type Values = Record<string, string | boolean | undefined>;
interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const COORDINATOR_OPTIONS: ParseArgsConfig['options'] = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '7430' },
  'data-dir': { type: 'string' },
  params: { type: 'string' },
  'block-seconds': { type: 'string' },
  'admin-token': { type: 'string' },
};

export const HIRE_OPTIONS: ParseArgsConfig['options'] = {
  network: { type: 'string' },
  device: { type: 'string' },
  hours: { type: 'string', default: '1' },
  workload: { type: 'string', default: 'benchmark' },
  address: { type: 'string' },
  image: { type: 'string' },
  list: { type: 'boolean', default: false },
  token: { type: 'string' },
  'start-head': { type: 'boolean', default: false },
  'ray-version': { type: 'string' },
  job: { type: 'boolean', default: false },
  'job-seconds': { type: 'string', default: '5' },
};

/** The renter's Ray tools (main/worker/ray/demo.ts), handed in by the CLI so the devnet imports no worker internals. */
export interface RayDemo {
  DEFAULT_RAY_VERSION: string;
  startLocalHead(version: string, log: (line: string) => void): Promise<{ address: string; install: { python: string }; stop(): Promise<void> }>;
  runDemoJob(o: { python: string; address: string; deviceId: string; seconds: number; timeoutMs: number }): Promise<{ nodeId: string; uid: number; host: string }>;
  driverPython(version: string, log: (line: string) => void): Promise<string>;
}

export const DEVNET_USAGE = `  coordinator  Run a standalone devnet coordinator that several workers join.
              --host <addr>          address to bind (default 127.0.0.1)
              --port <n>             port (default 7430; 0 picks a free one)
              --data-dir <dir>       its store (default: in memory, lost on exit)
              --params <file>        network parameters (JSON; any subset of the defaults)
              --block-seconds <n>    block length (default 3600)
              --admin-token <t>      the operator's token for hires (default: $IO_WORKER_ADMIN_TOKEN, else random, printed)
  hire      Reserve a device on a devnet and run a workload on it.
              --network <url>        the coordinator (required)
              --device <id>          the device (see GET /v1/devices)
              --hours <n>            how long (default 1)
              --workload <kind>      benchmark | ray | container (default benchmark)
              --address <host:port>  the Ray head (ray)      --image <name>  the image (container)
              --start-head           (ray) start a local Ray head on 127.0.0.1 for the hire, stopped when it ends
              --ray-version <x.y.z>  (ray) the cluster's Ray version, installed by the worker (default 2.58.0 with --start-head)
              --job                  (ray) run a small job that must land on the device's node; prints its node id
              --job-seconds <n>      (ray) how long the job's task runs (default 5)
              --token <t>            the coordinator's admin token (default: $IO_WORKER_ADMIN_TOKEN)
              --list                 list the hires instead
`;

/** Thrown for bad flags; the CLI prints it with the usage text. */
export class DevnetUsageError extends Error {}

export async function runCoordinator(values: Values, io: Io): Promise<() => Promise<void>> {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DevnetUsageError(`--port must be 0..65535, not ${values.port}`);
  let blockSeconds: number | undefined;
  if (values['block-seconds'] !== undefined) {
    blockSeconds = Number(values['block-seconds']);
    if (!Number.isInteger(blockSeconds) || blockSeconds < 1) throw new DevnetUsageError(`--block-seconds must be a whole number ≥ 1, not ${values['block-seconds']}`);
  }
  const params = values.params
    ? loadParamsFile(String(values.params), blockSeconds)
    : resolveParams(blockSeconds ? { blockSeconds } : {});
  const dataDir = values['data-dir'] ? String(values['data-dir']) : null;
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const coordinator = await Coordinator.start({
    host: String(values.host),
    port,
    dataDir,
    params,
    adminToken: values['admin-token'] ? String(values['admin-token']) : process.env.IO_WORKER_ADMIN_TOKEN || undefined,
    log: (m) => io.err(`[coordinator] ${m}\n`),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new Error(`Port ${port} is in use; pick another with --port (0 = any free port).`);
    throw error;
  });
  io.out(`Coordinator listening on ${coordinator.url} (protocol v${PROTOCOL_VERSION}, a block every ${params.blockSeconds} s).\n`);
  io.out(`Store: ${dataDir ?? 'in memory'}\nExplorer: ${coordinator.url}/v1/devices  ${coordinator.url}/v1/blocks\n`);
  io.out(`Admin token (for io-worker hire --token): ${coordinator.adminToken}\n`);
  return () => coordinator.close();
}

export async function runHire(values: Values, io: Io, deps: { ray?: () => Promise<RayDemo> } = {}): Promise<number> {
  if (!values.network) throw new DevnetUsageError('hire needs --network <url>');
  const base = String(values.network);
  if (values.list) {
    // With the admin token the operator's view (workloads too); without, what the public sees.
    const token = values.token ? String(values.token) : process.env.IO_WORKER_ADMIN_TOKEN;
    const res = await fetch(new URL('/v1/hires', base), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
    const { hires } = (token ? HiresResponseSchema : PublicHiresResponseSchema).parse(await res.json());
    for (const h of hires) io.out(`${h.id}  ${h.deviceId}  ${h.status}  ${h.hours} h  served ${h.minutesServed.toFixed(1)} min  paid ${h.paidAmount.toFixed(4)}\n`);
    if (hires.length === 0) io.out('No hires yet.\n');
    return 0;
  }
  if (!values.device) throw new DevnetUsageError('hire needs --device <id>');
  const hours = Number(values.hours);
  if (!(hours > 0)) throw new DevnetUsageError(`--hours must be a positive number, not ${values.hours}`);
  const kind = String(values.workload);
  if (kind === 'ray') return runRayHire(values, io, hours, deps.ray);
  const workload =
    kind === 'benchmark' ? { kind }
    : kind === 'container' ? { kind, image: values.image ? String(values.image) : (() => { throw new DevnetUsageError('a container hire needs --image <name>'); })(), args: [] }
    : (() => { throw new DevnetUsageError(`--workload must be benchmark, ray or container, not ${kind}`); })();
  return (await postHire(values, io, hours, workload)) ? 0 : 1;
}

/** Asks the coordinator for the hire (the operator's token); prints it, or why it was refused. */
async function postHire(values: Values, io: Io, hours: number, workload: unknown): Promise<z.infer<typeof HireSchema> | null> {
  const token = values.token ? String(values.token) : process.env.IO_WORKER_ADMIN_TOKEN;
  if (!token) throw new DevnetUsageError('hire needs the coordinator\'s admin token: --token <t> or IO_WORKER_ADMIN_TOKEN');
  const res = await fetch(new URL('/v1/hires', String(values.network)), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ deviceId: values.device, hours, workload }),
    signal: AbortSignal.timeout(10_000),
  });
  const body: unknown = await res.json();
  if (!res.ok) {
    io.err(`io-worker: the coordinator refused the hire: ${ErrorResponseSchema.safeParse(body).data?.error.message ?? res.status}\n`);
    return null;
  }
  const hire = HireSchema.parse(body);
  io.out(`Hired ${values.device} for ${hours} h as ${hire.id} (until ${new Date(hire.endsAt).toISOString()}).\n`);
  return hire;
}

/**
 * A Ray hire: with --start-head a local head on 127.0.0.1 for the hire's time; with --job a task
 * that needs the device's resource, so it can only run on the hired node, and prints that node's id.
 */
async function runRayHire(values: Values, io: Io, hours: number, loadRay: (() => Promise<RayDemo>) | undefined): Promise<number> {
  const version = values['ray-version'] ? String(values['ray-version']) : undefined;
  if (version !== undefined && !RAY_VERSION_PATTERN.test(version)) throw new DevnetUsageError(`--ray-version is three numbers such as 2.58.0, not ${version}`);
  const seconds = Number(values['job-seconds']);
  if (!(seconds >= 0 && seconds <= 3600)) throw new DevnetUsageError(`--job-seconds must be 0..3600, not ${values['job-seconds']}`);
  if (!values.address && !values['start-head']) throw new DevnetUsageError('a ray hire needs --address <host:port> or --start-head');
  const needsRay = Boolean(values['start-head'] || values.job);
  const ray = needsRay ? await (loadRay ?? (() => Promise.reject(new Error('This command cannot run Ray here.'))))() : null;
  const clusterVersion = version ?? (ray ? ray.DEFAULT_RAY_VERSION : undefined);
  const progress = (line: string) => io.err(`[ray] ${line}\n`);
  const head = values['start-head'] ? await ray!.startLocalHead(clusterVersion!, progress) : null;
  if (head) io.out(`Ray head on ${head.address} (Ray ${clusterVersion}); it stops when the hire ends.\n`);
  const stopHead = () => { void head?.stop().then(() => process.exit(130)); };
  if (head) for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stopHead);
  try {
    const address = head?.address ?? String(values.address);
    const hire = await postHire(values, io, hours, { kind: 'ray', address, ...(clusterVersion ? { version: clusterVersion } : {}) });
    if (!hire) return 1;
    if (values.job) {
      const python = head?.install.python ?? (await ray!.driverPython(clusterVersion!, progress));
      io.out(`Submitting a job that needs the resource ${hire.deviceId} (the hired device's node)...\n`);
      const ran = await ray!.runDemoJob({ python, address, deviceId: hire.deviceId, seconds, timeoutMs: 180_000 });
      io.out(`The job ran on Ray node ${ran.nodeId} (device ${hire.deviceId}, uid ${ran.uid}).\n`);
    }
    if (head) {
      io.out(`Waiting for ${hire.id} to end (${new Date(hire.endsAt).toISOString()})...\n`);
      await waitForEnd(String(values.network), hire.id, hire.endsAt, values);
      io.out(`${hire.id} ended.\n`);
    }
    return 0;
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, stopHead);
    await head?.stop();
  }
}

async function waitForEnd(base: string, hireId: string, endsAt: number, values: Values): Promise<void> {
  const token = values.token ? String(values.token) : process.env.IO_WORKER_ADMIN_TOKEN;
  while (Date.now() < endsAt + 60_000) {
    await new Promise((r) => setTimeout(r, 1000));
    const res = await fetch(new URL('/v1/hires', base), { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) }).catch(() => null);
    const hires = res?.ok ? HiresResponseSchema.safeParse(await res.json()).data?.hires : undefined;
    if (hires?.find((h) => h.id === hireId)?.status !== 'running' && hires) return;
  }
}
