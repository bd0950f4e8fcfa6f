// What the 1 Hz --query-gpu loop does not carry, read slowly beside it: `nvidia-smi -q` (health
// counters, PCIe replays, MIG instances' memory, the slowdown temperature) every 15 s, `-L` for
// MIG profiles, the process list every 5 s, and the kernel log's Xid errors every 60 s. While
// nobody watches (no dashboard on screen, no gaming rule), `-q` and the process list are read once
// a minute: each nvidia-smi start took the worker's thread about 10 ms in the worker bench. All
// one-shot nvidia-smi runs share one queue: never two at once, each ended at its timeout.
import type { GpuSample, MigInstance } from '../../preload/contract/index.ts';
import { gpuHealth } from './gpu-health.ts';
import { GpuProcessLister } from './gpu-processes.ts';
import { XidWatch, type KernelLogSource } from './kernel-log.ts';
import { busKey, parseMigList, parseQuery, type QueryDetails } from './nvidia-smi-query.ts';
import { OneAtATime, runTool } from './process-group.ts';

export interface ExtrasOptions {
  executable: string;
  env?: NodeJS.ProcessEnv;
  /** The live GPUs (index, UUID), from the telemetry loop. */
  gpus: () => { index: number; uuid: string | null }[];
  queryIntervalMs?: number;
  /** `-q` while nobody watches (default UNWATCHED_HEALTH_MS). */
  unwatchedQueryIntervalMs?: number;
  processIntervalMs?: number;
  xidIntervalMs?: number;
  timeoutMs?: number;
  /** null: do not read the kernel log (tests); default: /dev/kmsg, dmesg, journalctl. */
  kernelLog?: KernelLogSource[] | null;
}

/** Unwatched, `-q` is still read this often: the health alerts stay within minutes (Xid errors come live from the kernel log). */
export const UNWATCHED_HEALTH_MS = 5 * 60_000;

export class NvidiaSmiExtras {
  readonly queue = new OneAtATime();
  readonly processes: GpuProcessLister;
  readonly xid: XidWatch | null;
  readonly #options: ExtrasOptions & { queryIntervalMs: number; unwatchedQueryIntervalMs: number; processIntervalMs: number; xidIntervalMs: number; timeoutMs: number };
  #details = new Map<string, QueryDetails>(); // by busKey
  #migProfiles = new Map<number, { index: number; profile: string; uuid: string | null }[]>();
  #checkedAt: number | null = null;
  #problem: string | null = null;
  #timers: NodeJS.Timeout[] = [];
  #stopping = new AbortController();
  #watched = true;
  #watchedSince = 0;
  #queriedAt = -Infinity;

