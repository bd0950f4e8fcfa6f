// The gaming rule: another program on a GPU (a game, a renderer, someone's own CUDA job) pauses the
// worker with source 'gaming' and its name ("game.exe is using GPU 0"); it resumes a grace period
// after the last one ends. The worker's own processes (itself, its children: proof threads, Ray,
// containers it started) never count, nor compute work while a hire runs (that is the hire).
import fs from 'node:fs';

/** One process the driver lists on a GPU, per poll (nvidia-smi --query-compute-apps and pmon). */
export interface GpuProcessSeen {
  gpuIndex: number;
  pid: number;
  name: string;
  usedMemoryMiB: number | null;
  kind: 'compute' | 'graphics';
}

export interface GamingRuleOptions {
  settings: () => { enabled: boolean; graceSeconds: number };
  set: (detail: string | null) => void;
  /** True for this worker's own processes; by default this process and its descendants. */
  isOwn?: (pid: number) => boolean;
  /** While a hire runs, compute processes are the hire's. */
  hired?: () => boolean;
}

/** The program's name without its folder, for "game.exe is using GPU 0". */
export function programName(name: string): string {
  const base = name.trim().split(/[\\/]/).pop() ?? '';
  return base || name.trim() || 'another program';
}

/** This process and its descendants (Linux /proc; elsewhere this process only). */
export function descendantOf(root = process.pid, readParent = parentPid): (pid: number) => boolean {
  return (pid) => {
    let current = pid;
    for (let depth = 0; depth < 64 && current > 1; depth++) {
      if (current === root) return true;
      const parent = readParent(current);
      if (parent === null) return false;
      current = parent;
    }
    return false;
  };
}

function parentPid(pid: number): number | null {
  try {
    // The name in field 2 may hold spaces and parentheses: the fields after the last ')' are fixed.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : null;
  } catch {
    return null;
  }
}

export class GamingRule {
  readonly #o: GamingRuleOptions;
  readonly #isOwn: (pid: number) => boolean;
  #holding: string | null = null;
  #lastSeenAt = 0;

  constructor(options: GamingRuleOptions) {
    this.#o = options;
    this.#isOwn = options.isOwn ?? descendantOf();
  }

  /** The foreign processes in one poll, the worker's own left out. */
  foreign(processes: readonly GpuProcessSeen[]): GpuProcessSeen[] {
    const hired = this.#o.hired?.() ?? false;
    return processes.filter((p) => !this.#isOwn(p.pid) && !(hired && p.kind === 'compute'));
  }

  /** One poll of the GPUs' processes; `undefined` (the driver could not say) changes nothing. */
  observe(processes: readonly GpuProcessSeen[] | undefined, now = Date.now()): void {
    if (processes === undefined) return;
    const { enabled, graceSeconds } = this.#o.settings();
    if (!enabled) return this.#hold(null);
    // Graphics first: a game is what the owner is doing; a compute job may be a background tool.
    const foreign = this.foreign(processes).sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'graphics' ? -1 : 1));
    if (foreign.length > 0) {
      this.#lastSeenAt = now;
      const first = foreign[0];
      const others = foreign.length > 1 ? ` (and ${foreign.length - 1} more)` : '';
      return this.#hold(`${programName(first.name)} is using GPU ${first.gpuIndex}${others}`);
    }
    if (this.#holding && now - this.#lastSeenAt >= graceSeconds * 1000) this.#hold(null);
  }

  get holding(): string | null {
    return this.#holding;
  }

  #hold(detail: string | null): void {
    if (detail === this.#holding) return;
    this.#holding = detail;
    this.#o.set(detail);
  }
}
