// What each GPU tool can and cannot show, said plainly (a typed list for the empty states and
// Device details), and the readers for Intel Arc (sysfs hwmon of i915/xe) and Apple Silicon
// (`powermetrics` text). Formats as documented by the kernel (Documentation/gpu/*/hwmon ABI) and by
// `man powermetrics`; the tests use fakes of those documented outputs, labelled so.
import fs from 'node:fs';
import path from 'node:path';
import type { GpuCapabilities } from '../../preload/contract/index.ts';
import { GPU_READINGS } from '../../preload/contract/words.ts';

type Reading = (typeof GPU_READINGS)[number];
export type GpuTool = 'nvidia-smi' | 'amd-smi' | 'rocm-smi' | 'xpu-smi' | 'intel-hwmon' | 'powermetrics' | 'apple-inventory';

const CANNOT: Record<GpuTool, Partial<Record<Reading, string>>> = {
  'nvidia-smi': {
    hotspot: 'nvidia-smi does not report the hotspot temperature',
  },
  'amd-smi': {
    throttle: 'amd-smi says whether the GPU is throttled, not why',
  },
  'rocm-smi': {
    throttle: 'rocm-smi does not report throttle reasons',
    ecc: 'rocm-smi --json does not report ECC counts',
    processes: 'rocm-smi does not list processes in JSON',
  },
  'xpu-smi': {
    hotspot: 'xpu-smi reports one GPU temperature',
    fan: 'xpu-smi does not report fans',
    throttle: 'xpu-smi does not report throttle reasons',
    processes: 'xpu-smi ps is not read by IO Worker',
  },
  'intel-hwmon': {
    utilization: 'the i915/xe drivers do not publish utilization in sysfs',
    vram: 'the i915/xe drivers do not publish memory use in sysfs',
    hotspot: 'not published in sysfs',
    throttle: 'not published in sysfs',
    ecc: 'not published in sysfs',
    processes: 'not published in sysfs',
    fan: 'published in RPM only on some boards, not as a share',
    'memory-temperature': 'published by the xe driver only',
  },
  powermetrics: {
    temperature: 'Apple does not publish GPU temperatures to powermetrics',
    hotspot: 'not published by Apple',
    'memory-temperature': 'not published by Apple',
    'power-limit': 'Apple GPUs have no power limit to read',
    vram: 'Apple GPUs share the system memory; no GPU share is published',
    fan: 'not published per GPU',
    throttle: 'not published by Apple',
    pcie: 'Apple GPUs are on the chip, not on PCIe',
    ecc: 'not published by Apple',
    processes: 'not published per GPU',
    energy: 'powermetrics reports power, not an energy counter',
  },
  'apple-inventory': {},
};

/** What `tool` can and cannot show; Apple without root (inventory only) can show no live reading. */
export function capabilitiesFor(tool: GpuTool): GpuCapabilities {
  if (tool === 'apple-inventory') {
    const why = 'live Apple GPU readings need powermetrics, which runs only as root; IO Worker does not ask for root';
    return { tool, can: [], cannot: GPU_READINGS.map((reading) => ({ reading, why })) };
  }
  const cannot = CANNOT[tool];
  return {
    tool,
    can: GPU_READINGS.filter((r) => !(r in cannot)),
    cannot: GPU_READINGS.filter((r) => r in cannot).map((reading) => ({ reading, why: cannot[reading]! })),
  };
}

export interface IntelHwmonReading {
  card: string;
  driver: 'i915' | 'xe';
  temperatureC: number | null;
  memoryTemperatureC: number | null;
  powerLimitW: number | null;
  /** µJ counter; power is the change between two reads. */
  energyUJ: number | null;
  fanRpm: number | null;
  clockMHz: number | null;
}

function readNumber(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Intel GPUs under `root` (/sys/class/drm): hwmon temperatures (m°C), power limit (µW), energy (µJ), fan, clock. */
export function readIntelHwmon(root = '/sys/class/drm'): IntelHwmonReading[] {
  let cards: string[];
  try {
    cards = fs.readdirSync(root).filter((c) => /^card\d+$/.test(c)).sort();
  } catch {
    return [];
  }
  const out: IntelHwmonReading[] = [];
  for (const card of cards) {
    const device = path.join(root, card, 'device');
    const driver = path.basename(readLink(path.join(device, 'driver')) ?? '');
    if (driver !== 'i915' && driver !== 'xe') continue;
    const hwmonDir = path.join(device, 'hwmon');
    const hwmon = (() => {
      try {
        return fs.readdirSync(hwmonDir).map((h) => path.join(hwmonDir, h))[0] ?? null;
      } catch {
        return null;
      }
    })();
    // Temperatures by label: xe names them "pkg" and "vram"; i915 (discrete) has one unlabelled temp1.
    const temps = new Map<string, number>();
    for (const file of hwmon ? fs.readdirSync(hwmon).filter((f) => /^temp\d+_input$/.test(f)) : []) {
      const label = readText(path.join(hwmon!, file.replace('_input', '_label'))) ?? 'gpu';
      const milli = readNumber(path.join(hwmon!, file));
      if (milli !== null) temps.set(label, milli / 1000);
    }
    const micro = hwmon ? readNumber(path.join(hwmon, 'power1_max')) : null;
    out.push({
      card,
      driver,
      temperatureC: temps.get('pkg') ?? temps.get('gpu') ?? null,
      memoryTemperatureC: temps.get('vram') ?? null,
      powerLimitW: micro === null || micro === 0 ? null : micro / 1e6,
      energyUJ: hwmon ? readNumber(path.join(hwmon, 'energy1_input')) : null,
      fanRpm: hwmon ? readNumber(path.join(hwmon, 'fan1_input')) : null,
      clockMHz: readNumber(path.join(root, card, 'gt_act_freq_mhz')) ?? readNumber(path.join(device, 'tile0', 'gt0', 'freq0', 'act_freq')),
    });
  }
  return out;
}

function readLink(file: string): string | null {
  try {
    return fs.readlinkSync(file);
  } catch {
    return null;
  }
}

export interface PowermetricsGpu {
  frequencyMHz: number | null;
  activePct: number | null;
  powerW: number | null;
}

/** `powermetrics --samplers gpu_power -n 1` text: the GPU's active frequency, residency and power. */
export function parsePowermetrics(text: string): PowermetricsGpu {
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  const mw = num(/^GPU Power:\s*(\d+(?:\.\d+)?)\s*mW/m);
  const idle = num(/^GPU idle residency:\s*(\d+(?:\.\d+)?)%/m);
  return {
    frequencyMHz: num(/^GPU HW active frequency:\s*(\d+(?:\.\d+)?)\s*MHz/m),
    activePct: num(/^GPU HW active residency:\s*(\d+(?:\.\d+)?)%/m) ?? (idle === null ? null : Math.round((100 - idle) * 100) / 100),
    powerW: mw === null ? null : mw / 1000,
  };
}
