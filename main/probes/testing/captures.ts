// Test and benchmark helpers around the real nvidia-smi captures in ../shared/fixtures/nvidia-smi:
// where they are, how to point the fake nvidia-smi at one, and an 8-GPU capture built from them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findSection, loadCapture, queryGpuTable, type CaptureSection } from './capture-file.mjs';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const FIXTURES_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures', 'nvidia-smi');
export const FAKE_NVIDIA_SMI = path.join(import.meta.dirname, 'fake-nvidia-smi.mjs');

export function captureFiles(): string[] {
  return fs
    .readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => path.join(FIXTURES_DIR, f));
}

export function capturePath(namePart: string): string {
  const found = captureFiles().find((f) => path.basename(f).includes(namePart));
  if (!found) throw new Error(`no capture named like ${namePart} in ${FIXTURES_DIR}`);
  return found;
}

export interface FakeSettings {
  state?: 'idle' | 'load' | 'alternate';
  mode?: 'ok' | 'hang' | 'exit' | 'garbage' | 'truncate';
  gpus?: number;
  drop?: string[];
  control?: string;
}

/** The environment that makes the fake nvidia-smi replay `capture`. */
export function fakeEnv(capture: string, settings: FakeSettings = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FAKE_NVIDIA_SMI_CAPTURE: capture };
  if (settings.state) env.FAKE_NVIDIA_SMI_STATE = settings.state;
  if (settings.mode) env.FAKE_NVIDIA_SMI_MODE = settings.mode;
  if (settings.gpus !== undefined) env.FAKE_NVIDIA_SMI_GPUS = String(settings.gpus);
  if (settings.drop) env.FAKE_NVIDIA_SMI_DROP = settings.drop.join(',');
  if (settings.control) env.FAKE_NVIDIA_SMI_CONTROL = settings.control;
  return env;
}

function sectionText(state: string, what: string, command: string, body: string[]): string {
  const rule = '#'.repeat(80);
  return `${rule}\n# ${state} :: ${what}\n# $ ${command}\n${rule}\n${body.join('\n')}\n\n\n`;
}

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/**
 * An N-GPU capture from single-GPU captures of one driver (same field list): GPU i replays source
 * i mod len, with its own index, UUID and PCI bus id, and `count` set to N.
 */
