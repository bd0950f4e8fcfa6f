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
  return [
    `# ${count}-GPU capture built from: ${sources.map((s) => path.basename(s)).join(', ')}\n\n`,
    copy(findSection(base, 'capabilities', 'version')),
    copy(findSection(base, 'capabilities', 'help-query-gpu')),
    sectionText('capabilities', 'list (-L)', 'nvidia-smi -L', list),
    table('idle'),
    table('load'),
  ].join('');
}

/** The 590.48.01 data-centre captures (H100, H100 MIG, H200, H200 MIG) twice over: an 8-GPU server. */
export function writeEightGpuCapture(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-8gpu-'))): string {
  const sources = captureFiles().filter((f) => f.includes('__590.48.01'));
  const file = path.join(dir, 'linux-x86_64__8x-nvidia-h100-h200__590.48.01.txt');
  fs.writeFileSync(file, buildMultiGpuCapture(sources, 8));
  return file;
}
