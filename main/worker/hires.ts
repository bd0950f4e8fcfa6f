// Hired workloads under supervision: the built-in benchmark, a Ray node (`ray start --address …
// --block`, prepared by ray/service.ts: its own user, the order's Ray version, pinned resources),
// or a container (docker or podman). Logs to a file, restarts on failure with backoff, counts the
// minutes served and reports each change.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backoffDelay } from '../lib/backoff.ts';
import { HIRE_ID_PATTERN, HireOrderSchema, type HireOrder, type ServiceState } from './protocol.ts';
import { Emitter } from '../lib/emitter.ts';
import { RayNodes, type PreparedNode } from './ray/service.ts';
import type { RayNodeState } from './ray/state.ts';

export interface HireReport {
  hireId: string;
  state: 'running' | 'restarting' | 'completed' | 'failed';
  minutesServed: number;
  detail: string;
}

/** What a container may use; `gpus`: the device indexes it gets (`--gpus "device=…"`). */
export interface ContainerLimits {
  cpus: number;
  memoryBytes: number;
  gpus?: number[];
}

export interface HireRunnerOptions {
  /** Folder for one log file per hire; none keeps only the last lines in memory. */
  logDir?: string | null;
  /** Runs this command in place of a managed Ray node, unisolated: for tests with a fake `ray` only. */
  rayCommand?: string;
  /** The managed Ray service (default: one for `deviceId` with its defaults). */
  ray?: RayNodes;
  /** This device's id: the Ray node's custom resource and label. */
  deviceId?: string;
  /** docker or podman (or a path); default: whichever IO_WORKER_CONTAINER names, else docker. */
  containerCommand?: string;
  maxRestarts?: number;
  restartDelayMs?: number;
  reportEveryMs?: number;
  stopGraceMs?: number;
  /** What a hired container may use: the machine the hire reserved, less room for the worker itself. */
  containerLimits?: ContainerLimits | (() => ContainerLimits);
}

/**
 * Options every hired container runs with, before the `--` that ends the engine's options: no
 * added capabilities, no privilege gain, a bounded process count. The order itself can add none:
 * its image comes after `--` and its arguments go to the container's own command.
 */
export const CONTAINER_CONFINEMENT = ['--cap-drop=ALL', '--security-opt=no-new-privileges', '--pids-limit=4096'];

const BENCHMARK = fileURLToPath(new URL('./benchmark-workload.ts', import.meta.url));

interface Running {
  order: HireOrder;
  child: ChildProcess | null;
  restarts: number;
  servedMs: number;
  runningSince: number | null;
  stopping: boolean;
  timers: NodeJS.Timeout[];
  log: fs.WriteStream | null;
  tail: string[];
  lastExit: string;
  /** A managed Ray node's plan, made once per hire before its first start. */
  prepared: PreparedNode | null;
  stopped?: Promise<void>;
  /** When the workload last wrote anything: the hire watchdog's sign of life. */
  lastOutputAt?: number;
}

/** The Ray row of the Services tab, with the node's state as Ray reports it. */
export type RayServiceState = ServiceState & { ray?: RayNodeState | null };

export class HireRunner {
  readonly #o: HireRunnerOptions;
  readonly #reports = new Emitter<HireReport>();
  #current: Running | null = null;
  readonly #ray: RayNodes | null;

  constructor(options: HireRunnerOptions = {}) {
    this.#o = options;
    this.#ray = options.rayCommand ? null : (options.ray ?? new RayNodes({ deviceId: options.deviceId ?? 'this-device' }));
  }

  onReport(listener: (report: HireReport) => void): () => void {
    return this.#reports.on(listener);
  }

