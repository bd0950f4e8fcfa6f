import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RocmSmiInventory, RocmSmiSampler, findRocmSmi, parseRocmSmiJson } from './amd.ts';

// Key names as rocm-smi prints them in ROCm 5.x (MI100) and 6.1+ (RX 6700 XT, MI300X); the values are ours.
const ROCM_5 = {
  card0: {
    'Unique ID': '0x79ccd55167a2124a',
    'Temperature (Sensor edge) (C)': '53.0',
    'Temperature (Sensor junction) (C)': '55.0',
    'Temperature (Sensor memory) (C)': '53.0',
    'mclk clock speed:': '(1200Mhz)',
    'sclk clock speed:': '(300Mhz)',
    'pcie clock level': '0 (16.0GT/s x16)',
    'Max Graphics Package Power (W)': '290.0',
    'Average Graphics Package Power (W)': '36.0',
    '0': '16.0GT/s x16 *',
    'GPU use (%)': '7',
    'GPU memory use (%)': '3',
    'PCI Bus': '0000:83:00.0',
    'VRAM Total Memory (B)': '34342961152',
    'VRAM Total Used Memory (B)': '6750208',
    'Card series': 'Arcturus GL-XL [Instinct MI100]',
    'Card model': '0x0c34',
  },
  system: { 'Driver version': '6.3.6' },
};
const ROCM_6 = {
  card1: {
    'Device Name': 'Navi 22 [Radeon RX 6700/6700 XT / 6800M]',
    'Unique ID': 'N/A',
    'Temperature (Sensor edge) (C)': '45.0',
    'Temperature (Sensor junction) (C)': '47.0',
    'Temperature (Sensor memory) (C)': '46.0',
    'sclk clock speed:': '(0Mhz)',
    'pcie clock level': '1 (16.0GT/s x16)',
    'Max Graphics Package Power (W)': '211.0',
    'Average Graphics Package Power (W)': '6.0',
    'GPU use (%)': '0',
    'GPU Memory Allocated (VRAM%)': '12',
    'GPU Memory Read/Write Activity (%)': '0',
    'Fan speed (%)': '31.0',
    'PCI Bus': '0000:07:00.0',
    'VRAM Total Memory (B)': '12868124672',
    'VRAM Total Used Memory (B)': '1572745216',
    'GFX Version': 'gfx1031',
  },
  card0: {
    'Device Name': 'Instinct MI300X',
    'Temperature (Sensor junction) (C)': '61.0',
    'Temperature (Sensor memory) (C)': '49.0',
    'Current Socket Graphics Package Power (W)': '550.0',
    'Max Graphics Package Power (W)': '750.0',
    'GPU use (%)': '88',
    'Accumulated Energy (uJ)': '123456789012',
    'VRAM Total Memory (B)': '205520896000',
    'VRAM Total Used Memory (B)': '102760448000',
  },
  system: { 'Driver version': '6.8.5' },
};

