// What else uses each NVIDIA GPU: `--query-compute-apps` (compute work, with its memory) and
// `pmon -c 1` (graphics processes such as games, which the compute list leaves out). Polled at a
// modest rate, one nvidia-smi at a time, each run bounded by a timeout that ends its process group.
import type { GpuProcess } from '../../preload/contract/index.ts';
import { OneAtATime, runTool } from './process-group.ts';
import { Emitter } from '../lib/emitter.ts';

export const COMPUTE_APPS_ARGS = ['--query-compute-apps=pid,process_name,used_memory,gpu_uuid', '--format=csv,noheader,nounits'];
export const PMON_ARGS = ['pmon', '-c', '1'];

export interface ComputeApp {
  pid: number;
  name: string;
  usedMemoryMiB: number | null;
  gpuUuid: string | null;
}

/** `pid, process_name, used_memory, gpu_uuid` rows (noheader, nounits); a name may itself hold ", ". */
export function parseComputeApps(text: string): ComputeApp[] {
  const apps: ComputeApp[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cells = line.split(', ');
    if (cells.length < 4) continue;
    const pid = Number(cells[0].trim());
    if (!Number.isInteger(pid) || pid < 0) continue;
    const uuid = cells[cells.length - 1].trim();
    const memory = Number(cells[cells.length - 2].trim().replace(/\s*MiB$/, ''));
    apps.push({
      pid,
      name: cells.slice(1, -2).join(', ').trim(),
      usedMemoryMiB: Number.isFinite(memory) && cells[cells.length - 2].trim() !== '' ? memory : null,
      gpuUuid: /^(GPU|MIG)-/.test(uuid) ? uuid : null,
    });
  }
  return apps;
}

export interface PmonRow {
  gpuIndex: number;
  pid: number;
  /** C, G, C+G (M+C on some drivers). */
  type: string;
  name: string;
}

/** `nvidia-smi pmon -c 1`: the header names the columns (older drivers have fewer); `-` rows are empty slots. */
export function parsePmon(text: string): PmonRow[] {
  const rows: PmonRow[] = [];
  let columns = 0;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) {
      const names = line.slice(1).trim().split(/\s+/);
      if (names[0] === 'gpu') columns = names.length;
      continue;
    }
    const tokens = line.trim().split(/\s+/);
    if (tokens.length < 4 || columns === 0) continue;
    const gpuIndex = Number(tokens[0]);
    const pid = Number(tokens[1]);
    if (!Number.isInteger(gpuIndex) || !Number.isInteger(pid)) continue; // `0  -  -  …` : nothing running
    rows.push({ gpuIndex, pid, type: tokens[2], name: tokens.slice(columns - 1).join(' ') });
  }
  return rows;
}

/**
 * One list per poll: every compute app with its memory, and every pmon process the compute list
 * lacks; a process pmon marks G or C+G is graphics (a game, the desktop), the rest compute.
 */
export function mergeProcesses(apps: ComputeApp[], pmon: PmonRow[], gpus: { index: number; uuid: string | null }[]): GpuProcess[] {
  const indexOf = new Map(gpus.filter((g) => g.uuid).map((g) => [g.uuid!, g.index]));
  const uuidOf = new Map(gpus.map((g) => [g.index, g.uuid]));
  const typeOf = new Map(pmon.map((p) => [`${p.gpuIndex}:${p.pid}`, p.type]));
  const out: GpuProcess[] = [];
  const listed = new Set<string>();
  for (const app of apps) {
    // MIG instances have their own UUIDs: their processes belong to the one pmon row naming the pid.
    const gpuIndex = (app.gpuUuid ? indexOf.get(app.gpuUuid) : undefined) ?? pmon.find((p) => p.pid === app.pid)?.gpuIndex;
    if (gpuIndex === undefined) continue;
    const key = `${gpuIndex}:${app.pid}`;
    if (listed.has(key)) continue;
    listed.add(key);
    const type = typeOf.get(key) ?? 'C';
    out.push({
      gpuIndex,
      gpuUuid: uuidOf.get(gpuIndex) ?? app.gpuUuid,
      pid: app.pid,
      name: app.name,
      usedMemoryMiB: app.usedMemoryMiB,
      kind: type.includes('G') ? 'graphics' : 'compute',
    });
  }
  for (const row of pmon) {
    const key = `${row.gpuIndex}:${row.pid}`;
    if (listed.has(key)) continue;
    listed.add(key);
    out.push({
      gpuIndex: row.gpuIndex,
      gpuUuid: uuidOf.get(row.gpuIndex) ?? null,
      pid: row.pid,
      name: row.name,
      usedMemoryMiB: null,
      kind: row.type.includes('G') ? 'graphics' : 'compute',
    });
  }
  return out.sort((a, b) => a.gpuIndex - b.gpuIndex || a.pid - b.pid);
}

