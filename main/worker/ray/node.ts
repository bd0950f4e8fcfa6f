// One Ray worker node for one hire: its `ray start` command line (resources from the hire's
// reservation within the owner's caps, a resource naming the device, a small object store, ports
// in the configured range, no usage stats), its private folder, and its end: `ray stop` as the
// Ray user (so it can touch nothing else), every process of this node ended, its folders removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunAs } from './run.ts';
import { runCommand } from './run.ts';

/** What the owner lends a hire (Settings' lending caps); null: the whole machine. */
export interface LendingCaps {
  cpuCores: number | null;
  memoryGiB: number | null;
  /** GPU indexes lent to hires; null: every GPU. */
  gpus: number[] | null;
}

export interface PortRange {
  first: number;
  last: number;
}

/** Ray's own fixed ports plus at least this many for its worker processes. */
const FIXED_PORTS = 6;
const MIN_WORKER_PORTS = 10;
/** Ray refuses an object store under 75 MiB. */
const MIN_OBJECT_STORE = 75 * 1024 ** 2;

/** Environment marks of a node's processes: the worker (device) and the hire they belong to. */
export const OWNER_VAR = 'IO_WORKER_RAY_OWNER';
export const NODE_VAR = 'IO_WORKER_RAY_NODE';
export const ownerMark = (deviceId: string) => `${OWNER_VAR}=${deviceId}`;
export const nodeMark = (deviceId: string, hireId: string) => `${NODE_VAR}=${deviceId}/${hireId}`;

export const DEFAULT_RAY_PORTS: PortRange = { first: 20_000, last: 20_199 };

export interface NodeResources {
  cpus: number;
  gpus: number[];
  memoryBytes: number;
  objectStoreBytes: number;
}

/** The node's resources: the machine (the hire reserves it) within the owner's caps. */
export function nodeResources(caps: LendingCaps, machine: { cpus: number; memoryBytes: number; gpus: number[]; shmFreeBytes: number | null }): NodeResources {
  const cpus = Math.max(1, Math.min(machine.cpus, caps.cpuCores ?? machine.cpus));
  // A gigabyte stays with the worker and the system when the owner set no cap.
  const memoryBytes = Math.floor(Math.max(512 * 1024 ** 2, Math.min(machine.memoryBytes - 1024 ** 3, (caps.memoryGiB ?? Infinity) * 1024 ** 3)));
  const gpus = caps.gpus === null ? machine.gpus : machine.gpus.filter((g) => caps.gpus!.includes(g));
  // Sized to the machine: a tenth of the node's memory, within what /dev/shm has free.
  const shmRoom = machine.shmFreeBytes === null ? Infinity : machine.shmFreeBytes / 2;
  const objectStoreBytes = Math.floor(Math.max(MIN_OBJECT_STORE, Math.min(memoryBytes / 10, shmRoom, 8 * 1024 ** 3)));
  return { cpus, gpus, memoryBytes, objectStoreBytes };
}

/** The custom resource a renter's job asks for to land on this device (its device id). */
export function deviceResource(deviceId: string): string {
  return deviceId;
}

export function parsePortRange(text: string): PortRange {
  const m = /^(\d{4,5})-(\d{4,5})$/.exec(text.trim());
  const range = m ? { first: Number(m[1]), last: Number(m[2]) } : null;
  if (!range || range.first < 1024 || range.last > 65535 || range.last - range.first + 1 < FIXED_PORTS + MIN_WORKER_PORTS) {
    throw new Error(`A Ray port range is first-last within 1024-65535 and holds at least ${FIXED_PORTS + MIN_WORKER_PORTS} ports, not ${JSON.stringify(text.slice(0, 40))}.`);
  }
  return range;
}

export interface NodePlan {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The node's own folder (home, TMPDIR): removed at the end. */
  dir: string;
  /** Ray's temp dir, short (its socket paths must fit 107 bytes) and removed at the end. */
  rayTemp: string;
}

/** `ray start --address=HEAD --block` with everything pinned; the order's values are checked patterns. */
export function planNode(o: { ray: string; address: string; deviceId: string; hireDir: string; rayTemp: string; resources: NodeResources; ports: PortRange; nodeIp?: string }): NodePlan {
  const p = o.ports.first;
  const r = o.resources;
  const args = [
    'start',
    `--address=${o.address}`,
    ...(o.nodeIp ? [`--node-ip-address=${o.nodeIp}`] : []),
    `--num-cpus=${r.cpus}`,
    `--num-gpus=${r.gpus.length}`,
    `--memory=${r.memoryBytes}`,
    `--object-store-memory=${r.objectStoreBytes}`,
    `--resources=${JSON.stringify({ [deviceResource(o.deviceId)]: 1 })}`,
    `--labels=io.net/device=${o.deviceId}`,
    `--temp-dir=${o.rayTemp}`,
    `--node-manager-port=${p}`,
    `--object-manager-port=${p + 1}`,
    `--runtime-env-agent-port=${p + 2}`,
    `--dashboard-agent-grpc-port=${p + 3}`,
    `--dashboard-agent-listen-port=${p + 4}`,
    `--metrics-export-port=${p + 5}`,
    `--min-worker-port=${p + FIXED_PORTS}`,
    `--max-worker-port=${o.ports.last}`,
    '--disable-usage-stats',
    '--block',
  ];
  // A clean environment: nothing of the worker's (tokens, paths) reaches the renter's code.
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(o.ray)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: o.hireDir,
    TMPDIR: path.join(o.hireDir, 'tmp'),
    LANG: 'C.UTF-8',
    RAY_USAGE_STATS_ENABLED: '0',
    CUDA_VISIBLE_DEVICES: r.gpus.join(','),
    // Every process of this node inherits these: how its end finds them, and only them.
    [OWNER_VAR]: o.deviceId,
    [NODE_VAR]: `${o.deviceId}/${path.basename(o.hireDir)}`,
  };
  return { file: o.ray, args, env, cwd: o.hireDir, dir: o.hireDir, rayTemp: o.rayTemp };
}