  constructor(options: ExtrasOptions) {
    this.#options = { queryIntervalMs: 15_000, unwatchedQueryIntervalMs: UNWATCHED_HEALTH_MS, processIntervalMs: 5000, xidIntervalMs: 60_000, timeoutMs: 10_000, ...options };
    this.processes = new GpuProcessLister({ executable: options.executable, env: options.env, queue: this.queue, gpus: options.gpus, timeoutMs: this.#options.timeoutMs });
    this.xid = options.kernelLog === null ? null : new XidWatch(options.kernelLog);
  }

  /** Why the slow read failed last, or null. */
  get problem(): string | null {
    return this.#problem;
  }

  start(): void {
    this.stop();
    this.#stopping = new AbortController();
    const every = (ms: number, task: () => unknown) => {
      this.#timers.push(setInterval(task, ms).unref());
      task();
    };
    every(this.#options.queryIntervalMs, () => {
      if (this.#watched || Date.now() - this.#queriedAt >= this.#options.unwatchedQueryIntervalMs) void this.pollQuery();
    });
    this.processes.start(this.#options.processIntervalMs);
    if (this.xid) every(this.#options.xidIntervalMs, () => void this.xid!.poll());
  }

  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#stopping.abort();
    this.processes.stop();
  }

  /** Watched: `-q` every 15 s and processes every 5 s; unwatched: `-q` every 5 min, processes not. Watched again: both at once if stale. */
  watch(watched: boolean): void {
    const was = this.#watched;
    this.#watched = watched;
    // A list older than its interval when someone starts watching is not shown as now (a reload's
    // blink of nobody watching keeps a list read a second ago).
    const listedAt = this.processes.latest().at;
    if (watched && !was && listedAt !== null && Date.now() - listedAt >= this.#options.processIntervalMs) this.#watchedSince = Date.now();
    this.processes.watch(watched);
    if (watched && !was && this.#timers.length > 0 && Date.now() - this.#queriedAt >= this.#options.queryIntervalMs) void this.pollQuery();
  }

  /** One `-q` read (and `-L` when a GPU has MIG on), through the shared queue. */
  pollQuery(): Promise<void> {
    const { executable, env, timeoutMs } = this.#options;
    const signal = this.#stopping.signal;
    return this.queue.run(async () => {
      if (signal.aborted) return;
      this.#queriedAt = Date.now();
      try {
        const details = parseQuery(await runTool({ executable, args: ['-q'], timeoutMs, env, name: 'nvidia-smi', signal }));
        const checkedAt = Date.now();
        if (details.some((d) => d.mig.length > 0)) {
          // A failed `-L` keeps the profiles last read: instances do not lose their names for 15 s.
          const list = await runTool({ executable, args: ['-L'], timeoutMs, env, name: 'nvidia-smi', signal }).catch(() => null);
          if (list !== null) this.#migProfiles = parseMigList(list);
        }
        // Both at once: no frame carries the MIG instances of `-q` without the names `-L` gives them.
        this.#details = new Map(details.map((d) => [busKey(d.busId), d]));
        this.#checkedAt = checkedAt;
        this.#problem = null;
      } catch (error) {
        if (!signal.aborted) this.#problem = `GPU health not read: ${(error as Error).message}`;
      }
    });
  }

  /** The sample with its health, processes and MIG instances; `busId` as the loop reports it. */
  decorate(sample: GpuSample, busId: string | null): GpuSample {
    const details = busId ? this.#details.get(busKey(busId)) : [...this.#details.values()].find((d) => d.uuid === sample.uuid);
    const xid = this.xid && busId ? this.xid.events(busKey(busId)) : [];
    const unavailable: Record<string, string> = {};
    if (!details) unavailable.counters = this.#problem ?? (this.#checkedAt === null ? 'not read yet' : 'nvidia-smi -q does not list this GPU');
    if (!this.xid) unavailable.xid = 'the kernel log is not read';
    else if (this.xid.unavailable) unavailable.xid = this.xid.unavailable;
    sample.health = gpuHealth(sample, {
      checkedAt: details ? this.#checkedAt : null,
      ecc: details?.ecc,
      retiredPages: details?.retiredPages,
      remappedRows: details ? details.remappedRows : undefined,
      pcie: details?.pcie,
      xid,
      unavailable,
    });
    if (details?.slowdownTemperatureC != null) sample.temperatureLimitC = details.slowdownTemperatureC;
    else sample.unavailable.temperatureLimitC = details ? 'nvidia-smi does not report a slowdown temperature for this GPU' : unavailable.counters;
    const listing = this.processes.latest();
    // A list from before someone started watching may be hours old: not shown as now (a page's first
    // answers come from frames made while nobody watched); watched again, it is listed at once.
    const age = listing.at === null ? 0 : Date.now() - listing.at;
    const before = this.#watched && listing.at !== null && listing.at < this.#watchedSince;
    const unwatchedOld = !this.#watched && age > this.#options.processIntervalMs + this.#options.timeoutMs;
    if (!before && !unwatchedOld) sample.processes = listing.processes.filter((p) => p.gpuIndex === sample.index);
    if (listing.at === null) sample.unavailable.processes = listing.problem ?? 'not listed yet';
    else if (listing.problem) sample.unavailable.processes = listing.problem;
    else if (before) sample.unavailable.processes = 'being listed again (the last list is from before anyone watched)';
    else if (unwatchedOld) sample.unavailable.processes = 'not listed while nobody watches (listed every few seconds while a dashboard is open)';
    if (details && details.mig.length > 0) sample.migInstances = this.#mig(sample.index, details.mig);
    return sample;
  }

  #mig(gpuIndex: number, instances: MigInstance[]): MigInstance[] {
    const profiles = this.#migProfiles.get(gpuIndex) ?? [];
    return instances.map((m) => {
      const named = profiles.find((p) => p.index === m.index);
      return named ? { ...m, profile: named.profile, uuid: named.uuid } : m;
    });
  }
}
