// Host telemetry that costs next to nothing per tick: CPU from tick deltas (/proc/stat on Linux),
// memory from the kernel's own counters, and on Linux one small sysfs/procfs read each for CPU
// temperature (hwmon), package power (RAPL energy counters) and network bytes (/proc/net/dev). No
// child processes, no systeminformation on the 1 Hz path. Where a reading is not possible it is null.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TelemetryFrame } from '../../preload/contract/index.ts';

interface CpuTicks {
  idle: number;
  total: number;
}

/**
 * A kernel file read again each tick with one pread at offset 0 (procfs and sysfs make its text
 * anew) instead of open, read, read, close: on a virtual machine each system call costs the worker.
 */
export class KernelFile {
  readonly path: string;
  #fd: number | null = null;
  #buffer = Buffer.alloc(4096);
  constructor(file: string) {
    this.path = file;
  }
  /** The file's text now, or null where it cannot be read (then it is opened again next time). */
  read(): string | null {
    try {
      this.#fd ??= fs.openSync(this.path, 'r');
      for (;;) {
        const n = fs.readSync(this.#fd, this.#buffer, 0, this.#buffer.length, 0);
        if (n < this.#buffer.length) return this.#buffer.toString('utf8', 0, n);
        this.#buffer = Buffer.alloc(this.#buffer.length * 2); // longer than the buffer (many CPUs): read it whole
      }
    } catch {
      this.close();
      return null;
    }
  }
  close(): void {
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = null;
  }
}

/** The CPU's tick counters: on Linux the first line of /proc/stat (os.cpus() also reads /proc/cpuinfo: 45 µs a call here, against 6). */
function readTicks(paths: HostPaths, file: KernelFile): CpuTicks {
  if (paths.linux) {
    const line = file.read()?.match(/^cpu\s+(.*)$/m)?.[1];
    // user nice system idle iowait irq: the same sums as os.cpus() (which leaves iowait out).
    const f = line?.trim().split(/\s+/).map(Number);
    if (f && f.length >= 6 && f.slice(0, 6).every(Number.isFinite)) return { idle: f[3]!, total: f[0]! + f[1]! + f[2]! + f[3]! + f[5]! };
  }
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Where the kernel's files live; tests point these at a fake tree. */
export interface HostPaths {
  sys: string;
  proc: string;
  linux: boolean;
}

const DEFAULT_PATHS: HostPaths = { sys: '/sys', proc: '/proc', linux: process.platform === 'linux' };

/** hwmon drivers that report the CPU package, best first. */
const CPU_SENSORS = ['coretemp', 'k10temp', 'zenpower', 'cpu_thermal', 'cpu-thermal', 'soc_thermal'];
/** Labels of the whole-package reading per driver; Tdie is Tctl without AMD's fan-curve offset. */
const PACKAGE_LABELS = [/^Package id \d+$/, /^Tdie$/, /^Tctl$/, /^Physical id \d+$/];

/** Interfaces that only carry traffic already counted on a real one (containers, bridges, loopback). */
const VIRTUAL_IFACE = /^(lo|veth|docker|br-|virbr|cni|flannel|cali|vnet|ifb)/;

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readNumber(file: string): number | null {
  const text = readText(file);
  if (text === null) return null;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : null;
}

/** The hwmon temperature file of the CPU package, or null when there is none. */
export function findCpuTemperatureFile(sys: string): string | null {
  const root = path.join(sys, 'class', 'hwmon');
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return null;
  }
  const found: { rank: number; file: string }[] = [];
  for (const entry of entries) {
    const dir = path.join(root, entry);
    const name = readText(path.join(dir, 'name'))?.trim() ?? '';
    const rank = CPU_SENSORS.indexOf(name);
    if (rank < 0) continue;
    let inputs: string[];
    try {
      inputs = fs.readdirSync(dir).filter((f) => /^temp\d+_input$/.test(f)).sort();
    } catch {
      continue;
    }
    if (inputs.length === 0) continue;
    const labelled = PACKAGE_LABELS.map((re) =>
      inputs.find((input) => re.test(readText(path.join(dir, input.replace('_input', '_label')))?.trim() ?? '')),
    ).find(Boolean);
    found.push({ rank, file: path.join(dir, labelled ?? inputs[0]) });
  }
  found.sort((a, b) => a.rank - b.rank);
  return found[0]?.file ?? null;
}

interface RaplZone {
  energyFile: string;
  maxRangeUj: number;
  lastUj: number | null;
}

/** Top-level RAPL package zones (intel-rapl:N, also used by AMD); their subzones would double-count. */
export function findRaplZones(sys: string): RaplZone[] {
  const root = path.join(sys, 'class', 'powercap');
  let entries: string[];
  try {
    entries = fs.readdirSync(root);
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^intel-rapl:\d+$/.test(e))
    .filter((e) => (readText(path.join(root, e, 'name'))?.trim() ?? '').startsWith('package'))
    .map((e) => ({
      energyFile: path.join(root, e, 'energy_uj'),
      maxRangeUj: readNumber(path.join(root, e, 'max_energy_range_uj')) ?? 2 ** 32,
      lastUj: null,
    }));
}

export interface NetTotals {
  rx: number;
  tx: number;
}

/** Sum of bytes received and sent on real interfaces since boot, from /proc/net/dev text. */
export function parseNetDev(text: string): NetTotals {
  let rx = 0;
  let tx = 0;
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    if (VIRTUAL_IFACE.test(iface)) continue;
    const cols = line.slice(colon + 1).trim().split(/\s+/);
    const r = Number(cols[0]);
    const t = Number(cols[8]);
    if (Number.isFinite(r) && Number.isFinite(t)) {
      rx += r;
      tx += t;
    }
  }
  return { rx, tx };
}

export class HostProbe {
  readonly #paths: HostPaths;
  #last: CpuTicks;
  #tempFile: string | null | undefined;
  #rapl: RaplZone[] | null = null;
  #raplAt = 0;
  #net: { at: number; totals: NetTotals } | null = null;