/** This worker's node folders: `home/run/<device>`, root's, so the node cannot rename what is removed. */
function runDir(home: string, deviceId: string): string {
  return path.join(home, 'run', deviceId);
}

/**
 * The node's private folders (under `home/run/<device>`, and a fresh one in /tmp for Ray, whose
 * socket paths must stay short), owned by the Ray user and closed to others; the /tmp one is
 * noted in a root-owned file so a worker that died mid-hire still removes it next time.
 */
export function makeHireDirs(home: string, deviceId: string, hireId: string, as: RunAs): { dir: string; rayTemp: string } {
  const run = runDir(home, deviceId);
  fs.mkdirSync(run, { recursive: true, mode: 0o755 });
  const dir = path.join(run, hireId);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { mode: 0o700 });
  fs.mkdirSync(path.join(dir, 'tmp'), { mode: 0o700 });
  const rayTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-ray-'));
  fs.writeFileSync(`${dir}.ray-temp`, rayTemp, { mode: 0o644 });
  for (const d of [dir, path.join(dir, 'tmp'), rayTemp]) fs.chownSync(d, as.uid, as.gid);
  return { dir, rayTemp };
}

/** Removes what this worker's earlier hires left (one hire runs at a time, so none is in use). */
export function removeStaleHireDirs(home: string, deviceId: string): void {
  const run = runDir(home, deviceId);
  for (const name of fs.existsSync(run) ? fs.readdirSync(run) : []) {
    const file = path.join(run, name);
    if (name.endsWith('.ray-temp')) {
      const temp = fs.readFileSync(file, 'utf8').trim();
      if (path.dirname(temp) === os.tmpdir() && /^io-worker-ray-[A-Za-z0-9]{6}$/.test(path.basename(temp))) fs.rmSync(temp, { recursive: true, force: true });
    }
    fs.rmSync(file, { recursive: true, force: true });
  }
}

/** Processes of one user, from /proc (pid and command line); with `mark`, only those whose environment holds it. */
export function processesOf(uid: number, mark?: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = fs.readFileSync(`/proc/${name}/status`, 'utf8');
      const m = /^Uid:\s+(\d+)/m.exec(status);
      if (!m || Number(m[1]) !== uid || /^State:\s+Z/m.test(status)) continue;
      if (mark && !fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(mark)) continue;
      found.push({ pid: Number(name), cmd: fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0+/g, ' ').trim() });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Ends the node: `ray stop` run as the Ray user (it can end only that user's processes, and runs
 * only when they are all this node's), then every process left that carries this node's mark (a
 * renter's detached one too) by its id, then the folders.
 */
export async function stopNode(o: { ray: string; as: RunAs; dir: string; rayTemp: string; mark: string; log: (line: string) => void }): Promise<number> {
  const env = { PATH: `${path.dirname(o.ray)}:/usr/bin:/bin`, HOME: o.dir, TMPDIR: path.join(o.dir, 'tmp'), LANG: 'C.UTF-8' };
  // `ray stop` ends every Ray process its user may signal: only when all of them are this node's.
  const others = processesOf(o.as.uid).length - processesOf(o.as.uid, o.mark).length;
  if (others > 0) o.log(`ray stop: skipped, ${others} other processes run as the Ray user (another worker's node); ending this node's processes only`);
  else if (fs.existsSync(o.dir)) {
    const stopped = await runCommand(o.ray, ['stop', '--grace-period=5'], { as: o.as, env, cwd: o.dir, timeoutMs: 30_000 });
    // Its other lines name processes of other users it was (rightly) not allowed to end.
    o.log(`ray stop: ${(stopped.out + stopped.err).split('\n').filter((l) => /SUCC|Stopped|stopped/.test(l)).at(-1)?.trim().slice(0, 200) ?? `exit code ${stopped.code}`}`);
  }
  const left = await endProcesses(o.as.uid, o.mark);
  fs.rmSync(o.dir, { recursive: true, force: true });
  fs.rmSync(`${o.dir}.ray-temp`, { force: true });
  fs.rmSync(o.rayTemp, { recursive: true, force: true });
  if (left.length) o.log(`[supervisor] ${left.length} Ray processes would not end: ${left.map((p) => p.pid).join(', ')}`);
  return left.length;
}

/** The given processes and all their descendants (Ray renames its agents, so their command lines say little). */
export function withDescendants(pids: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const all = new Set(pids);
  for (const pid of all) for (const child of children.get(pid) ?? []) all.add(child);
  return [...all];
}

/** Ends the Ray user's processes that carry `mark` (SIGTERM, then SIGKILL); returns those left. */
export async function endProcesses(uid: number, mark: string): Promise<{ pid: number; cmd: string }[]> {
  let left = processesOf(uid, mark);
  for (let round = 0; left.length && round < 20; round++) {
    for (const p of left) {
      try { process.kill(p.pid, round < 5 ? 'SIGTERM' : 'SIGKILL'); } catch { /* already gone */ }
    }
    await new Promise((r) => setTimeout(r, 200));
    left = processesOf(uid, mark);
  }
  return left;
}

/** What /dev/shm has free, where there is one. */
export function shmFreeBytes(): number | null {
  try {
    const s = fs.statfsSync('/dev/shm');
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

export function machineCpus(): number {
  return os.availableParallelism();
}
