// The Ray service of this worker: prepares a node for a Ray hire (the isolated user, the Ray the
// order asks for, the node's folder and command line), watches its real state while it runs, and
// ends it cleanly. HireRunner supervises the process itself; this says what to run and as whom.
import os from 'node:os';
import path from 'node:path';
import type { HireOrder } from '../protocol.ts';
import { ensureRayUser, type Isolation } from './isolation.ts';
import { DEFAULT_RAY_PORTS, endProcesses, makeHireDirs, machineCpus, nodeMark, nodeResources, ownerMark, parsePortRange, planNode, removeStaleHireDirs, shmFreeBytes, stopNode, type LendingCaps, type NodePlan, type PortRange } from './node.ts';
import type { RunAs } from './run.ts';
import { readNodeState, resourceWords, type RayNodeState } from './state.ts';
import { DEFAULT_RAY_VERSION, ensureRay, type RayInstall } from './venv.ts';

export interface RayNodesOptions {
  deviceId: string;
  /** Venvs and node folders (default: IO_WORKER_RAY_HOME, else /var/lib/io-worker-ray). */
  home?: string;
  /** The owner's own `ray` (default: IO_WORKER_RAY); its version must match the order's. */
  userRay?: () => string | null;
  /** Ports the node may use (default: IO_WORKER_RAY_PORTS, else 20000-20199). */
  ports?: () => PortRange | undefined;
  caps?: () => LendingCaps;
  /** This machine's GPU indexes (from the inventory). */
  gpus?: () => Promise<number[]>;
  /** The address this node announces (default: Ray's choice; 127.0.0.1 for a head on loopback). */
  nodeIp?: string;
  stateEveryMs?: number;
  log?: (line: string) => void;
}

export interface PreparedNode {
  plan: NodePlan;
  as: RunAs;
  install: RayInstall;
}

/** The Services tab's Ray row in values: the words are made from these. */
export interface RayServiceView {
  phase: 'idle' | 'refused' | 'preparing' | 'starting' | 'joined' | 'lost-head' | 'not-joined' | 'stopping';
  detail: string;
  node: RayNodeState | null;
}

export function defaultRayHome(): string {
  return process.env.IO_WORKER_RAY_HOME || (process.getuid?.() === 0 ? '/var/lib/io-worker-ray' : path.join(os.homedir(), '.io-worker', 'ray'));
}

export class RayNodes {
  readonly #o: RayNodesOptions;
  readonly home: string;
  #view: RayServiceView = { phase: 'idle', detail: 'No Ray workload running.', node: null };
  #poll: NodeJS.Timeout | null = null;
  #reading = false;

  constructor(options: RayNodesOptions) {
    this.#o = options;
    this.home = path.resolve(options.home ?? defaultRayHome());
    if (process.platform === 'linux' && process.getuid?.() !== 0) {
      this.#view = { phase: 'refused', detail: 'Ray hires are refused here: the worker must run as root to run the Ray node as its own unprivileged user.', node: null };
    }
  }

  view(): RayServiceView {
    return this.#view;
  }

