// Pure parsing of nvidia-smi output: --help-query-gpu (which fields this driver knows), CSV rows of
// --query-gpu (with or without header and units), `-L` (MIG instances). No I/O; imports only types.
import type { GpuInventory, GpuSample } from '../../preload/contract/index.ts';
import { THROTTLE_REASON_WORDS, type ThrottleReason } from '../../preload/contract/words.ts';

/** A value nvidia-smi could not give is null with the reason in the user's words, never NaN or 0. */
export type Cell = { value: number; text: string } | { value: null; text: string | null; reason: string };

/** What we want from the driver, in preference order: newer names first, older drivers' names after. */
export const TELEMETRY_FIELDS = {
  index: ['index'],
  count: ['count'],
  uuid: ['uuid', 'gpu_uuid'],
  name: ['name', 'gpu_name'],
  busId: ['pci.bus_id', 'gpu_bus_id'],
  temperature: ['temperature.gpu'],
  memoryTemperature: ['temperature.memory'],
  power: ['power.draw', 'power.draw.instant', 'power.draw.average'],
  powerLimit: ['enforced.power.limit', 'power.limit'],
  utilization: ['utilization.gpu'],
  memoryUtilization: ['utilization.memory'],
  encoder: ['utilization.encoder'],
  decoder: ['utilization.decoder'],
  vramUsed: ['memory.used'],
  vramTotal: ['memory.total'],
  clockGraphics: ['clocks.current.graphics', 'clocks.gr'],
  clockSm: ['clocks.current.sm', 'clocks.sm'],
  clockMemory: ['clocks.current.memory', 'clocks.mem'],
  fan: ['fan.speed'],
  pstate: ['pstate'],
  throttle: ['clocks_event_reasons.active', 'clocks_throttle_reasons.active'],
  pcieGen: ['pcie.link.gen.gpucurrent', 'pcie.link.gen.current'],
  pcieWidth: ['pcie.link.width.current'],
  energy: ['total_energy_consumption'],
  migMode: ['mig.mode.current'],
} as const satisfies Record<string, readonly string[]>;
export type TelemetryKey = keyof typeof TELEMETRY_FIELDS;

export const INVENTORY_FIELDS = {
  index: ['index'],
  name: ['name', 'gpu_name'],
  uuid: ['uuid', 'gpu_uuid'],
  busId: ['pci.bus_id', 'gpu_bus_id'],
  driver: ['driver_version'],
  vramTotal: ['memory.total'],
  powerDefault: ['power.default_limit'],
  powerMin: ['power.min_limit'],
  powerMax: ['power.max_limit'],
  powerEnforced: ['enforced.power.limit', 'power.limit'],
  maxGraphics: ['clocks.max.graphics', 'clocks.max.gr'],
  maxSm: ['clocks.max.sm'],
  maxMemory: ['clocks.max.memory', 'clocks.max.mem'],
  computeCap: ['compute_cap'],
  migMode: ['mig.mode.current'],
} as const satisfies Record<string, readonly string[]>;
export type InventoryKey = keyof typeof INVENTORY_FIELDS;

/** Drivers too old to answer --help-query-gpu still know these (all present since the 3xx series). */
const BASELINE = new Set([
  'index', 'count', 'uuid', 'name', 'pci.bus_id', 'driver_version', 'temperature.gpu', 'power.draw', 'power.limit',
  'utilization.gpu', 'utilization.memory', 'memory.used', 'memory.total', 'clocks.gr', 'clocks.sm', 'clocks.mem',
  'clocks.max.gr', 'clocks.max.sm', 'clocks.max.mem', 'fan.speed', 'pstate',
]);

/** Every field name (aliases included) that `nvidia-smi --help-query-gpu` lists. */
export function parseHelpQueryGpu(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('"')) continue;
    for (const match of line.matchAll(/"([A-Za-z0-9_.]+)"/g)) names.add(match[1]);
  }
  return names;
}

