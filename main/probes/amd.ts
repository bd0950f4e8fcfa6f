// AMD GPUs through `rocm-smi --json` (ROCm 4.3 to 6.x key names). rocm-smi has no loop mode and is a
// Python program, so it is polled no faster than every 2 s; every field it cannot give says why.
// Imports node built-ins and the contract's types only.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { GpuInventory, GpuSample, ProbeHealth } from '../../preload/contract/index.ts';
import type { GpuInventorySource } from './inventory.ts';
import type { GpuSampler } from './sampler.ts';

/** rocm-smi's key names changed between releases: the newest first. */
const KEYS = {
  name: ['Device Name', 'Card Series', 'Card series', 'Card SKU'],
  uuid: ['Unique ID'],
  busId: ['PCI Bus'],
  edge: ['Temperature (Sensor edge) (C)'],
  junction: ['Temperature (Sensor junction) (C)'],
  memoryTemperature: ['Temperature (Sensor memory) (C)', 'Temperature (Sensor mem) (C)', 'Temperature (Sensor HBM 0) (C)'],
  power: ['Current Socket Graphics Package Power (W)', 'Average Graphics Package Power (W)'],
  powerCap: ['Max Graphics Package Power (W)'],
  utilization: ['GPU use (%)'],
  memoryActivity: ['GPU Memory Read/Write Activity (%)', 'GPU memory use (%)'],
  vramTotal: ['VRAM Total Memory (B)'],
  vramUsed: ['VRAM Total Used Memory (B)'],
  sclk: ['sclk clock speed:'],
  mclk: ['mclk clock speed:'],
  fan: ['Fan speed (%)'],
  pcie: ['pcie clock level'],
  energy: ['Accumulated Energy (uJ)'],
  gfx: ['GFX Version'],
} as const;

export const ROCM_SMI_ARGS = [
  '--showproductname', '--showuniqueid', '--showbus', '--showtemp', '--showpower', '--showmaxpower', '--showuse',
  '--showmemuse', '--showmeminfo', 'vram', '--showclocks', '--showfan', '--showenergycounter', '--json',
];

type Card = Record<string, unknown>;

function pick(card: Card, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = card[key];
    if (value === undefined || value === null) continue;
    const text = String(value).trim();
    if (text !== '' && text !== 'N/A' && text !== 'None') return text;
  }
  return null;
}

/** A numeric reading or null with why; `scale` converts units (bytes -> MiB, µJ -> J). */
function reading(card: Card, keys: readonly string[], field: string, unavailable: Record<string, string>, scale = 1): number | null {
  const text = pick(card, keys);
  if (text === null) {
    unavailable[field] = keys.some((k) => k in card) ? 'not available on this GPU' : 'not reported by rocm-smi';
    return null;
  }
  const match = /-?\d+(?:\.\d+)?/.exec(text);
  const value = match ? Number(match[0]) : NaN;
  if (!Number.isFinite(value)) {
    unavailable[field] = `unreadable value "${text.slice(0, 40)}"`;
    return null;
  }
  return Math.round((value / scale) * 100) / 100;
}

const PCIE_GEN_BY_RATE: Record<string, number> = { '2.5': 1, '5.0': 2, '8.0': 3, '16.0': 4, '32.0': 5, '64.0': 6 };

export interface RocmSmiReading {
  gpus: GpuSample[];
  inventory: GpuInventory[];
}

