// NVIDIA GPUs through nvidia-smi: one long-lived `--query-gpu ... -lms <interval>` process per sampler
// (never a process per sample), restarted with backoff when it dies or hangs, fields negotiated from
// --help-query-gpu. Imports node built-ins, the contract's types and the pure parser beside it.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { GpuSample, ProbeHealth } from '../../preload/contract/index.ts';
import type { GpuInventorySource } from './inventory.ts';
import {
  INVENTORY_FIELDS,
  TELEMETRY_FIELDS,
  parseHelpQueryGpu,
  parseInventory,
  parseMigInstances,
  parseTelemetryRow,
  planFields,
  type FieldPlan,
  type TelemetryKey,
} from './nvidia-smi-csv.ts';
import type { GpuSampler } from './sampler.ts';
import { NvidiaSmiExtras, type ExtrasOptions } from './nvidia-smi-extras.ts';
import { endGroup, runTool, spawnInGroup } from './process-group.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { Emitter, type Disposable } from '../lib/emitter.ts';
import { every } from '../lib/every.ts';

/** nvidia-smi from IO_WORKER_NVIDIA_SMI, else the first one on PATH (and the driver's folder on Windows). */
export function findNvidiaSmi(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | null {
  const configured = env.IO_WORKER_NVIDIA_SMI?.trim();
  if (configured) return configured; // used as given: a wrong path shows up as an absent probe that says so
  const exe = platform === 'win32' ? 'nvidia-smi.exe' : 'nvidia-smi';
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  if (platform === 'win32') dirs.push(path.join(env.SystemRoot ?? 'C:\\Windows', 'System32'));
  for (const dir of dirs) {
    const candidate = path.join(dir, exe);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return null;
}

function run(executable: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  return runTool({ executable, args, timeoutMs, env, name: 'nvidia-smi', signal });
}

export interface NvidiaSmiOptions {
  executable: string;
  /** Environment for the child (tests point the fake at a capture). */
  env?: NodeJS.ProcessEnv;
  /** First restart delay; doubles per failure up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  helpTimeoutMs?: number;
  /** The slow reads beside the loop (health, processes, MIG, Xid); off unless asked for. */
  extras?: Omit<ExtrasOptions, 'executable' | 'env' | 'gpus'> | false;
}

interface Sweep {
  at: number;
  gpus: GpuSample[];
}

const UNREADABLE_WINDOW_MS = 10_000;
/** Clean sweeps in a row after which earlier unreadable lines no longer count against the probe. */
const CLEAN_SWEEPS_TO_RECOVER = 3;

export class NvidiaSmiSampler implements GpuSampler {
  readonly name = 'nvidia-smi';
  readonly #options: Required<Omit<NvidiaSmiOptions, 'env' | 'extras'>> & { env?: NodeJS.ProcessEnv };
  /** Health, processes, MIG instances and Xid errors, read slowly beside the loop. */
  readonly extras: NvidiaSmiExtras | null;
  #busIds = new Map<string, string | null>();
  #intervalMs = 1000;
  #running = false;
  #generation = 0;
  #child: ChildProcess | null = null;
  #plan: FieldPlan<TelemetryKey> | null = null;
  #partial = '';
  #current = new Map<string, GpuSample>();
  #lastSweep: Sweep | null = null;
  #lastLineAt = 0;
  #startedAt = 0;
  #known = new Map<string, string>(); // key -> "GPU 3 (NVIDIA H200, 00000000:83:00.0)"
  #lost = new Set<string>();
  #present = '';
  readonly #hardwareChanges = new Emitter<void>();
  #unreadable: { at: number; why: string }[] = [];
  #unreadableInSweep = 0;
  #cleanSweeps = 0;
  #problem: { state: 'degraded' | 'absent'; detail: string } | null = null;
  #lastOutput = '';
  #failures = 0;
  #restartTimer: NodeJS.Timeout | null = null;
  #watchdog: Disposable | null = null;
  #stopping = new AbortController(); // ends a field query still running when the sampler stops

  constructor(options: NvidiaSmiOptions) {
    const { extras, ...rest } = options;
    this.#options = { backoffMs: 500, maxBackoffMs: 30_000, helpTimeoutMs: 5000, ...rest };
    this.extras = extras
      ? new NvidiaSmiExtras({
          ...extras,
          executable: options.executable,
          env: options.env,
          gpus: () => (this.#lastSweep?.gpus ?? []).map((g) => ({ index: g.index, uuid: g.uuid })),
        })
      : null;
  }

  onHardwareChange(listener: () => void): () => void {
    return this.#hardwareChanges.on(listener);
  }

  watchProcesses(watched: boolean): void {
    this.extras?.watch(watched);
  }

  /** The running nvidia-smi loop's process id (one per sampler, not one per sample). */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** The fields in use, once negotiated (for the health detail and tests). */
  get fields(): string[] {
    return this.#plan?.fields ?? [];
  }

  start(intervalMs: number): void {
    const restart = this.#running;
    this.#intervalMs = Math.max(100, Math.round(intervalMs));
    this.#running = true;
    if (!restart) this.extras?.start();
    if (restart) this.#killChild();
    else this.#launch();
    // Hangs are checked on every read; this slow backstop covers a sampler nobody reads.
    this.#watchdog ??= every(1000, () => this.#checkHang()); // on the worker's 1 s timer: no wakeup of its own
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#generation++;
    this.extras?.stop();
    this.#stopping.abort();
    this.#stopping = new AbortController();
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#watchdog?.();
    this.#restartTimer = null;
    this.#watchdog = null;
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const done = setTimeout(resolve, 2000);
      child.once('exit', () => {
        clearTimeout(done);
        resolve();
      });
      endGroup(child);
    });
  }

  latest(): { gpus: GpuSample[]; health: ProbeHealth } {
    this.#checkHang();
    const now = Date.now();
    const staleAfter = Math.max(2.5 * this.#intervalMs, 1500);
    const sweep = this.#lastSweep;
    const fresh = sweep !== null && now - sweep.at <= staleAfter;
    const gpus = fresh ? sweep.gpus : [];
    return { gpus, health: this.#health(now, fresh, staleAfter) };
  }

  #health(now: number, fresh: boolean, staleAfter: number): ProbeHealth {
    const say = (state: ProbeHealth['state'], detail: string): ProbeHealth => ({ probe: this.name, state, detail });
    if (this.#problem?.state === 'absent') return say('absent', this.#problem.detail);
    this.#unreadable = this.#unreadable.filter((u) => now - u.at <= UNREADABLE_WINDOW_MS);
    const last = this.#unreadable[this.#unreadable.length - 1];
    const unreadable = last
      ? `${this.#unreadable.length} unreadable line(s) from nvidia-smi in the last 10 s (${last.why}).`
      : null;
    if (!fresh) {
      if (this.#problem) return say('degraded', this.#problem.detail);
      if (unreadable) return say('degraded', `No readable GPU readings: ${unreadable}`);
      if (this.#lastSweep === null && now - this.#startedAt < staleAfter) return say('degraded', 'Starting nvidia-smi…');
      const silentFor = ((now - Math.max(this.#lastLineAt, this.#startedAt)) / 1000).toFixed(1);
      return say('degraded', `No GPU readings from nvidia-smi for ${silentFor} s.`);
    }
    const problems: string[] = [];
    if (this.#lost.size > 0) {
      problems.push(`${[...this.#lost].map((key) => this.#known.get(key)).join(', ')} no longer reported by nvidia-smi.`);
    }
    if (unreadable) problems.push(unreadable);
    if (this.#problem) problems.push(this.#problem.detail);
    if (problems.length > 0) return say('degraded', problems.join(' '));
    const count = this.#lastSweep?.gpus.length ?? 0;
    return say('ok', `${count} GPU${count === 1 ? '' : 's'} via nvidia-smi, ${this.fields.length} fields every ${this.#intervalMs} ms.`);
  }

  #launch(): void {
    if (!this.#running) return;
    const generation = ++this.#generation;
    this.#startedAt = Date.now();
    run(this.#options.executable, ['--help-query-gpu'], this.#options.helpTimeoutMs, this.#options.env, this.#stopping.signal)
      .then((help) => {
        if (generation !== this.#generation) return;
        this.#plan = planFields(TELEMETRY_FIELDS, parseHelpQueryGpu(help));
        if (this.#plan.column.index === undefined) throw new Error('nvidia-smi --help-query-gpu lists no "index" field');
        this.#spawnLoop(generation);
      })
      .catch((error: NodeJS.ErrnoException) => {
        if (generation !== this.#generation) return;
        const absent = error.code === 'ENOENT' || error.code === 'EACCES';
        this.#problem = { state: absent ? 'absent' : 'degraded', detail: error.message };
        this.#scheduleRestart(generation);
      });
  }

  #spawnLoop(generation: number): void {
    const plan = this.#plan!;
    const args = [`--query-gpu=${plan.fields.join(',')}`, '--format=csv,noheader,nounits', '-lms', String(this.#intervalMs)];
    const child = spawnInGroup(this.#options.executable, args, { env: this.#options.env });
    this.#child = child;
    this.#partial = '';
    this.#current.clear();
    this.#lastLineAt = Date.now();
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (generation !== this.#generation) return;
      this.#partial += chunk;
      let newline: number;
      while ((newline = this.#partial.indexOf('\n')) >= 0) {
        const line = this.#partial.slice(0, newline);
        this.#partial = this.#partial.slice(newline + 1);
        this.#line(line);
      }
      if (this.#partial.length > 64 * 1024) {
        this.#unreadableLine('a line longer than 64 KiB');
        this.#partial = '';
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      const last = chunk.trim().split('\n').pop();
      if (last) this.#lastOutput = last;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (generation !== this.#generation) return;
      this.#problem = { state: error.code === 'ENOENT' ? 'absent' : 'degraded', detail: `nvidia-smi could not start: ${error.message}` };
    });
    child.on('exit', (code, signal) => {
      endGroup(child); // a wrapper's leftover children would hold the pipe open and live on
      if (generation !== this.#generation) return;
      if (this.#partial.trim() !== '') this.#unreadableLine(`a cut-off line "${this.#partial.slice(0, 40)}"`);
      this.#partial = '';
      this.#child = null;
      const said = this.#lastOutput.trim();
      if (this.#problem?.state !== 'absent') {
        this.#problem = {
          state: 'degraded',
          detail: `nvidia-smi exited (${signal ?? `code ${code}`})${said ? `: ${said.slice(0, 200)}` : '.'}`,
        };
      }
      this.#scheduleRestart(generation);
    });
  }

  #scheduleRestart(generation: number): void {
    if (!this.#running || generation !== this.#generation) return;
    const delay = backoffDelay(this.#failures, this.#options.backoffMs, this.#options.maxBackoffMs);
    this.#failures++;
    if (this.#problem?.state === 'degraded') {
      const said = this.#problem.detail.replace(/ Retrying in .*$/, '');
      this.#problem.detail = `${said}${/[.!?…]$/.test(said) ? '' : '.'} Retrying in ${(delay / 1000).toFixed(1)} s.`;
    } else if (this.#problem && !/[.!?…]$/.test(this.#problem.detail)) this.#problem.detail += '.';
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      this.#launch();
    }, delay);
    this.#restartTimer.unref();
  }

  #killChild(): void {
    const child = this.#child;
    this.#child = null;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    if (child && child.exitCode === null) endGroup(child);
    this.#launch(); // a new generation: whatever the old child still prints is ignored
  }

  /** A loop that prints nothing is killed and started again: nvidia-smi can hang on a wedged driver. */
  #checkHang(): void {
    if (!this.#running || !this.#child) return;
    const silentMs = Date.now() - this.#lastLineAt;
    if (silentMs < Math.max(4 * this.#intervalMs, 4000)) return;
    this.#problem = { state: 'degraded', detail: `nvidia-smi hung: it stopped answering (silent for ${(silentMs / 1000).toFixed(0)} s).` };
    endGroup(this.#child);
    this.#child = null;
    this.#scheduleRestart(++this.#generation);
  }

  #unreadableLine(why: string): void {
    this.#unreadableInSweep++;
    this.#cleanSweeps = 0;
    this.#unreadable.push({ at: Date.now(), why });
    if (this.#unreadable.length > 100) this.#unreadable.shift();
  }

  #line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    this.#lastLineAt = Date.now();
    if (line.trim() === '') return;
    const parsed = parseTelemetryRow(line, this.#plan!);
    if ('error' in parsed) {
      this.#lastOutput = line;
      this.#unreadableLine(parsed.error);
      return;
    }
    if (parsed.warning) this.#unreadableLine(parsed.warning);
    // A row for a GPU already in this sweep starts the next sweep; so does reaching `count` rows.
    if (this.#current.has(parsed.key)) this.#finishSweep();
    this.#current.set(parsed.key, parsed.sample);
    this.#busIds.set(parsed.key, parsed.busId);
    if (!this.#known.has(parsed.key)) {
      const { index, model } = parsed.sample;
      this.#known.set(parsed.key, `GPU ${index} (${model}${parsed.busId === null ? '' : `, ${parsed.busId}`})`);
    }
    if (parsed.count !== null && this.#current.size >= parsed.count) this.#finishSweep();
  }

  #finishSweep(): void {
    if (this.#current.size === 0) return;
    const extras = this.extras;
    const gpus = [...this.#current.entries()]
      .map(([key, sample]) => (extras ? extras.decorate(sample, this.#busIds.get(key) ?? null) : sample))
      .sort((a, b) => a.index - b.index);
    this.#lost = new Set([...this.#known.keys()].filter((key) => !this.#current.has(key)));
    const present = [...this.#current.keys()].sort().join('\n');
    if (this.#present !== '' && present !== this.#present) this.#hardwareChanges.emit();
    this.#present = present;
    this.#lastSweep = { at: Date.now(), gpus };
    this.#current = new Map();
    if (this.#unreadableInSweep === 0 && ++this.#cleanSweeps >= CLEAN_SWEEPS_TO_RECOVER) this.#unreadable = [];
    this.#unreadableInSweep = 0;
    // A full sweep means the tool works again: forget the failure and the backoff.
    this.#problem = null;
    this.#failures = 0;
    this.#lastOutput = '';
  }
}

/** The GPUs nvidia-smi knows, with limits, clocks, compute capability and MIG instances. */
export class NvidiaSmiInventory implements GpuInventorySource {
  readonly #executable: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  constructor(executable: string, env?: NodeJS.ProcessEnv) {
    this.#executable = executable;
    this.#env = env;
  }

  async inventory(): Promise<{ gpus: ReturnType<typeof parseInventory>['gpus']; warnings: string[] } | null> {
    let help: string;
    try {
      help = await run(this.#executable, ['--help-query-gpu'], 5000, this.#env);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const plan = planFields(INVENTORY_FIELDS, parseHelpQueryGpu(help));
    const csv = await run(this.#executable, [`--query-gpu=${plan.fields.join(',')}`, '--format=csv,nounits'], 10_000, this.#env);
    const list = await run(this.#executable, ['-L'], 5000, this.#env).catch(() => '');
    const result = parseInventory(csv, plan, parseMigInstances(list));
    if (result.gpus.length === 0) result.warnings.push('nvidia-smi is installed but reports no GPUs: is the NVIDIA driver loaded?');
    return result;
  }
}