  readonly #files = new Map<string, KernelFile>();

  constructor(paths: Partial<HostPaths> = {}) {
    this.#paths = { ...DEFAULT_PATHS, ...paths };
    this.#last = readTicks(this.#paths, this.#file(path.join(this.#paths.proc, 'stat')));
  }

  /** The kernel files read each tick, kept open. */
  #file(name: string): KernelFile {
    let file = this.#files.get(name);
    if (!file) this.#files.set(name, (file = new KernelFile(name)));
    return file;
  }

  #number(name: string): number | null {
    const text = this.#file(name).read();
    const n = text === null ? NaN : Number(text.trim());
    return Number.isFinite(n) ? n : null;
  }

  /** Closes the files it keeps open. */
  close(): void {
    for (const file of this.#files.values()) file.close();
    this.#files.clear();
  }

  /** CPU utilization since the previous call, in percent of all logical CPUs. */
  cpuUtilization(): number | null {
    const now = readTicks(this.#paths, this.#file(path.join(this.#paths.proc, 'stat')));
    const total = now.total - this.#last.total;
    const idle = now.idle - this.#last.idle;
    this.#last = now;
    if (total <= 0) return null;
    return Math.round(Math.min(100, Math.max(0, (1 - idle / total) * 100)) * 10) / 10;
  }

  /** Used = total less what the kernel says is available (MemAvailable, as os.freemem() reads it), one read of /proc/meminfo. */
  memory(): TelemetryFrame['memory'] {
    if (this.#paths.linux) {
      const text = this.#file(path.join(this.#paths.proc, 'meminfo')).read();
      const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text ?? '')?.[1] ?? NaN) * 1024;
      const total = kib('MemTotal');
      const available = kib('MemAvailable');
      if (Number.isFinite(total) && Number.isFinite(available)) return { totalBytes: total, usedBytes: total - available };
    }
    const totalBytes = os.totalmem();
    return { totalBytes, usedBytes: totalBytes - os.freemem() };
  }

  /** CPU package temperature from hwmon, °C. */
  cpuTemperature(): number | null {
    if (!this.#paths.linux) return null;
    if (this.#tempFile === undefined) this.#tempFile = findCpuTemperatureFile(this.#paths.sys);
    if (this.#tempFile === null) return null;
    const milli = this.#number(this.#tempFile);
    if (milli === null) {
      this.#tempFile = undefined; // sensor went away (module reload): look again next tick
      return null;
    }
    return Math.round(milli / 100) / 10;
  }

  /** CPU package power from RAPL energy counters (µJ), averaged since the previous call. */
  packagePower(now = Date.now()): number | null {
    if (!this.#paths.linux) return null;
    this.#rapl ??= findRaplZones(this.#paths.sys);
    if (this.#rapl.length === 0) return null;
    const dt = (now - this.#raplAt) / 1000;
    this.#raplAt = now;
    let joules = 0;
    let complete = true;
    for (const zone of this.#rapl) {
      const uj = this.#number(zone.energyFile); // null when root-only (the usual default since 2020)
      if (uj === null) {
        complete = false;
        zone.lastUj = null;
        continue;
      }
      if (zone.lastUj === null) complete = false;
      else joules += ((uj - zone.lastUj + zone.maxRangeUj) % zone.maxRangeUj) / 1e6; // the counter wraps
      zone.lastUj = uj;
    }
    if (!complete || dt <= 0) return null;
    return Math.round((joules / dt) * 10) / 10;
  }

  /** Bytes per second since the previous call, and totals since boot, over real interfaces. */
  network(now = Date.now()): TelemetryFrame['network'] {
    const none = { rxBytesPerSec: null, txBytesPerSec: null, rxTotalBytes: null, txTotalBytes: null };
    if (!this.#paths.linux) return none;
    const text = this.#file(path.join(this.#paths.proc, 'net', 'dev')).read();
    if (text === null) return none;
    const totals = parseNetDev(text);
    const last = this.#net;
    this.#net = { at: now, totals };
    const dt = last ? (now - last.at) / 1000 : 0;
    // A counter that went down (interface removed, driver reset) gives no rate this tick, not a negative one.
    const rate = (a: number, b: number) => (last && dt > 0 && a >= b ? Math.round((a - b) / dt) : null);
    return {
      rxBytesPerSec: rate(totals.rx, last?.totals.rx ?? 0),
      txBytesPerSec: rate(totals.tx, last?.totals.tx ?? 0),
      rxTotalBytes: totals.rx,
      txTotalBytes: totals.tx,
    };
  }
}