export function buildMultiGpuCapture(sources: string[], count: number): string {
  const loaded = sources.map((file) => loadCapture(file));
  const base = loaded[0];
  const fields = queryGpuTable(base, 'idle').fields;
  for (const [i, sections] of loaded.entries()) {
    if (queryGpuTable(sections, 'idle').fields.join() !== fields.join()) {
      throw new Error(`${sources[i]} was taken with another field list; one machine has one driver`);
    }
  }
  const col = (name: string) => fields.indexOf(name);
  const uuid = (i: number) => `GPU-${hex(i, 8)}-0000-0000-0000-${hex(i, 12)}`;
  const bus = (i: number) => 0x18 + i * 0x10;
  const row = (state: string, i: number) => {
    const cells = [...queryGpuTable(loaded[i % loaded.length], state).rows[0]];
    const set = (name: string, value: string) => {
      if (col(name) >= 0) cells[col(name)] = value;
    };
    set('index', String(i));
    set('count', String(count));
    set('uuid', uuid(i));
    set('pci.bus_id', `00000000:${hex(bus(i), 2)}:00.0`);
    set('pci.bus', `0x${hex(bus(i), 2)}`);
    return cells.join(', ');
  };
  const table = (state: string) => {
    const section = findSection(base, state, 'query-gpu')!;
    const header = queryGpuTable(base, state).header.join(', ');
    const rows = Array.from({ length: count }, (_, i) => row(state, i));
    return sectionText(state, section.what, section.command, [header, ...rows]);
  };
  const list: string[] = [];
  for (let i = 0; i < count; i++) {
    const source = findSection(loaded[i % loaded.length], 'capabilities', 'list')!.body;
    const name = /^GPU \d+: (.*) \(UUID/.exec(source[0])?.[1] ?? 'NVIDIA GPU';
    list.push(`GPU ${i}: ${name} (UUID: ${uuid(i)})`, ...source.slice(1).filter((l) => /^\s+MIG\s/.test(l)));
  }
  const copy = (section: CaptureSection | null) =>
    section ? sectionText(section.state, section.what, section.command, section.body) : '';
  const sourceUuid = (i: number) => queryGpuTable(loaded[i % loaded.length], 'idle').rows[0][col('uuid')];
  const sourceBus = (i: number) => queryGpuTable(loaded[i % loaded.length], 'idle').rows[0][col('pci.bus_id')];
  /** Each GPU's block of the source's -q report, with this GPU's bus id and UUID. */
  const report = (state: string) => {
    const found = findSection(base, state, 'query (-q)');
    if (!found) return '';
    const head = found.body.slice(0, found.body.findIndex((l) => /^GPU [0-9A-F]+:/i.test(l)));
    const blocks: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = findSection(loaded[i % loaded.length], state, 'query (-q)')!.body;
      const start = body.findIndex((l) => /^GPU [0-9A-F]+:/i.test(l));
      const busId = `00000000:${hex(bus(i), 2)}:00.0`;
      blocks.push(
        ...body.slice(start).filter((l) => l.trim() !== '').map((l) =>
          l.replace(sourceBus(i), busId).replace(sourceUuid(i), uuid(i)).replace(/^(\s+Bus\s+: )0x[0-9A-F]{2}$/i, `$10x${hex(bus(i), 2)}`),
        ),
      );
    }
    const lines = head.map((l) => l.replace(/^(Attached GPUs\s+: )\d+/, `$1${count}`));
    return sectionText(state, found.what, found.command, [...lines, ...blocks]);
  };
  /** Each source's compute apps and pmon rows, moved to this GPU's UUID and index. */
  const apps = (state: string) => {
    const found = findSection(base, state, 'query-compute-apps');
    if (!found) return '';
    const rows: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = findSection(loaded[i % loaded.length], state, 'query-compute-apps')?.body ?? [];
      rows.push(...body.slice(1).filter((l) => l.trim() !== '').map((l) => l.replace(sourceUuid(i), uuid(i)).replace(sourceBus(i), `00000000:${hex(bus(i), 2)}:00.0`)));
    }
    return sectionText(state, found.what, found.command, [found.body[0], ...rows]);
  };
  const pmon = (state: string) => {
    const found = findSection(base, state, 'pmon');
    if (!found) return '';
    const rows: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = findSection(loaded[i % loaded.length], state, 'pmon')?.body ?? [];
      const first: string[] = [];
      for (const line of body.filter((l) => !l.startsWith('#') && /^\s*\d+\s+\d+/.test(l))) {
        if (first.some((f) => f.trim().split(/\s+/)[1] === line.trim().split(/\s+/)[1])) break;
        first.push(line);
      }
      rows.push(...first.map((l) => l.replace(/^(\s*)\d+/, (_m, pad: string) => `${pad}${i}`)));
    }
    return sectionText(state, found.what, found.command, [...found.body.filter((l) => l.startsWith('#')), ...rows]);
  };
  return [
    `# ${count}-GPU capture built from: ${sources.map((s) => path.basename(s)).join(', ')}\n\n`,
    copy(findSection(base, 'capabilities', 'version')),
    copy(findSection(base, 'capabilities', 'help-query-gpu')),
    sectionText('capabilities', 'list (-L)', 'nvidia-smi -L', list),
    report('idle'),
    table('idle'),
    apps('idle'),
    pmon('idle'),
    report('load'),
    table('load'),
    apps('load'),
    pmon('load'),
  ].join('');
}

/** The 590.48.01 data-centre captures (H100, H100 MIG, H200, H200 MIG) twice over: an 8-GPU server. */
export function writeEightGpuCapture(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-8gpu-'))): string {
  const sources = captureFiles().filter((f) => f.includes('__590.48.01'));
  const file = path.join(dir, 'linux-x86_64__8x-nvidia-h100-h200__590.48.01.txt');
  fs.writeFileSync(file, buildMultiGpuCapture(sources, 8));
  return file;
}

/**
 * SYNTHETIC: eight copies of the real H200 capture (590.48.01), each with its own index, UUID and
 * PCI bus id; every value otherwise is the real card's. For the 8-GPU screenshot and the benchmark.
 */
export function writeEightH200Capture(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-8xh200-'))): string {
  const file = path.join(dir, 'SYNTHETIC-linux-x86_64__8x-nvidia-h200__590.48.01.txt');
  const body = buildMultiGpuCapture([capturePath('nvidia-h200__590')], 8);
  const label = '# SYNTHETIC capture: built by main/probes/testing/captures.ts from the real single-GPU H200 capture\n# (../shared/fixtures/nvidia-smi); only index, UUID and PCI bus id differ between the eight GPUs.\n';
  fs.writeFileSync(file, label + body);
  return file;
}