let tmp: string;
const FAKE = path.join(import.meta.dirname, 'testing', 'fake-rocm-smi.mjs');
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-rocm-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('parseRocmSmiJson', () => {
  it('reads ROCm 5 key names, units converted, N/A as null with a reason', () => {
    const { gpus, inventory } = parseRocmSmiJson(JSON.stringify(ROCM_5));
    expect(gpus).toHaveLength(1); // the numeric "0" key is a clock level, not a card
    expect(gpus[0]).toMatchObject({
      index: 0,
      model: 'Arcturus GL-XL [Instinct MI100]',
      temperatureC: 53,
      hotspotC: 55,
      memoryTemperatureC: 53,
      powerW: 36,
      powerLimitW: 290,
      utilizationPct: 7,
      memoryUtilizationPct: 3,
      vramTotalMiB: 32752,
      vramUsedMiB: 6.44,
      clocksMHz: { graphics: 300, sm: null, memory: 1200 },
      pcie: { generation: 4, width: 16 },
      fanPct: null,
    });
    expect(gpus[0].unavailable.fanPct).toBe('not reported by rocm-smi');
    expect(inventory[0]).toMatchObject({ vendor: 'AMD', driver: '6.3.6', uuid: '0x79ccd55167a2124a', pciBusId: '0000:83:00.0', source: 'rocm-smi', powerLimitW: { enforced: 290 } });
  });

  it('reads ROCm 6 names, orders cards, and says when a GPU has no edge sensor', () => {
    const { gpus, inventory } = parseRocmSmiJson(JSON.stringify(ROCM_6));
    expect(gpus.map((g) => g.model)).toEqual(['Instinct MI300X', 'Navi 22 [Radeon RX 6700/6700 XT / 6800M]']);
    const [mi300, navi] = gpus;
    expect(mi300).toMatchObject({ temperatureC: null, hotspotC: 61, powerW: 550, energyJ: 123456.79, utilizationPct: 88 });
    expect(mi300.unavailable.temperatureC).toMatch(/no edge sensor/);
    expect(navi).toMatchObject({ uuid: null, fanPct: 31, memoryUtilizationPct: 0, clocksMHz: { graphics: 0 } });
    expect(inventory[1].computeCapability).toBe('gfx1031');
  });

  it('rejects what is not JSON', () => {
    expect(() => parseRocmSmiJson('not json')).toThrow();
  });
});

describe('RocmSmiSampler through a fake rocm-smi', () => {
  const env = (mode: string) => {
    const file = path.join(tmp, 'rocm.json');
    fs.writeFileSync(file, JSON.stringify(ROCM_6));
    return { ...process.env, FAKE_ROCM_SMI_JSON: file, FAKE_ROCM_SMI_MODE: mode };
  };
  const until = async (s: RocmSmiSampler, ok: (l: ReturnType<RocmSmiSampler['latest']>) => boolean) => {
    const start = Date.now();
    while (!ok(s.latest())) {
      if (Date.now() - start > 4000) throw new Error(`timed out: ${JSON.stringify(s.latest().health)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return s.latest();
  };

  it('reports both GPUs and polls no faster than rocm-smi can bear', async () => {
    const s = new RocmSmiSampler(FAKE, env('ok'));
    s.start(250);
    try {
      const latest = await until(s, (l) => l.health.state === 'ok');
      expect(latest.gpus).toHaveLength(2);
      expect(latest.health.detail).toContain('every 2 s');
    } finally {
      s.stop();
    }
  });

  it('says why when it fails, hangs or prints garbage', async () => {
    for (const [mode, pattern] of [['exit', /printed no JSON/], ['garbage', /unreadable JSON/]] as const) {
      const s = new RocmSmiSampler(FAKE, env(mode));
      s.start(2000);
      try {
        const latest = await until(s, (l) => pattern.test(l.health.detail));
        expect(latest.health.state).toBe('degraded');
        expect(latest.gpus).toEqual([]);
      } finally {
        s.stop();
      }
    }
    const absent = new RocmSmiSampler(path.join(tmp, 'missing-rocm-smi'));
    absent.start(2000);
    try {
      expect((await until(absent, (l) => l.health.state === 'absent')).health.detail).toContain('missing-rocm-smi');
    } finally {
      absent.stop();
    }
  });

  it('inventory comes from the same output', async () => {
    const result = await new RocmSmiInventory(FAKE, env('ok')).inventory();
    expect(result?.gpus.map((g) => g.vendor)).toEqual(['AMD', 'AMD']);
    expect(await new RocmSmiInventory(path.join(tmp, 'missing')).inventory()).toBeNull();
  });

  it('finds rocm-smi from IO_WORKER_ROCM_SMI first', () => {
    expect(findRocmSmi({ IO_WORKER_ROCM_SMI: '/x/rocm-smi' })).toBe('/x/rocm-smi');
  });
});
