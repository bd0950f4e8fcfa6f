import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  INVENTORY_FIELDS,
  TELEMETRY_FIELDS,
  decodeThrottleMask,
  headerUnits,
  parseCell,
  parseHelpQueryGpu,
  parseInventory,
  parseMigInstances,
  parseTelemetryRow,
  planFields,
} from './nvidia-smi-csv.ts';
import { findSection, loadCapture, queryGpuTable } from './testing/capture-file.mjs';
import { captureFiles, capturePath } from './testing/captures.ts';

/** The capture's own number for a field, read independently of the parser under test. */
function captured(table: ReturnType<typeof queryGpuTable>, row: number, field: string): number | null {
  const raw = table.rows[row][table.fields.indexOf(field)];
  const m = /^(-?\d+(?:\.\d+)?)(?: [A-Za-z%]+)?$/.exec(raw.trim());
  return m ? Number(m[1]) : null;
}

describe('parseCell', () => {
  it('turns every nvidia-smi marker into null with a reason, never NaN or 0', () => {
    for (const raw of ['[N/A]', 'N/A', '[Not Supported]', '[Requested functionality has been deprecated]', '[Unknown Error]', '', '[GPU is lost]']) {
      const cell = parseCell(raw);
      expect(cell.value, raw).toBeNull();
      expect('reason' in cell && cell.reason.length > 0, raw).toBe(true);
    }
    expect(parseCell('[Not Supported]')).toMatchObject({ reason: 'not supported on this GPU' });
    expect(parseCell('[Requested functionality has been deprecated]')).toMatchObject({ reason: 'deprecated by this driver' });
  });

  it('reads numbers with or without units', () => {
    expect(parseCell('77.71 W').value).toBe(77.71);
    expect(parseCell('143771 MiB').value).toBe(143771);
    expect(parseCell('0 %').value).toBe(0);
    expect(parseCell('345').value).toBe(345);
    expect(parseCell('1500 mJ').value).toBe(1.5);
    expect(parseCell('1500', 'mJ').value).toBe(1.5);
    expect(parseCell('P0')).toMatchObject({ value: null, text: 'P0' });
  });
});

describe('throttle reasons', () => {
  it('decodes the active-reasons bitmask', () => {
    expect(decodeThrottleMask('0x0000000000000000')).toEqual([]);
    expect(decodeThrottleMask('0x0000000000000001')).toEqual(['idle']);
    expect(decodeThrottleMask('0x0000000000000044')).toEqual(['power-cap', 'hw-thermal']);
    expect(decodeThrottleMask('[N/A]')).toBeNull();
    expect(decodeThrottleMask('0xZZ')).toBeNull();
  });
});

describe('field negotiation', () => {
  it('takes newer names where the driver knows them and older names otherwise', () => {
    const newer = planFields(TELEMETRY_FIELDS, new Set(['index', 'clocks_event_reasons.active', 'clocks_throttle_reasons.active', 'pcie.link.gen.gpucurrent']));
    expect(newer.fields).toEqual(['index', 'clocks_event_reasons.active', 'pcie.link.gen.gpucurrent']);
    const older = planFields(TELEMETRY_FIELDS, new Set(['index', 'clocks_throttle_reasons.active', 'pcie.link.gen.current', 'clocks.gr']));
    expect(older.fields).toEqual(['index', 'clocks.gr', 'clocks_throttle_reasons.active', 'pcie.link.gen.current']);
    expect(older.missing).toContain('temperature');
  });

  it.each(captureFiles().map((f) => [path.basename(f), f]))('%s: every wanted field that the driver lists is asked for', (_name, file) => {
    const sections = loadCapture(file);
    const help = parseHelpQueryGpu(findSection(sections, 'capabilities', 'help-query-gpu')!.body.join('\n'));
    const plan = planFields(TELEMETRY_FIELDS, help);
    for (const name of ['index', 'name', 'uuid', 'temperature.gpu', 'power.draw', 'memory.total', 'utilization.gpu', 'clocks_event_reasons.active']) {
      expect(plan.fields).toContain(name);
    }
    // These drivers do not list an energy counter or a hotspot sensor in --query-gpu.
    expect(plan.missing).toEqual(['energy']);
  });
});