/** `rocm-smi ... --json` text into samples and inventory, GPUs ordered by card number. */
export function parseRocmSmiJson(text: string): RocmSmiReading {
  const data = JSON.parse(text) as Record<string, Card>;
  if (typeof data !== 'object' || data === null) throw new Error('rocm-smi printed JSON that is not an object');
  const driver = pick(data.system ?? {}, ['Driver version']);
  const cards = Object.keys(data)
    .map((key) => ({ key, index: /^card(\d+)$/.exec(key)?.[1] }))
    .filter((c): c is { key: string; index: string } => c.index !== undefined)
    .map((c) => ({ index: Number(c.index), card: data[c.key] }))
    .sort((a, b) => a.index - b.index);
  const gpus: GpuSample[] = [];
  const inventory: GpuInventory[] = [];
  for (const { index, card } of cards) {
    const unavailable: Record<string, string> = {};
    const model = pick(card, KEYS.name) ?? 'AMD GPU';
    const uuid = pick(card, KEYS.uuid);
    const pcie = /([\d.]+)GT\/s x(\d+)/.exec(pick(card, KEYS.pcie) ?? '');
    if (!pcie) unavailable['pcie.generation'] = unavailable['pcie.width'] = 'not reported by rocm-smi';
    const temperatureC = reading(card, KEYS.edge, 'temperatureC', unavailable);
    if (temperatureC === null && pick(card, KEYS.junction) !== null) unavailable.temperatureC = 'this GPU has no edge sensor; see the hotspot (junction) reading';
    const sample: GpuSample = {
      index,
      uuid,
      model,
      temperatureC,
      hotspotC: reading(card, KEYS.junction, 'hotspotC', unavailable),
      memoryTemperatureC: reading(card, KEYS.memoryTemperature, 'memoryTemperatureC', unavailable),
      powerW: reading(card, KEYS.power, 'powerW', unavailable),
      powerLimitW: reading(card, KEYS.powerCap, 'powerLimitW', unavailable),
      utilizationPct: reading(card, KEYS.utilization, 'utilizationPct', unavailable),
      memoryUtilizationPct: reading(card, KEYS.memoryActivity, 'memoryUtilizationPct', unavailable),
      encoderPct: null,
      decoderPct: null,
      vramUsedMiB: reading(card, KEYS.vramUsed, 'vramUsedMiB', unavailable, 2 ** 20),
      vramTotalMiB: reading(card, KEYS.vramTotal, 'vramTotalMiB', unavailable, 2 ** 20),
      clocksMHz: {
        graphics: reading(card, KEYS.sclk, 'clocksMHz.graphics', unavailable),
        sm: null,
        memory: reading(card, KEYS.mclk, 'clocksMHz.memory', unavailable),
      },
      fanPct: reading(card, KEYS.fan, 'fanPct', unavailable),
      pstate: null,
      throttleReasons: [],
      pcie: { generation: pcie ? (PCIE_GEN_BY_RATE[pcie[1]] ?? null) : null, width: pcie ? Number(pcie[2]) : null },
      energyJ: reading(card, KEYS.energy, 'energyJ', unavailable, 1e6),
      unavailable,
    };
    unavailable.encoderPct = unavailable.decoderPct = 'rocm-smi does not report encoder or decoder use';
    unavailable['clocksMHz.sm'] = 'AMD GPUs report one graphics clock (sclk)';
    unavailable.pstate = 'AMD GPUs have no P-states';
    unavailable.throttleReasons = 'rocm-smi does not report throttle reasons';
    gpus.push(sample);
    inventory.push({
      index,
      vendor: 'AMD',
      model,
      vramMiB: sample.vramTotalMiB,
      driver,
      uuid,
      pciBusId: pick(card, KEYS.busId),
      source: 'rocm-smi',
      powerLimitW: sample.powerLimitW === null ? null : { default: null, min: null, max: null, enforced: sample.powerLimitW },
      maxClocksMHz: null,
      computeCapability: pick(card, KEYS.gfx),
      mig: null,
    });
  }
  return { gpus, inventory };
}

