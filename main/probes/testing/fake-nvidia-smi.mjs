#!/usr/bin/env node
// A stand-in nvidia-smi that replays a real capture (../shared/fixtures/nvidia-smi) for tests and
// benchmarks. It answers what the probes and systeminformation ask: --help-query-gpu, -L, --version,
// --query-gpu=<fields> --format=csv[,noheader][,nounits] [-lms N | -l N], projecting the capture's
// columns; -q (the capture's full report); --query-compute-apps=<fields> and `pmon -c 1` (the
// capture's processes, or the control file's); plus the ways real drivers fail.
//
// Environment:
//   FAKE_NVIDIA_SMI_CAPTURE  capture file to replay (required)
//   FAKE_NVIDIA_SMI_STATE    idle | load | alternate (idle, load, idle, ... per loop)   default idle
//   FAKE_NVIDIA_SMI_MODE     ok | hang | exit | garbage | truncate                     default ok
//   FAKE_NVIDIA_SMI_GPUS     report only the first N GPUs of the capture
//   FAKE_NVIDIA_SMI_DROP     comma-separated fields this "driver" lacks (gone from help, invalid to query)
//   FAKE_NVIDIA_SMI_CONTROL  JSON file re-read before every sample: {"mode","state","gpus","drop","capture"}
//                            override the variables above while the process runs (GPU disappears, tool hangs...)
//
// Control file format (JSON; write it to a temp name and rename it over, so no reader sees half a file):
//   {
//     "mode": "ok" | "hang" | "exit" | "garbage" | "truncate",   // optional, as FAKE_NVIDIA_SMI_MODE
//     "state": "idle" | "load" | "alternate",                    // optional, as FAKE_NVIDIA_SMI_STATE
//     "gpus": 2,                                                 // optional, as FAKE_NVIDIA_SMI_GPUS
//     "drop": ["fan.speed"],                                     // optional, as FAKE_NVIDIA_SMI_DROP
//     "capture": "/path/to/capture.txt",                         // optional, read at start only
//     "processes": {                                             // optional: replaces the capture's processes
//       "0": [                                                   //   GPU index (as a string key)
//         { "pid": 4242, "name": "/usr/bin/python3", "type": "C", "usedMemoryMiB": 12288 },
//         { "pid": 5151, "name": "Cyberpunk2077.exe", "type": "G" }   // type: "C" | "G" | "C+G";
//       ]                                                        //   usedMemoryMiB: number, omitted = [N/A]
//     }
//   }
// Processes of type C and C+G are listed by --query-compute-apps (with their memory); every process
// is listed by `pmon -c 1` with its type. Without "processes" the capture's own lists are replayed.
import fs from 'node:fs';
import { findSection, helpAliases, loadCapture, queryGpuTable } from './capture-file.mjs';

const env = process.env;
const args = process.argv.slice(2);

function control() {
  const base = {
    mode: env.FAKE_NVIDIA_SMI_MODE || 'ok',
    state: env.FAKE_NVIDIA_SMI_STATE || 'idle',
    gpus: env.FAKE_NVIDIA_SMI_GPUS ? Number(env.FAKE_NVIDIA_SMI_GPUS) : Infinity,
    capture: env.FAKE_NVIDIA_SMI_CAPTURE,
    drop: (env.FAKE_NVIDIA_SMI_DROP || '').split(',').filter(Boolean),
  };
  if (!env.FAKE_NVIDIA_SMI_CONTROL) return base;
  try {
    const live = JSON.parse(fs.readFileSync(env.FAKE_NVIDIA_SMI_CONTROL, 'utf8'));
    return { ...base, ...live, gpus: live.gpus ?? base.gpus, drop: live.drop ?? base.drop };
  } catch {
    return base; // a control file being rewritten reads as "no change"
  }
}

function fail(message, code) {
  process.stdout.write(`${message}\n`);
  process.exit(code);
}

const startMode = control().mode;
if (startMode === 'exit') {
  fail(
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    9,
  );
}
if (startMode === 'hang') setInterval(() => {}, 1 << 30); // never answers, never exits

const captureFile = control().capture; // chosen at start: one process replays one machine
if (!captureFile) fail('fake nvidia-smi: set FAKE_NVIDIA_SMI_CAPTURE to a capture file', 2);
const sections = loadCapture(captureFile);
const helpSection = findSection(sections, 'capabilities', 'help-query-gpu');
const aliases = helpAliases(helpSection ? helpSection.body : []);
/** What running processes hold, kept from the load row while "alternate" reads idle. */
const HELD_MEMORY_FIELDS = new Set(['memory.used', 'memory.free', 'memory.reserved']);

function section(what) {
  const found = findSection(sections, 'capabilities', what);
  if (!found) fail(`fake nvidia-smi: the capture has no "${what}" section`, 2);
  return found.body.join('\n');
}

