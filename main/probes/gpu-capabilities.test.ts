import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GpuCapabilitiesSchema } from '../../preload/contract/index.ts';
import { GPU_READINGS } from '../../preload/contract/words.ts';
import { capabilitiesFor, parsePowermetrics, readIntelHwmon, type GpuTool } from './gpu-capabilities.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-caps-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('what each tool can and cannot show', () => {
  const tools: GpuTool[] = ['nvidia-smi', 'amd-smi', 'rocm-smi', 'xpu-smi', 'intel-hwmon', 'powermetrics', 'apple-inventory'];
  it.each(tools)('%s: every reading is either shown or said why not', (tool) => {
    const caps = GpuCapabilitiesSchema.parse(capabilitiesFor(tool));
    expect([...caps.can, ...caps.cannot.map((c) => c.reading)].sort()).toEqual([...GPU_READINGS].sort());
    for (const c of caps.cannot) expect(c.why.length).toBeGreaterThan(10);
  });
  it('Apple without root shows nothing live and says why; with powermetrics it shows power, use and clocks only', () => {
    expect(capabilitiesFor('apple-inventory').can).toEqual([]);
    expect(capabilitiesFor('powermetrics').can).toEqual(['power', 'utilization', 'clocks']);
    expect(capabilitiesFor('intel-hwmon').can).toEqual(['temperature', 'power', 'power-limit', 'clocks', 'pcie', 'energy']);
  });
});

describe('Intel Arc through sysfs hwmon (a fake tree in the documented layout)', () => {
  function card(name: string, driver: string, files: Record<string, string>) {
    const device = path.join(tmp, 'drm', name, 'device');
    fs.mkdirSync(path.join(device, 'hwmon', 'hwmon3'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'drivers', driver), { recursive: true });
    fs.symlinkSync(path.join(tmp, 'drivers', driver), path.join(device, 'driver'));
    for (const [file, text] of Object.entries(files)) {
      const at = file.startsWith('/') ? path.join(tmp, 'drm', name, file) : path.join(device, 'hwmon', 'hwmon3', file);
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.writeFileSync(at, `${text}\n`);
    }
  }
  it('reads an xe (Arc B580) and an i915 (Arc A770) card, skips other drivers', () => {
    card('card0', 'xe', { temp2_input: '45000', temp2_label: 'pkg', temp3_input: '52000', temp3_label: 'vram', power1_max: '190000000', energy1_input: '123456789', '/device/tile0/gt0/freq0/act_freq': '2850' });
    card('card1', 'i915', { temp1_input: '38000', power1_max: '225000000', energy1_input: '987654321', fan1_input: '1200', '/gt_act_freq_mhz': '600' });
    card('card2', 'amdgpu', { temp1_input: '40000' });
    expect(readIntelHwmon(path.join(tmp, 'drm'))).toEqual([
      { card: 'card0', driver: 'xe', temperatureC: 45, memoryTemperatureC: 52, powerLimitW: 190, energyUJ: 123456789, fanRpm: null, clockMHz: 2850 },
      { card: 'card1', driver: 'i915', temperatureC: 38, memoryTemperatureC: null, powerLimitW: 225, energyUJ: 987654321, fanRpm: 1200, clockMHz: 600 },
    ]);
    expect(readIntelHwmon(path.join(tmp, 'nowhere'))).toEqual([]);
  });
});

describe('Apple Silicon through powermetrics (documented text format, values ours)', () => {
  it('reads frequency, active residency and power', () => {
    const text = ['**** GPU usage ****', '', 'GPU HW active frequency: 389 MHz', 'GPU HW active residency:  12.34% (389 MHz: 12%)', 'GPU SW requested state: (P1 : 100%)', 'GPU idle residency:  87.66%', 'GPU Power: 14 mW'].join('\n');
    expect(parsePowermetrics(text)).toEqual({ frequencyMHz: 389, activePct: 12.34, powerW: 0.014 });
    expect(parsePowermetrics('GPU idle residency:  90.00%')).toEqual({ frequencyMHz: null, activePct: 10, powerW: null });
  });
});