  /** Everything a Ray hire needs before its node starts; throws the reason it cannot run. */
  async prepare(order: HireOrder, progress: (line: string) => void): Promise<PreparedNode> {
    const w = order.workload;
    if (w.kind !== 'ray') throw new Error('Not a Ray hire.');
    this.#set('preparing', 'Setting up the isolated Ray user.');
    const isolation: Isolation = await ensureRayUser();
    if (!isolation.ok) {
      this.#set('refused', isolation.reason);
      throw new Error(isolation.reason);
    }
    const as = { uid: isolation.uid, gid: isolation.gid };
    const version = w.version ?? DEFAULT_RAY_VERSION;
    let install: RayInstall;
    try {
      install = await ensureRay(version, {
        home: this.home,
        userRay: this.#o.userRay?.() ?? (process.env.IO_WORKER_RAY || null),
        runAs: as,
        onProgress: (line) => { progress(line); this.#set('preparing', `Installing Ray ${version}: ${line}`.slice(0, 240)); },
      });
    } catch (error) {
      this.#set('refused', (error as Error).message);
      throw error;
    }
    const ports = this.#o.ports?.() ?? (process.env.IO_WORKER_RAY_PORTS ? parsePortRange(process.env.IO_WORKER_RAY_PORTS) : DEFAULT_RAY_PORTS);
    const caps = this.#o.caps?.() ?? { cpuCores: null, memoryGiB: null, gpus: null };
    const resources = nodeResources(caps, { cpus: machineCpus(), memoryBytes: os.totalmem(), gpus: (await this.#o.gpus?.()) ?? [], shmFreeBytes: shmFreeBytes() });
    await endProcesses(as.uid, ownerMark(this.#o.deviceId)); // a node of this worker that outlived it
    removeStaleHireDirs(this.home, this.#o.deviceId);
    const { dir, rayTemp } = makeHireDirs(this.home, this.#o.deviceId, order.hireId, as);
    const plan = planNode({ ray: install.ray, address: w.address, deviceId: this.#o.deviceId, hireDir: dir, rayTemp, resources, ports, nodeIp: this.#o.nodeIp });
    this.#set('starting', `Ray ${version} node joining ${w.address}.`);
    return { plan, as, install };
  }

  /** Starts reading the node's state from Ray every few seconds. */
  watch(prepared: PreparedNode, address: string): void {
    this.unwatch();
    const read = async () => {
      if (this.#reading) return;
      this.#reading = true;
      try {
        const node = await readNodeState({ python: prepared.install.python, address, deviceId: this.#o.deviceId, as: prepared.as, env: prepared.plan.env, cwd: prepared.plan.dir, mark: this.#mark(prepared) });
        if (!this.#poll) return; // stopped meanwhile
        const offered = resourceWords(node.resources);
        const detail = node.phase === 'joined' ? `${node.detail} Offers ${offered}; ${node.tasksRunning} task${node.tasksRunning === 1 ? '' : 's'} running.` : node.detail;
        this.#view = { phase: node.phase, detail: detail.slice(0, 256), node };
      } finally {
        this.#reading = false;
      }
    };
    this.#poll = setInterval(() => void read(), this.#o.stateEveryMs ?? 5000);
    void read();
  }

  unwatch(): void {
    if (this.#poll) clearInterval(this.#poll);
    this.#poll = null;
  }

  /** Ends the node of a hire: `ray stop`, its user's processes, its folder. */
  async end(prepared: PreparedNode, log: (line: string) => void): Promise<void> {
    this.unwatch();
    this.#set('stopping', 'Stopping the Ray node.');
    await stopNode({ ray: prepared.install.ray, as: prepared.as, dir: prepared.plan.dir, rayTemp: prepared.plan.rayTemp, mark: this.#mark(prepared), log });
    this.#set('idle', 'Stopped: no Ray workload running.');
  }

  /** Ends whatever this hire's node left running (before a restart). */
  async sweep(prepared: PreparedNode): Promise<void> {
    await endProcesses(prepared.as.uid, this.#mark(prepared));
  }

  #mark(prepared: PreparedNode): string {
    return nodeMark(this.#o.deviceId, path.basename(prepared.plan.dir));
  }

  failed(reason: string): void {
    this.unwatch();
    this.#set(this.#view.phase === 'refused' ? 'refused' : 'idle', this.#view.phase === 'refused' ? this.#view.detail : `Stopped: ${reason}`.slice(0, 256));
  }

  #set(phase: RayServiceView['phase'], detail: string): void {
    this.#view = { phase, detail: detail.slice(0, 256), node: phase === 'joined' ? this.#view.node : null };
    this.#o.log?.(`ray: ${detail}`);
  }
}