export interface FieldPlan<K extends string> {
  /** The names to pass to --query-gpu, in column order. */
  fields: string[];
  /** Column of each wanted key; keys this driver lacks are absent. */
  column: Partial<Record<K, number>>;
  missing: K[];
}

/** Picks, for each wanted key, the first name this driver supports; an empty help means "assume the baseline". */
export function planFields<K extends string>(wanted: Record<K, readonly string[]>, supported: Set<string>): FieldPlan<K> {
  const known = supported.size > 0 ? supported : BASELINE;
  const fields: string[] = [];
  const column: Partial<Record<K, number>> = {};
  const missing: K[] = [];
  for (const key of Object.keys(wanted) as K[]) {
    const name = wanted[key].find((candidate) => known.has(candidate));
    if (name === undefined) {
      missing.push(key);
      continue;
    }
    column[key] = fields.length;
    fields.push(name);
  }
  return { fields, column, missing };
}

const MARKERS: Record<string, string> = {
  'N/A': 'not available on this GPU',
  'Not Supported': 'not supported on this GPU',
  'Requested functionality has been deprecated': 'deprecated by this driver',
  'Unknown Error': 'nvidia-smi reported an unknown error',
  'GPU is lost': 'the GPU is lost',
  'Insufficient Permissions': 'needs more permissions than this user has',
};

/** One raw CSV cell: a number (units stripped), a text, or null with why. */
export function parseCell(raw: string | undefined, unit: string | null = null): Cell {
  if (raw === undefined) return { value: null, text: null, reason: 'missing from the output' };
  const text = raw.trim();
  if (text === '') return { value: null, text: null, reason: 'empty in the output' };
  // Fast path for --format=nounits: a plain decimal number (hex masks like 0x1 take the slow path).
  const code = text.charCodeAt(0);
  if (((code >= 48 && code <= 57) || code === 45) && text.charCodeAt(1) !== 120) {
    const value = Number(text);
    if (Number.isFinite(value)) return { value: unit === 'mJ' ? value / 1000 : value, text };
  }
  const marker = /^\[(.*)\]$/.exec(text)?.[1] ?? (text === 'N/A' ? 'N/A' : null);
  if (marker !== null) return { value: null, text: null, reason: MARKERS[marker] ?? `nvidia-smi: ${marker}` };
  const numeric = /^(-?\d+(?:\.\d+)?)(?:\s*([A-Za-z%]+))?$/.exec(text);
  if (numeric) {
    const value = Number(numeric[1]);
    const suffix = numeric[2] ?? unit;
    return { value: suffix === 'mJ' ? value / 1000 : value, text };
  }
  return { value: null, text, reason: '' };
}

export function splitRow(line: string): string[] {
  return line.replace(/\r$/, '').split(', ');
}

/** Header cells `memory.total [MiB]` -> units by column; null where the header names none. */
export function headerUnits(headerLine: string): (string | null)[] {
  return splitRow(headerLine).map((cell) => /\[([^\]]+)\]\s*$/.exec(cell)?.[1] ?? null);
}

const THROTTLE_BITS: [bigint, ThrottleReason][] = [
  [0x1n, 'idle'],
  [0x2n, 'app-clocks'],
  [0x4n, 'power-cap'],
  [0x8n, 'hw-slowdown'],
  [0x10n, 'sync-boost'],
  [0x20n, 'sw-thermal'],
  [0x40n, 'hw-thermal'],
  [0x80n, 'power-brake'],
  [0x100n, 'display-clocks'],
];

/** What each throttle reason means, for the UI and for notices (the one table in words.ts). */
export const THROTTLE_LABELS: Record<string, string> = THROTTLE_REASON_WORDS;