/** The help text without the paragraphs of dropped fields. */
function helpText(drop) {
  const out = [];
  let skipping = false;
  for (const line of helpSection.body) {
    if (line.startsWith('"')) skipping = drop.includes(aliases.get(/"([^"]+)"/.exec(line)[1]));
    else if (line.trim() === '') skipping = false;
    if (!skipping) out.push(line);
  }
  return out.join('\n');
}

function option(name) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1] ?? '';
    if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
  }
  return null;
}

if (startMode !== 'hang') {
  if (args[0] === '-q' || args[0] === '--query') {
    process.stdout.write(`${queryReport()}\n`);
    process.exit(0);
  }
  if (args[0] === 'pmon') {
    process.stdout.write(pmonText());
    process.exit(0);
  }
  const apps = option('--query-compute-apps');
  if (apps !== null) {
    process.stdout.write(computeAppsText(apps.split(','), (option('--format') ?? '').split(',')));
    process.exit(0);
  }
  if (args.includes('--help-query-gpu')) {
    process.stdout.write(`${helpText(control().drop)}\n`);
    process.exit(0);
  }
  if (args.includes('--version')) {
    process.stdout.write(`${section('version')}\n`);
    process.exit(0);
  }
  if (args.includes('-L') || args.includes('--list-gpus')) {
    const limit = control().gpus;
    let gpu = -1;
    const lines = section('list').split('\n').filter((line) => {
      if (/^GPU \d+:/.test(line)) gpu++;
      return gpu < limit;
    });
    process.stdout.write(`${lines.join('\n')}\n`);
    process.exit(0);
  }
  const query = option('--query-gpu');
  if (query === null) fail(`fake nvidia-smi: unsupported arguments: ${args.join(' ')}`, 2);
  const format = (option('--format') ?? '').split(',');
  if (!format.includes('csv')) fail('"--format=" switch is missing or has an invalid argument.', 2);
  const loopMs = option('-lms') ?? option('--loop-ms');
  const loopS = option('-l') ?? option('--loop');
  const periodMs = loopMs !== null ? Number(loopMs) : loopS !== null ? Number(loopS) * 1000 : null;
  replay(query.split(','), format.includes('noheader'), format.includes('nounits'), periodMs);
}

