// Hired workloads under supervision: the built-in benchmark, a Ray node (`ray start --address …
// --block`), or a container (docker or podman). Logs to a file, restarts on failure with backoff,
// counts the minutes served and reports each change.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backoffDelay } from '../lib/backoff.ts';
import { HIRE_ID_PATTERN, HireOrderSchema, type HireOrder, type ServiceState } from './protocol.ts';
import { Emitter } from '../lib/emitter.ts';

export interface HireReport {
  hireId: string;
  state: 'running' | 'restarting' | 'completed' | 'failed';
  minutesServed: number;
  detail: string;
}

export interface HireRunnerOptions {
  /** Folder for one log file per hire; none keeps only the last lines in memory. */
  logDir?: string | null;
  rayCommand?: string;
  /** docker or podman (or a path); default: whichever IO_WORKER_CONTAINER names, else docker. */
  containerCommand?: string;
  maxRestarts?: number;
  restartDelayMs?: number;
  reportEveryMs?: number;
  stopGraceMs?: number;
  /** What a hired container may use: the machine the hire reserved, less room for the worker itself. */
  containerLimits?: { cpus: number; memoryBytes: number };
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
}

export class HireRunner {
  readonly #o: HireRunnerOptions;
  readonly #reports = new Emitter<HireReport>();
  #current: Running | null = null;

  constructor(options: HireRunnerOptions = {}) {
    this.#o = options;
  }

  onReport(listener: (report: HireReport) => void): () => void {
    return this.#reports.on(listener);
  }

  /** The command line a workload runs as. */
  command(order: HireOrder): { file: string; args: string[] } {
    const w = order.workload;
    if (w.kind === 'benchmark') return { file: process.execPath, args: [BENCHMARK] };
    // The address is checked against RAY_ADDRESS_PATTERN, and `--address=` keeps it a value.
    if (w.kind === 'ray') return { file: this.#o.rayCommand ?? process.env.IO_WORKER_RAY ?? 'ray', args: ['start', `--address=${w.address}`, '--block'] };
    const engine = this.#o.containerCommand ?? process.env.IO_WORKER_CONTAINER ?? 'docker';
    const limits = this.#o.containerLimits;
    const resources = limits ? [`--cpus=${limits.cpus}`, `--memory=${Math.floor(limits.memoryBytes)}`] : [];
    return { file: engine, args: ['run', '--rm', `--name=io-worker-${order.hireId}`, ...CONTAINER_CONFINEMENT, ...resources, '--', w.image, ...w.args] };
  }

  current(): { hireId: string; kind: string; minutesServed: number; tail: string[] } | null {
    const r = this.#current;
    return r ? { hireId: r.order.hireId, kind: r.order.workload.kind, minutesServed: this.#minutes(r), tail: [...r.tail] } : null;
  }

  rayService(): ServiceState {
    const r = this.#current;
    if (!r || r.order.workload.kind !== 'ray') return { name: 'Ray', state: 'stopped', detail: 'No Ray workload running.' };
    if (r.child) return { name: 'Ray', state: 'running', detail: `Ray node joined ${(r.order.workload as { address: string }).address}.` };
    return { name: 'Ray', state: 'failing', detail: `Ray exited (${r.lastExit}); restart ${r.restarts} of ${this.#o.maxRestarts ?? 5}.` };
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
      log: logDir ? fs.createWriteStream(logFile(logDir, order.hireId), { flags: 'a' }) : null, tail: [], lastExit: '',
    };
    this.#current = r;
    r.timers.push(setTimeout(() => void this.stop('the hired time is over', order.hireId, 'completed'), Math.max(0, order.endsAt - Date.now())));
    r.timers.push(setInterval(() => this.#report(r, r.child ? 'running' : 'restarting', 'serving'), this.#o.reportEveryMs ?? 60_000));
    this.#spawn(r);
    return null;
  }

  #spawn(r: Running): void {
    const { file, args } = this.command(r.order);
    this.#write(r, `$ ${file} ${args.join(' ')}\n`);
    let child: ChildProcess;
    try {
      child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
      r.timers.push(setTimeout(() => { if (!r.stopping) this.#spawn(r); }, delay));
    };
    child.once('error', (error) => onExit(null, null, error));
    child.once('exit', (code, signal) => onExit(code, signal));
    child.once('spawn', () => this.#report(r, 'running', `${r.order.workload.kind} workload started (pid ${child.pid})`));
  }

  /** Stops the running hire (only `hireId`'s when given): SIGTERM, then SIGKILL after a grace time. */
  async stop(reason: string, hireId?: string, state: 'completed' | 'failed' = 'completed'): Promise<void> {
    const r = this.#current;
    if (!r || (hireId && r.order.hireId !== hireId) || r.stopping) return;
    r.stopping = true;
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
    this.#current = null;
    this.#report(r, state, reason);
    await new Promise<void>((resolve) => (r.log ? r.log.end(resolve) : resolve()));
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