/** `0x0000000000000044` -> ['power-cap', 'hw-thermal']; null when the text is no bitmask. */
export function decodeThrottleMask(text: string | null): ThrottleReason[] | null {
  if (!text || !/^0x[0-9a-fA-F]{1,16}$/.test(text)) return null;
  const mask = BigInt(text);
  return THROTTLE_BITS.filter(([bit]) => (mask & bit) !== 0n).map(([, name]) => name);
}

export interface ParsedRow {
  /** Identity across samples: the UUID, else the PCI bus id, else the index. */
  key: string;
  count: number | null;
  sample: GpuSample;
  /** A value that was neither a number nor a marker nvidia-smi uses: kept as null, reported as degraded. */
  warning: string | null;
  busId: string | null;
}

const NOT_REPORTED = "not reported by this driver's nvidia-smi";

/**
 * One --query-gpu row (noheader) into a sample, or an error saying why the line is unreadable.
 * `units` come from a header line when there is one; with nounits values carry none.
 */
export function parseTelemetryRow(
  line: string,
  plan: FieldPlan<TelemetryKey>,
  units: (string | null)[] = [],
): ParsedRow | { error: string } {
  const cells = splitRow(line);
  if (cells.length !== plan.fields.length) {
    return { error: `expected ${plan.fields.length} values, got ${cells.length}` };
  }
  const unavailable: Record<string, string> = {};
  const cell = (key: TelemetryKey): Cell | null => {
    const column = plan.column[key];
    return column === undefined ? null : parseCell(cells[column], units[column] ?? null);
  };
  const index = cell('index');
  if (!index || index.value === null || !Number.isInteger(index.value) || index.value < 0) {
    return { error: `no GPU index in "${line.slice(0, 40)}"` };
  }
  let unreadable: string | null = null;
  const num = (key: TelemetryKey, field: string): number | null => {
    const c = cell(key);
    if (c === null) {
      unavailable[field] = NOT_REPORTED;
      return null;
    }
    if (c.value !== null) return c.value;
    if (c.text !== null) {
      unreadable ??= `${plan.fields[plan.column[key]!]}="${c.text.slice(0, 40)}"`;
      unavailable[field] = `unreadable value "${c.text.slice(0, 40)}"`;
    } else unavailable[field] = c.reason;
    return null;
  };
  const text = (key: TelemetryKey): string | null => {
    const c = cell(key);
    return c === null || c.text === null ? null : c.text;
  };
  const migEnabled = text('migMode') === 'Enabled';
  const sample: GpuSample = {
    index: index.value,
    uuid: text('uuid'),
    model: text('name') ?? 'NVIDIA GPU',
    temperatureC: num('temperature', 'temperatureC'),
    hotspotC: null,
    memoryTemperatureC: num('memoryTemperature', 'memoryTemperatureC'),
    powerW: num('power', 'powerW'),
    powerLimitW: num('powerLimit', 'powerLimitW'),
    utilizationPct: num('utilization', 'utilizationPct'),
    memoryUtilizationPct: num('memoryUtilization', 'memoryUtilizationPct'),
    encoderPct: num('encoder', 'encoderPct'),
    decoderPct: num('decoder', 'decoderPct'),
    vramUsedMiB: num('vramUsed', 'vramUsedMiB'),
    vramTotalMiB: num('vramTotal', 'vramTotalMiB'),
    clocksMHz: {
      graphics: num('clockGraphics', 'clocksMHz.graphics'),
      sm: num('clockSm', 'clocksMHz.sm'),
      memory: num('clockMemory', 'clocksMHz.memory'),
    },
    fanPct: num('fan', 'fanPct'),
    pstate: text('pstate'),
    throttleReasons: [],
    pcie: { generation: num('pcieGen', 'pcie.generation'), width: num('pcieWidth', 'pcie.width') },
    energyJ: num('energy', 'energyJ'),
    unavailable,
  };
  unavailable.hotspotC = 'nvidia-smi does not report the hotspot temperature';
  if (sample.pstate === null) unavailable.pstate = cell('pstate') === null ? NOT_REPORTED : 'not available on this GPU';
  const throttleText = text('throttle');
  const reasons = decodeThrottleMask(throttleText);
  if (reasons) sample.throttleReasons = reasons;
  else unavailable.throttleReasons = cell('throttle') === null ? NOT_REPORTED : 'not available on this GPU';
  if (migEnabled) {
    // The driver cannot attribute whole-GPU utilization once the GPU is split into instances.
    for (const field of ['utilizationPct', 'memoryUtilizationPct', 'encoderPct', 'decoderPct'] as const) {
      if (sample[field] === null) unavailable[field] = 'not reported while MIG mode is enabled';
    }
  }
  const count = cell('count');
  return {
    key: sample.uuid ?? text('busId') ?? `index:${sample.index}`,
    busId: text('busId'),
    count: count && count.value !== null ? count.value : null,
    sample,
    warning: unreadable === null ? null : `unreadable value ${unreadable}`,
  };
}

