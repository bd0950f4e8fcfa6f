// AMD GPUs through `amd-smi` (ROCm 6+, the tool that replaces rocm-smi): `amd-smi metric --json`
// for live readings, `amd-smi static --json` for the inventory and limits. Reads both JSON shapes
// amd-smi has printed: a top-level list (ROCm 6.0-6.3) and `{"gpu_data": [...]}` (6.4 and 7.x).
// Values come as `{value, unit}`, bare numbers or "N/A". Polled like rocm-smi: a Python tool.
import fs from 'node:fs';
import path from 'node:path';
import type { GpuInventory, GpuSample, ProbeHealth } from '../../preload/contract/index.ts';
import { gpuHealth } from './gpu-health.ts';
import type { GpuInventorySource } from './inventory.ts';
import { runTool } from './process-group.ts';
import type { GpuSampler } from './sampler.ts';

type Json = Record<string, unknown>;

/** The per-GPU records of either JSON shape, ordered by `gpu`; a warning line before the JSON is skipped. */
export function amdSmiRecords(text: string): Json[] {
  const start = text.search(/^[[{]/m);
  if (start < 0) throw new Error('amd-smi printed no JSON');
  const data = JSON.parse(text.slice(start)) as unknown;
  const list = Array.isArray(data) ? data : (data as Json)?.gpu_data;
  if (!Array.isArray(list)) throw new Error('amd-smi printed JSON without a GPU list');
  return (list as Json[]).filter((r) => r && typeof r === 'object').sort((a, b) => Number(a.gpu) - Number(b.gpu));
}

function at(record: Json | undefined, ...keys: string[]): unknown {
  let v: unknown = record;
  for (const key of keys) v = v && typeof v === 'object' ? (v as Json)[key] : undefined;
  return v;
}

/** `{value, unit}`, a number, or "42 %" into a number in `unit` terms; null for "N/A" and absent. */
function value(v: unknown): number | null {
  if (v && typeof v === 'object' && 'value' in v) v = (v as Json).value;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const m = /^-?\d+(?:\.\d+)?/.exec(v.trim());
    return m ? Number(m[0]) : null;
  }
  return null;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' && v !== 'N/A' ? v.trim() : null;
}

const GT_PER_GEN: Record<number, number> = { 2.5: 1, 5: 2, 8: 3, 16: 4, 32: 5, 64: 6 };

/** `amd-smi metric --json` into samples; `limits` (from static) gives each GPU's power limit. */
export function parseAmdSmiMetric(textOut: string, statics: Json[] = []): GpuSample[] {
  return amdSmiRecords(textOut).map((r) => {
    const index = Number(r.gpu);
    const st = statics.find((s) => Number(s.gpu) === index);
    const unavailable: Record<string, string> = {};
    const read = (field: string, ...candidates: unknown[]): number | null => {
      for (const c of candidates) {
        const n = value(c);
        if (n !== null) return n;
      }
      unavailable[field] = candidates.some((c) => c !== undefined) ? 'not available on this GPU' : 'not reported by amd-smi';
      return null;
    };
    const speed = value(at(r, 'pcie', 'speed'));
    const throttle = text(at(r, 'power', 'throttle_status'));
    const sample: GpuSample = {
      index,
      uuid: text(at(st, 'asic', 'asic_serial')) ?? null,
      model: text(at(st, 'asic', 'market_name')) ?? 'AMD GPU',
      temperatureC: read('temperatureC', at(r, 'temperature', 'edge')),
      hotspotC: read('hotspotC', at(r, 'temperature', 'hotspot')),
      memoryTemperatureC: read('memoryTemperatureC', at(r, 'temperature', 'mem')),
      powerW: read('powerW', at(r, 'power', 'socket_power'), at(r, 'power', 'average_socket_power')),
      powerLimitW: read('powerLimitW', at(st, 'limit', 'socket_power'), at(st, 'limit', 'max_power')),
      utilizationPct: read('utilizationPct', at(r, 'usage', 'gfx_activity')),
      memoryUtilizationPct: read('memoryUtilizationPct', at(r, 'usage', 'umc_activity')),
      encoderPct: null,
      decoderPct: null,
      vramUsedMiB: read('vramUsedMiB', at(r, 'mem_usage', 'used_vram')), // amd-smi's "MB" are MiB
      vramTotalMiB: read('vramTotalMiB', at(r, 'mem_usage', 'total_vram'), at(st, 'vram', 'size')),
      clocksMHz: {
        graphics: read('clocksMHz.graphics', at(r, 'clock', 'gfx_0', 'clk')),
        sm: null,
        memory: read('clocksMHz.memory', at(r, 'clock', 'mem_0', 'clk')),
      },
      fanPct: read('fanPct', at(r, 'fan', 'usage')),
      pstate: null,
      throttleReasons: [],
      pcie: { generation: speed === null ? null : (GT_PER_GEN[speed] ?? null), width: read('pcie.width', at(r, 'pcie', 'width')) },
      energyJ: read('energyJ', at(r, 'energy', 'total_energy_consumption')),
      unavailable,
    };
    if (sample.pcie.generation === null) unavailable['pcie.generation'] = 'not reported by amd-smi';
    unavailable.encoderPct = unavailable.decoderPct = 'amd-smi reports video engine use per engine, not shown here';
    unavailable['clocksMHz.sm'] = 'AMD GPUs report one graphics clock';
    unavailable.pstate = 'AMD GPUs have no P-states';
    // amd-smi says only whether the GPU is throttled, not why: the reason list stays empty and says so.
    unavailable.throttleReasons = throttle === 'THROTTLED' ? 'throttled; amd-smi does not say why' : 'amd-smi does not report throttle reasons';
    const correctable = value(at(r, 'ecc', 'total_correctable_count'));
    const uncorrectable = value(at(r, 'ecc', 'total_uncorrectable_count'));
    const maxSpeed = value(at(st, 'bus', 'max_pcie_speed'));
    sample.health = gpuHealth(sample, {
      checkedAt: Date.now(),
      ecc: {
        mode: correctable === null && uncorrectable === null ? 'unsupported' : 'enabled',
        volatile: { corrected: correctable, uncorrected: uncorrectable },
        aggregate: { corrected: null, uncorrected: null },
      },
      remappedRows: null,
      pcie: {
        maxGeneration: maxSpeed === null ? null : (GT_PER_GEN[maxSpeed] ?? null),
        maxWidth: value(at(st, 'bus', 'max_pcie_width')),
        replays: value(at(r, 'pcie', 'replay_count')),
      },
      unavailable: { xid: 'Xid errors are NVIDIA only', remappedRows: 'amd-smi reports bad pages, not remapped rows' },
    });
    return sample;
  });
}

/** `amd-smi static --json` into the inventory. */
export function parseAmdSmiStatic(textOut: string): GpuInventory[] {
  return amdSmiRecords(textOut).map((r) => {
    const limit = { default: null, min: value(at(r, 'limit', 'min_power')), max: value(at(r, 'limit', 'max_power')), enforced: value(at(r, 'limit', 'socket_power')) };
    return {
      index: Number(r.gpu),
      vendor: 'AMD',
      model: text(at(r, 'asic', 'market_name')) ?? 'AMD GPU',
      vramMiB: value(at(r, 'vram', 'size')),
      driver: text(at(r, 'driver', 'version')),
      uuid: text(at(r, 'asic', 'asic_serial')),
      pciBusId: text(at(r, 'bus', 'bdf')),
      source: 'amd-smi' as const,
      powerLimitW: Object.values(limit).every((v) => v === null) ? null : limit,
      maxClocksMHz: null,
      computeCapability: text(at(r, 'asic', 'target_graphics_version')),
      mig: null,
    };
  });
}

/** amd-smi from IO_WORKER_AMD_SMI, else PATH, else ROCm's folder. */
export function findAmdSmi(env: NodeJS.ProcessEnv = process.env): string | null {
  const configured = env.IO_WORKER_AMD_SMI?.trim();
  if (configured) return configured;
  for (const dir of [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), '/opt/rocm/bin']) {
    const candidate = path.join(dir, 'amd-smi');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export const AMD_SMI_MIN_INTERVAL_MS = 2000;

export class AmdSmiSampler implements GpuSampler {
  readonly name = 'amd-smi';
  readonly #executable: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  #intervalMs = AMD_SMI_MIN_INTERVAL_MS;
  #timer: NodeJS.Timeout | null = null;
  #inFlight = false;
  #statics: Json[] | null = null;
  #last: { at: number; gpus: GpuSample[] } | null = null;
  #problem: { state: 'degraded' | 'absent'; detail: string } | null = null;
  #startedAt = 0;
  #stopping = new AbortController();

  constructor(executable: string, env?: NodeJS.ProcessEnv) {
    this.#executable = executable;
    this.#env = env;
  }

  start(intervalMs: number): void {
    this.stop();
    this.#stopping = new AbortController();
    this.#intervalMs = Math.max(AMD_SMI_MIN_INTERVAL_MS, intervalMs);
    this.#startedAt = Date.now();
    this.#timer = setInterval(() => void this.#poll(), this.#intervalMs).unref();
    void this.#poll();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#stopping.abort();
  }

  async #poll(): Promise<void> {
    if (this.#inFlight) return; // a slow amd-smi is not stacked up
    this.#inFlight = true;
    const run = (args: string[]) =>
      runTool({ executable: this.#executable, args, timeoutMs: Math.max(3 * this.#intervalMs, 5000), env: this.#env, name: 'amd-smi', signal: this.#stopping.signal });
    try {
      this.#statics ??= amdSmiRecords(await run(['static', '--json']));
      this.#last = { at: Date.now(), gpus: parseAmdSmiMetric(await run(['metric', '--json']), this.#statics) };
      this.#problem = null;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      this.#problem = { state: e.code === 'ENOENT' ? 'absent' : 'degraded', detail: e.message };
    } finally {
      this.#inFlight = false;
    }
  }

  latest(): { gpus: GpuSample[]; health: ProbeHealth } {
    const fresh = this.#last !== null && Date.now() - this.#last.at <= 2.5 * this.#intervalMs;
    const gpus = fresh ? this.#last!.gpus : [];
    const say = (state: ProbeHealth['state'], detail: string) => ({ gpus, health: { probe: this.name, state, detail } });
    if (this.#problem) return say(this.#problem.state, this.#problem.detail);
    if (!fresh) return say('degraded', this.#last === null && Date.now() - this.#startedAt < 2.5 * this.#intervalMs ? 'Starting amd-smi…' : 'No fresh readings from amd-smi.');
    return say('ok', `${gpus.length} GPU${gpus.length === 1 ? '' : 's'} via amd-smi every ${this.#intervalMs / 1000} s (amd-smi is too slow to ask more often).`);
  }
}

export class AmdSmiInventory implements GpuInventorySource {
  readonly #executable: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  constructor(executable: string, env?: NodeJS.ProcessEnv) {
    this.#executable = executable;
    this.#env = env;
  }

  async inventory(): Promise<{ gpus: GpuInventory[]; warnings: string[] } | null> {
    try {
      const gpus = parseAmdSmiStatic(await runTool({ executable: this.#executable, args: ['static', '--json'], timeoutMs: 15_000, env: this.#env, name: 'amd-smi' }));
      return { gpus, warnings: gpus.length === 0 ? ['amd-smi is installed but reports no GPUs: is the amdgpu driver loaded?'] : [] };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}