  /** The command line a workload runs as. */
  command(order: HireOrder): { file: string; args: string[] } {
    const w = order.workload;
    if (w.kind === 'benchmark') return { file: process.execPath, args: [BENCHMARK] };
    // The address is checked against RAY_ADDRESS_PATTERN, and `--address=` keeps it a value.
    if (w.kind === 'ray') {
      const plan = this.#current?.order.hireId === order.hireId ? this.#current.prepared?.plan : null;
      return plan ? { file: plan.file, args: plan.args } : { file: this.#o.rayCommand ?? 'ray', args: ['start', `--address=${w.address}`, '--block'] };
    }
    const engine = this.#o.containerCommand ?? process.env.IO_WORKER_CONTAINER ?? 'docker';
    const limits = typeof this.#o.containerLimits === 'function' ? this.#o.containerLimits() : this.#o.containerLimits;
    const gpus = limits?.gpus?.length ? [`--gpus="device=${limits.gpus.join(',')}"`] : [];
    const resources = limits ? [`--cpus=${limits.cpus}`, `--memory=${Math.floor(limits.memoryBytes)}`, ...gpus] : [];
    return { file: engine, args: ['run', '--rm', `--name=io-worker-${order.hireId}`, ...CONTAINER_CONFINEMENT, ...resources, '--', w.image, ...w.args] };
  }

  current(): { hireId: string; kind: string; minutesServed: number; tail: string[] } | null {
    const r = this.#current;
    return r ? { hireId: r.order.hireId, kind: r.order.workload.kind, minutesServed: this.#minutes(r), tail: [...r.tail] } : null;
  }

  rayService(): RayServiceState {
    const r = this.#current;
    const ray = r?.order.workload.kind === 'ray' ? r : null;
    if (this.#ray) {
      const v = this.#ray.view();
      if (ray && !ray.child && ray.prepared && !ray.stopping) return { name: 'Ray', state: 'failing', detail: `Ray exited (${ray.lastExit}); restart ${ray.restarts} of ${this.#o.maxRestarts ?? 5}.`, ray: null };
      // Running only when Ray itself lists the node; a node that lost its head is failing.
      const state = v.phase === 'joined' ? 'running' : v.phase === 'lost-head' || (ray && v.phase === 'refused') ? 'failing' : ray ? 'running' : 'stopped';
      return { name: 'Ray', state, detail: v.detail, ray: v.node };
    }
    if (!ray) return { name: 'Ray', state: 'stopped', detail: 'No Ray workload running.' };
    if (ray.child) return { name: 'Ray', state: 'running', detail: `Ray node joined ${(ray.order.workload as { address: string }).address}.` };
    return { name: 'Ray', state: 'failing', detail: `Ray exited (${ray.lastExit}); restart ${ray.restarts} of ${this.#o.maxRestarts ?? 5}.` };
  }

  /** The running workload's signs of life for the hire watchdog (hire-watchdog.ts); null with no hire. */
  liveness(): { hireId: string; kind: string; runningSince: number | null; lastOutputAt: number | null } | null {
    const r = this.#current;
    return r && !r.stopping ? { hireId: r.order.hireId, kind: r.order.workload.kind, runningSince: r.runningSince, lastOutputAt: r.lastOutputAt ?? null } : null;
  }

  /** The hire watchdog's restart: kills a stalled workload (it may ignore SIGTERM); the supervisor restarts it with its backoff. */
  restartWorkload(hireId: string, why: string): boolean {
    const r = this.#current;
    if (!r || r.order.hireId !== hireId || r.stopping || !r.child) return false;
    this.#write(r, `[supervisor] the watchdog restarts the workload: ${why}\n`);
    return r.child.kill('SIGKILL');
  }

  /** Runs a hire; an order that breaks the protocol's schema is refused (returns why), never run. */
  async start(untrusted: HireOrder): Promise<string | null> {
    const checked = HireOrderSchema.safeParse(untrusted);
    if (!checked.success) return `refused: ${checked.error.issues.map((i) => i.message).join('; ')}`;
    // Never longer than the hours the hire reserved, whatever end time the order names.
    const order = { ...checked.data, endsAt: Math.min(checked.data.endsAt, Date.now() + checked.data.hours * 3_600_000) };
    if (this.#current) await this.stop('replaced by a new hire');
    const logDir = this.#o.logDir;
    if (logDir) fs.mkdirSync(logDir, { recursive: true });
    const r: Running = {
      order, child: null, restarts: 0, servedMs: 0, runningSince: null, stopping: false, timers: [],
      log: logDir ? fs.createWriteStream(logFile(logDir, order.hireId), { flags: 'a' }) : null, tail: [], lastExit: '', prepared: null,
    };
    this.#current = r;
    r.timers.push(setTimeout(() => void this.stop('the hired time is over', order.hireId, 'completed'), Math.max(0, order.endsAt - Date.now())));
    r.timers.push(setInterval(() => this.#report(r, r.child ? 'running' : 'restarting', 'serving'), this.#o.reportEveryMs ?? 60_000));
    this.#spawn(r);
    return null;
  }

  /** A managed Ray hire first gets its node prepared (user, Ray install, folder); a refusal ends the hire. */
  async #prepare(r: Running): Promise<void> {
    try {
      r.prepared = await this.#ray!.prepare(r.order, (line) => this.#write(r, `[ray] ${line}\n`));
    } catch (error) {
      this.#write(r, `[supervisor] Ray hire refused: ${(error as Error).message}\n`);
      void this.stop(`Ray hire refused: ${(error as Error).message}`, r.order.hireId, 'failed');
      return;
    }
    if (r.stopping || this.#current !== r) {
      await this.#ray!.end(r.prepared, (line) => this.#write(r, `${line}\n`));
      return;
    }
    this.#ray!.watch(r.prepared, (r.order.workload as { address: string }).address);
    this.#spawn(r);
  }

  #spawn(r: Running): void {
    if (r.order.workload.kind === 'ray' && this.#ray && !r.prepared) {
      void this.#prepare(r);
      return;
    }
    const { file, args } = this.command(r.order);
    const plan = r.prepared?.plan;
    this.#write(r, `$ ${file} ${args.join(' ')}\n`);
    let child: ChildProcess;
    try {
      // A Ray node runs as the Ray user, in its own folder, with a clean environment.
      child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(plan && r.prepared ? { env: plan.env, cwd: plan.cwd, uid: r.prepared.as.uid, gid: r.prepared.as.gid } : {}) });
    } catch (error) {
      // spawn throws (not emits) for some bad input: end the hire rather than the worker.
      this.#write(r, `[supervisor] could not start: ${(error as Error).message}\n`);
      void this.stop(`could not start the workload: ${(error as Error).message}`, r.order.hireId, 'failed');
      return;
    }
    r.child = child;
    r.runningSince = Date.now();
    child.stdout!.on('data', (d: Buffer) => this.#write(r, d.toString()));
    child.stderr!.on('data', (d: Buffer) => this.#write(r, d.toString()));
    for (const out of [child.stdout!, child.stderr!]) out.on('data', () => (r.lastOutputAt = Date.now()));
    let exited = false;
    const onExit = (code: number | null, signal: string | null, error?: Error) => {
      if (exited) return;
      exited = true;
      if (r.runningSince) r.servedMs += Date.now() - r.runningSince;
      r.runningSince = null;
      r.child = null;
      r.lastExit = error ? error.message : signal ? `signal ${signal}` : `exit code ${code}`;
      this.#write(r, `[supervisor] workload ended: ${r.lastExit}\n`);
      if (r.stopping || this.#current !== r) return;
      if (r.restarts >= (this.#o.maxRestarts ?? 5)) {
        void this.stop(`the workload failed ${r.restarts + 1} times, last: ${r.lastExit}`, r.order.hireId, 'failed');
        return;
      }
      const delay = backoffDelay(r.restarts, this.#o.restartDelayMs ?? 1000, 30_000);
      r.restarts++;
      this.#report(r, 'restarting', `${r.lastExit}; restart ${r.restarts} in ${(delay / 1000).toFixed(1)} s`);
      r.timers.push(setTimeout(() => {
        if (r.stopping) return;
        // What the last node left behind ends before the next one starts.
        if (r.prepared) void this.#ray!.sweep(r.prepared).then(() => { if (!r.stopping) this.#spawn(r); });
        else this.#spawn(r);
      }, delay));
    };
    child.once('error', (error) => onExit(null, null, error));
    child.once('exit', (code, signal) => onExit(code, signal));
    child.once('spawn', () => this.#report(r, 'running', `${r.order.workload.kind} workload started (pid ${child.pid})`));
  }

  /** Stops the running hire (only `hireId`'s when given): SIGTERM, then SIGKILL after a grace time. */
  async stop(reason: string, hireId?: string, state: 'completed' | 'failed' = 'completed'): Promise<void> {
    const r = this.#current;
    if (!r || (hireId && r.order.hireId !== hireId)) return;
    // A second caller (a new hire replacing this one) waits until the node is really gone.
    if (r.stopping) return r.stopped ?? undefined;
    r.stopping = true;
    r.stopped = this.#end(r, reason, state);
    return r.stopped;
  }

  async #end(r: Running, reason: string, state: 'completed' | 'failed'): Promise<void> {
    for (const t of r.timers) clearTimeout(t);
    const child = r.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill('SIGKILL'), this.#o.stopGraceMs ?? 5000);
        child.once('exit', () => { clearTimeout(kill); resolve(); });
        child.kill('SIGTERM');
      });
    }
    if (r.runningSince) r.servedMs += Date.now() - r.runningSince;
    r.runningSince = null;
    if (r.prepared) await this.#ray!.end(r.prepared, (line) => this.#write(r, `${line}\n`));
    else if (r.order.workload.kind === 'ray') this.#ray?.failed(reason);
    if (this.#current === r) this.#current = null;
    // The log is complete on disk before the final report goes out.
    await new Promise<void>((resolve) => (r.log ? r.log.end(resolve) : resolve()));
    this.#report(r, state, reason);
  }

  #minutes(r: Running): number {
    return (r.servedMs + (r.runningSince ? Date.now() - r.runningSince : 0)) / 60_000;
  }

  #write(r: Running, text: string): void {
    r.log?.write(text);
    for (const line of text.split('\n')) if (line) r.tail.push(line);
    if (r.tail.length > 200) r.tail.splice(0, r.tail.length - 200);
  }

  #report(r: Running, state: HireReport['state'], detail: string): void {
    const report = { hireId: r.order.hireId, state, minutesServed: this.#minutes(r), detail };
    this.#reports.emit(report);
  }
}

/** A hire's log file: named by its checked id only, and inside `logDir` whatever the id. */
export function logFile(logDir: string, hireId: string): string {
  if (!HIRE_ID_PATTERN.test(hireId)) throw new Error(`Not a hire id: ${JSON.stringify(hireId.slice(0, 80))}`);
  const file = path.resolve(logDir, `${hireId}.log`);
  if (path.dirname(file) !== path.resolve(logDir)) throw new Error('A hire log must stay in its folder.');
  return file;
}