/** `nvidia-smi -L`: MIG instances per GPU index. */
export function parseMigInstances(text: string): Map<number, number> {
  const counts = new Map<number, number>();
  let gpu = -1;
  for (const line of text.split(/\r?\n/)) {
    const head = /^GPU (\d+):/.exec(line);
    if (head) {
      gpu = Number(head[1]);
      counts.set(gpu, 0);
    } else if (gpu >= 0 && /^\s+MIG\s/.test(line)) counts.set(gpu, (counts.get(gpu) ?? 0) + 1);
  }
  return counts;
}

/** Inventory CSV (with header line) into the contract's GPU inventory. */
export function parseInventory(
  csv: string,
  plan: FieldPlan<InventoryKey>,
  migInstances: Map<number, number> = new Map(),
): { gpus: GpuInventory[]; warnings: string[] } {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const warnings: string[] = [];
  const gpus: GpuInventory[] = [];
  let units: (string | null)[] = [];
  for (const line of lines) {
    const cells = splitRow(line);
    if (cells.length !== plan.fields.length) {
      warnings.push(`nvidia-smi printed an unreadable inventory line: "${line.slice(0, 60)}"`);
      continue;
    }
    if (cells[0].trim() === plan.fields[0] || /^index\b/.test(cells[0])) {
      units = headerUnits(line);
      continue;
    }
    const get = (key: InventoryKey): Cell | null => {
      const column = plan.column[key];
      return column === undefined ? null : parseCell(cells[column], units[column] ?? null);
    };
    const num = (key: InventoryKey) => get(key)?.value ?? null;
    const text = (key: InventoryKey) => get(key)?.text ?? null;
    const index = num('index');
    if (index === null || !Number.isInteger(index)) {
      warnings.push(`nvidia-smi printed an inventory line without a GPU index: "${line.slice(0, 60)}"`);
      continue;
    }
    const migText = text('migMode');
    const migMode = migText === 'Enabled' ? 'enabled' : migText === 'Disabled' ? 'disabled' : 'unsupported';
    const limits = { default: num('powerDefault'), min: num('powerMin'), max: num('powerMax'), enforced: num('powerEnforced') };
    const clocks = { graphics: num('maxGraphics'), sm: num('maxSm'), memory: num('maxMemory') };
    gpus.push({
      index,
      vendor: 'NVIDIA',
      model: text('name') ?? 'NVIDIA GPU',
      vramMiB: num('vramTotal'),
      driver: text('driver'),
      uuid: text('uuid'),
      pciBusId: text('busId'),
      source: 'nvidia-smi',
      powerLimitW: Object.values(limits).every((v) => v === null) ? null : limits,
      maxClocksMHz: Object.values(clocks).every((v) => v === null) ? null : clocks,
      computeCapability: text('computeCap'),
      mig: { mode: migMode, instances: migMode === 'enabled' ? (migInstances.get(index) ?? 0) : 0 },
    });
  }
  return { gpus, warnings };
}