export interface ProcessListerOptions {
  executable: string;
  env?: NodeJS.ProcessEnv;
  /** Shared with the other one-shot nvidia-smi runs of this machine. */
  queue?: OneAtATime;
  /** The GPUs' indices and UUIDs (from the telemetry loop), to place compute apps. */
  gpus: () => { index: number; uuid: string | null }[];
  timeoutMs?: number;
}

/**
 * Lists the processes on the NVIDIA GPUs every `intervalMs` (default 5 s) while they are watched and
 * not at all otherwise (after the first listing at start): only a dashboard on screen and the gaming
 * rule read them, and each listing is two nvidia-smi starts, each about 10 ms of the worker's thread
 * in the worker bench (2 cores). Watched again, it lists at once. `onChange` fires when the list changes.
 */
export class GpuProcessLister {
  readonly #options: Required<Omit<ProcessListerOptions, 'env'>> & { env?: NodeJS.ProcessEnv };
  readonly #changes = new Emitter<GpuProcess[]>();
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  #last: { at: number; processes: GpuProcess[] } | null = null;
  #problem: string | null = null;
  #signature = '';
  #stopping = new AbortController();
  #watched = true;
  #running = false;
  #intervalMs = 5000;
  #triedAt = -Infinity;

  constructor(options: ProcessListerOptions) {
    this.#options = { queue: new OneAtATime(), timeoutMs: 10_000, ...options };
  }

  /** The last list, its time, and why it could not be read (then the list is the last good one). */
  latest(): { at: number | null; processes: GpuProcess[]; problem: string | null } {
    return { at: this.#last?.at ?? null, processes: this.#last?.processes ?? [], problem: this.#problem };
  }

  onChange(listener: (processes: GpuProcess[]) => void): () => void {
    return this.#changes.on(listener);
  }

  start(intervalMs = 5000): void {
    this.stop();
    this.#stopping = new AbortController();
    this.#intervalMs = intervalMs;
    this.#running = true;
    this.#arm();
    void this.poll();
  }

  /**
   * Whether someone needs the list every few seconds (a dashboard is open, the gaming rule waits for
   * a game). Unwatched, its timer is off (nothing wakes the worker for it); watched again with a list
   * older than the interval, it lists at once, not at the next tick.
   */
  watch(watched: boolean): void {
    const was = this.#watched;
    this.#watched = watched;
    if (!watched) return this.#disarm();
    this.#arm();
    if (!was && this.#running && this.#age() >= this.#intervalMs) void this.poll();
  }

  /** Whether the interval timer is on (started and watched); for tests. */
  get armed(): boolean {
    return this.#timer !== null;
  }

  #arm(): void {
    if (this.#timer || !this.#running || !this.#watched) return;
    this.#timer = setInterval(() => void this.poll(), this.#intervalMs).unref();
  }

  #disarm(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Since the last listing began, whether or not it succeeded (a failing tool is not retried faster). */
  #age(): number {
    return Date.now() - this.#triedAt;
  }

  stop(): void {
    this.#running = false;
    this.#disarm();
    this.#stopping.abort();
  }

  /** One listing; a listing still running is joined, never doubled. */
  poll(): Promise<void> {
    this.#polling ??= this.#options.queue
      .run(() => this.#list())
      .finally(() => {
        this.#polling = null;
      });
    return this.#polling;
  }

  async #list(): Promise<void> {
    const { executable, env, timeoutMs } = this.#options;
    const signal = this.#stopping.signal;
    if (signal.aborted) return;
    this.#triedAt = Date.now();
    try {
      const apps = parseComputeApps(await runTool({ executable, args: COMPUTE_APPS_ARGS, timeoutMs, env, name: 'nvidia-smi', signal }));
      // pmon is a separate call after the first has ended: never two nvidia-smi one-shots at once.
      const pmon = await runTool({ executable, args: PMON_ARGS, timeoutMs, env, name: 'nvidia-smi', signal })
        .then(parsePmon)
        .catch((error: Error) => {
          this.#problem = `graphics processes unknown: ${error.message}`;
          return null;
        });
      const processes = mergeProcesses(apps, pmon ?? [], this.#options.gpus());
      if (pmon !== null) this.#problem = null;
      this.#last = { at: Date.now(), processes };
      const signature = processes.map((p) => `${p.gpuIndex}:${p.pid}:${p.kind}:${p.usedMemoryMiB}`).join('|');
      if (signature !== this.#signature) {
        this.#signature = signature;
        this.#changes.emit(processes);
      }
    } catch (error) {
      if (!signal.aborted) this.#problem = (error as Error).message;
    }
  }
}