/** rocm-smi from IO_WORKER_ROCM_SMI, else PATH, else ROCm's default folder. */
export function findRocmSmi(env: NodeJS.ProcessEnv = process.env): string | null {
  const configured = env.IO_WORKER_ROCM_SMI?.trim();
  if (configured) return configured;
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), '/opt/rocm/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'rocm-smi');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function runRocmSmi(executable: string, timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<RocmSmiReading> {
  return new Promise((resolve, reject) => {
    execFile(executable, ROCM_SMI_ARGS, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024, env }, (error, stdout) => {
      const err = error as (NodeJS.ErrnoException & { killed?: boolean }) | null;
      if (err?.code === 'ENOENT') return reject(Object.assign(new Error(`rocm-smi not found at ${executable}`), { code: 'ENOENT' }));
      if (err?.killed) return reject(new Error(`rocm-smi did not answer within ${timeoutMs / 1000} s`));
      // rocm-smi exits non-zero when one of many flags is unsupported, yet still prints the rest.
      const start = stdout.indexOf('{');
      if (start < 0) return reject(new Error(`rocm-smi printed no JSON${err ? ` (exit ${err.code})` : ''}`));
      try {
        resolve(parseRocmSmiJson(stdout.slice(start)));
      } catch (parseError) {
        reject(new Error(`rocm-smi printed unreadable JSON: ${(parseError as Error).message.slice(0, 120)}`));
      }
    });
  });
}

export const ROCM_MIN_INTERVAL_MS = 2000;

export class RocmSmiSampler implements GpuSampler {
  readonly name = 'rocm-smi';
  readonly #executable: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  #intervalMs = ROCM_MIN_INTERVAL_MS;
  #timer: NodeJS.Timeout | null = null;
  #inFlight = false;
  #last: { at: number; gpus: GpuSample[] } | null = null;
  #problem: { state: 'degraded' | 'absent'; detail: string } | null = null;
  #startedAt = 0;

  constructor(executable: string, env?: NodeJS.ProcessEnv) {
    this.#executable = executable;
    this.#env = env;
  }

  start(intervalMs: number): void {
    this.#intervalMs = Math.max(ROCM_MIN_INTERVAL_MS, intervalMs);
    if (this.#timer) clearInterval(this.#timer);
    this.#startedAt = Date.now();
    this.#timer = setInterval(() => this.#poll(), this.#intervalMs).unref();
    this.#poll();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #poll(): void {
    if (this.#inFlight) return; // a slow rocm-smi is not stacked up
    this.#inFlight = true;
    runRocmSmi(this.#executable, Math.max(3 * this.#intervalMs, 5000), this.#env)
      .then((reading) => {
        this.#last = { at: Date.now(), gpus: reading.gpus };
        this.#problem = null;
      })
      .catch((error: NodeJS.ErrnoException) => {
        this.#problem = { state: error.code === 'ENOENT' ? 'absent' : 'degraded', detail: error.message };
      })
      .finally(() => {
        this.#inFlight = false;
      });
  }

  latest(): { gpus: GpuSample[]; health: ProbeHealth } {
    const fresh = this.#last !== null && Date.now() - this.#last.at <= 2.5 * this.#intervalMs;
    const gpus = fresh ? this.#last!.gpus : [];
    const say = (state: ProbeHealth['state'], detail: string) => ({ gpus, health: { probe: this.name, state, detail } });
    if (this.#problem) return say(this.#problem.state, this.#problem.detail);
    if (!fresh) return say('degraded', this.#last === null && Date.now() - this.#startedAt < 2.5 * this.#intervalMs ? 'Starting rocm-smi…' : 'No fresh readings from rocm-smi.');
    return say('ok', `${gpus.length} GPU${gpus.length === 1 ? '' : 's'} via rocm-smi every ${this.#intervalMs / 1000} s (rocm-smi is too slow to ask more often).`);
  }
}

export class RocmSmiInventory implements GpuInventorySource {
  readonly #executable: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  constructor(executable: string, env?: NodeJS.ProcessEnv) {
    this.#executable = executable;
    this.#env = env;
  }

  async inventory(): Promise<{ gpus: GpuInventory[]; warnings: string[] } | null> {
    try {
      const reading = await runRocmSmi(this.#executable, 15_000, this.#env);
      return { gpus: reading.inventory, warnings: reading.inventory.length === 0 ? ['rocm-smi is installed but reports no GPUs: is the amdgpu driver loaded?'] : [] };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }
}