function timestamp() {
  const d = new Date();
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function replay(requested, noheader, nounits, periodMs) {
  const tables = { idle: queryGpuTable(sections, 'idle'), load: queryGpuTable(sections, 'load') };
  const first = control();
  for (const name of requested) {
    const canonical = aliases.get(name);
    if (!canonical || first.drop.includes(canonical)) fail(`Field "${name}" is not a valid field to query.`, 2);
  }
  let sweep = 0;
  let headerDone = noheader;
  const emit = () => {
    const live = control();
    if (live.mode === 'hang') return; // stays alive, prints nothing
    if (live.mode === 'exit') process.exit(9);
    const state = live.state === 'alternate' ? (sweep % 2 === 0 ? 'idle' : 'load') : live.state;
    const table = tables[state] ?? tables.idle;
    // Alternating, the load's processes (listed from the load sections) stay and keep their memory:
    // only the compute figures go idle, so VRAM used never reads 0 B beside 31.6 GiB of processes.
    const heldMemory = live.state === 'alternate' && state === 'idle' ? tables.load : null;
    const rows = table.rows.slice(0, Math.max(0, live.gpus));
    const columns = requested.map((name) => table.fields.indexOf(aliases.get(name)));
    const lines = [];
    if (!headerDone) {
      lines.push(requested.map((name, i) => (table.units[columns[i]] ? `${name} [${table.units[columns[i]]}]` : name)).join(', '));
      headerDone = true; // loops print the header once, like the real tool
    }
    rows.forEach((row, r) => {
      const cells = requested.map((name, i) => {
        const column = columns[i];
        if (name === 'timestamp') return timestamp();
        if (name === 'count') return String(rows.length);
        if (column < 0) return '[N/A]'; // a valid field the capture did not record
        const unit = table.units[column];
        const held = heldMemory && HELD_MEMORY_FIELDS.has(table.fields[column]) ? heldMemory.rows[r]?.[heldMemory.fields.indexOf(table.fields[column])] : undefined;
        const value = held ?? row[column];
        return nounits && unit && value.endsWith(` ${unit}`) ? value.slice(0, -unit.length - 1) : value;
      });
      let line = cells.join(', ');
      if (live.mode === 'garbage') line = `\u0000\u00ff${Buffer.from(line).toString('base64').slice(sweep % 7, 40 + (sweep % 7))}`;
      if (live.mode === 'truncate') line = line.slice(0, Math.floor(line.length / 2));
      lines.push(line);
    });
    if (live.gpus < table.rows.length && table.rows.length > 0) {
      process.stderr.write(`Unable to determine the device handle for GPU${live.gpus}: GPU is lost.  Reboot the system to recover this GPU\n`);
    }
    sweep++;
    process.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
  };
  emit();
  if (periodMs !== null && periodMs > 0) {
    setInterval(emit, periodMs);
    process.stdout.on('error', () => process.exit(0)); // reader went away
  }
}

function stateNow() {
  const state = control().state;
  return state === 'alternate' ? 'load' : state;
}

/** The -q report of the current state, cut to the first `gpus` GPUs. */
function queryReport() {
  const found = findSection(sections, stateNow(), 'query (-q)') ?? findSection(sections, 'idle', 'query (-q)');
  if (!found) fail('fake nvidia-smi: the capture has no "query (-q)" section', 2);
  const limit = control().gpus;
  let gpu = -1;
  return found.body.filter((line) => {
    if (/^GPU [0-9A-Fa-f]+:/.test(line)) gpu++;
    return gpu < limit;
  }).join('\n');
}

/** GPU index -> { uuid, bus, name } from the query-gpu table. */
function gpuIds() {
  const table = queryGpuTable(sections, 'idle');
  const col = (name) => table.fields.indexOf(name);
  return table.rows.map((row) => ({ index: Number(row[col('index')]), uuid: row[col('uuid')], bus: row[col('pci.bus_id')], name: row[col('name')] }));
}

/** Every process as { gpu, pid, name, type, memory } from the control file, else from the capture. */
function processes() {
  const live = control();
  const limit = live.gpus;
  if (live.processes && typeof live.processes === 'object') {
    return Object.entries(live.processes).flatMap(([gpu, list]) =>
      Number(gpu) < limit ? list.map((p) => ({ gpu: Number(gpu), pid: p.pid, name: String(p.name), type: p.type ?? 'C', memory: p.usedMemoryMiB ?? null })) : [],
    );
  }
  const ids = gpuIds();
  const state = stateNow();
  const out = [];
  const apps = findSection(sections, state, 'query-compute-apps');
  for (const line of (apps?.body ?? []).slice(1).filter((l) => l.trim() !== '')) {
    const cells = line.split(', ');
    const uuid = cells[4];
    const gpu = ids.find((g) => g.uuid === uuid)?.index ?? 0;
    const memory = /^(\d+) MiB$/.exec(cells[cells.length - 1])?.[1];
    out.push({ gpu, pid: Number(cells[5]), name: cells.slice(6, -1).join(', '), type: 'C', memory: memory ? Number(memory) : null });
  }
  const seen = new Set();
  const pmon = findSection(sections, state, 'pmon');
  for (const line of (pmon?.body ?? []).filter((l) => !l.startsWith('#') && l.trim() !== '')) {
    const tokens = line.trim().split(/\s+/);
    if (!/^\d+$/.test(tokens[1])) continue;
    const key = `${tokens[0]}:${tokens[1]}`;
    if (seen.has(key)) break; // -c 5 printed the same processes again: the first sample ends here
    seen.add(key);
    const known = out.find((p) => p.gpu === Number(tokens[0]) && p.pid === Number(tokens[1]));
    if (known) known.type = tokens[2];
    else out.push({ gpu: Number(tokens[0]), pid: Number(tokens[1]), name: tokens.slice(-1)[0], type: tokens[2], memory: null });
  }
  return out.filter((p) => p.gpu < limit);
}

function computeAppsText(requested, format) {
  const ids = gpuIds();
  const rows = processes().filter((p) => p.type.includes('C'));
  const value = (name, p) => {
    const gpu = ids.find((g) => g.index === p.gpu) ?? ids[0];
    switch (name) {
      case 'pid': return String(p.pid);
      case 'process_name': case 'name': return p.name;
      case 'used_memory': case 'used_gpu_memory':
        return p.memory === null ? '[N/A]' : format.includes('nounits') ? String(p.memory) : `${p.memory} MiB`;
      case 'gpu_uuid': return gpu.uuid;
      case 'gpu_bus_id': return gpu.bus;
      case 'gpu_name': return gpu.name;
      case 'gpu_serial': return '[N/A]';
      case 'timestamp': return timestamp();
      default: fail(`Field "${name}" is not a valid field to query.`, 2);
    }
  };
  const lines = format.includes('noheader') ? [] : [requested.join(', ')];
  for (const p of rows) lines.push(requested.map((name) => value(name, p)).join(', '));
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function pmonText() {
  const pad = (text, width) => String(text).padStart(width);
  const lines = [
    '# gpu         pid   type     sm    mem    enc    dec    jpg    ofa    command ',
    '# Idx           #    C/G      %      %      %      %      %      %    name ',
  ];
  const list = processes();
  const limit = Math.min(control().gpus, gpuIds().length);
  for (let gpu = 0; gpu < limit; gpu++) {
    const mine = list.filter((p) => p.gpu === gpu);
    if (mine.length === 0) lines.push(`${pad(gpu, 5)}          -     -      -      -      -      -      -      -    -              `);
    for (const p of mine) {
      const comm = p.name.split(/[\\/]/).pop().slice(0, 15).padEnd(15);
      lines.push(`${pad(gpu, 5)}  ${pad(p.pid, 9)}  ${pad(p.type, 4)}      -      -      -      -      -      -    ${comm}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