describe.each(captureFiles().map((f) => [path.basename(f), f]))('%s', (_name, file) => {
  const sections = loadCapture(file);
  for (const state of ['idle', 'load'] as const) {
    it(`${state}: the capture's own CSV (header with units) reads to its own values`, () => {
      const table = queryGpuTable(sections, state);
      const plan = planFields(TELEMETRY_FIELDS, new Set(table.fields));
      // Project the captured columns onto the plan, as nvidia-smi would answer it.
      const units = headerUnits(plan.fields.map((f) => table.header[table.fields.indexOf(f)]).join(', '));
      for (const [i, row] of table.rows.entries()) {
        const line = plan.fields.map((f) => row[table.fields.indexOf(f)]).join(', ');
        const parsed = parseTelemetryRow(line, plan, units);
        if ('error' in parsed) throw new Error(parsed.error);
        expect(parsed.warning).toBeNull();
        const s = parsed.sample;
        expect(s.model).toBe(row[table.fields.indexOf('name')]);
        expect(s.vramTotalMiB).toBe(captured(table, i, 'memory.total'));
        expect(s.powerLimitW).toBe(captured(table, i, 'enforced.power.limit'));
        expect(s.temperatureC).toBe(captured(table, i, 'temperature.gpu'));
        expect(s.memoryTemperatureC).toBe(captured(table, i, 'temperature.memory'));
        expect(s.powerW).toBe(captured(table, i, 'power.draw'));
        expect(s.utilizationPct).toBe(captured(table, i, 'utilization.gpu'));
        expect(s.vramUsedMiB).toBe(captured(table, i, 'memory.used'));
        expect(s.clocksMHz.sm).toBe(captured(table, i, 'clocks.current.sm'));
        for (const [field, value] of Object.entries({ ...s, ...s.clocksMHz, ...s.pcie })) {
          if (typeof value === 'number') expect(Number.isFinite(value), field).toBe(true);
        }
        for (const key of ['temperatureC', 'memoryTemperatureC', 'utilizationPct', 'fanPct'] as const) {
          if (s[key] === null) expect(s.unavailable[key], key).toMatch(/\w/);
        }
      }
    });
  }

  it('inventory CSV and -L read to the capture’s own values', () => {
    const table = queryGpuTable(sections, 'idle');
    const plan = planFields(INVENTORY_FIELDS, new Set(table.fields));
    const csv = [plan.fields.map((f) => table.header[table.fields.indexOf(f)]), ...table.rows.map((r) => plan.fields.map((f) => r[table.fields.indexOf(f)]))]
      .map((cells) => cells.join(', '))
      .join('\n');
    const list = findSection(sections, 'capabilities', 'list')!.body.join('\n');
    const { gpus, warnings } = parseInventory(csv, plan, parseMigInstances(list));
    expect(warnings).toEqual([]);
    expect(gpus).toHaveLength(table.rows.length);
    const gpu = gpus[0];
    expect(gpu.model).toBe(table.rows[0][table.fields.indexOf('name')]);
    expect(gpu.vramMiB).toBe(captured(table, 0, 'memory.total'));
    expect(gpu.powerLimitW).toEqual({
      default: captured(table, 0, 'power.default_limit'),
      min: captured(table, 0, 'power.min_limit'),
      max: captured(table, 0, 'power.max_limit'),
      enforced: captured(table, 0, 'enforced.power.limit'),
    });
    expect(gpu.computeCapability).toBe(table.rows[0][table.fields.indexOf('compute_cap')]);
    const migLines = list.split('\n').filter((l) => /^\s+MIG\s/.test(l)).length;
    expect(gpu.mig?.instances).toBe(gpu.mig?.mode === 'enabled' ? migLines : 0);
  });
});

describe('known values, spot-checked by hand', () => {
  it('H200 idle: 28 °C core, 32 °C HBM, 77.71 W of 700 W; MIG H200 has 5 instances', () => {
    const table = queryGpuTable(loadCapture(capturePath('nvidia-h200__590')), 'idle');
    const plan = planFields(TELEMETRY_FIELDS, new Set(table.fields));
    const parsed = parseTelemetryRow(plan.fields.map((f) => table.rows[0][table.fields.indexOf(f)]).join(', '), plan);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.sample).toMatchObject({ temperatureC: 28, memoryTemperatureC: 32, powerW: 77.71, powerLimitW: 700, vramTotalMiB: 143771 });
    const list = findSection(loadCapture(capturePath('nvidia-h200-mig')), 'capabilities', 'list')!.body.join('\n');
    expect(parseMigInstances(list).get(0)).toBe(5);
  });

  it('rejects lines with the wrong number of values and keeps odd values as null with a warning', () => {
    const plan = planFields(TELEMETRY_FIELDS, new Set(['index', 'name', 'temperature.gpu']));
    expect(parseTelemetryRow('0, NVIDIA H200', plan)).toHaveProperty('error');
    expect(parseTelemetryRow('x, NVIDIA H200, 40', plan)).toHaveProperty('error');
    const odd = parseTelemetryRow('0, NVIDIA H200, hot', plan);
    if ('error' in odd) throw new Error(odd.error);
    expect(odd.sample.temperatureC).toBeNull();
    expect(odd.warning).toMatch(/temperature.gpu="hot"/);
  });
});
