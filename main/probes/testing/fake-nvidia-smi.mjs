#!/usr/bin/env node
// A stand-in nvidia-smi that replays a real capture (../shared/fixtures/nvidia-smi) for tests and
// benchmarks. It answers what the probes and systeminformation ask: --help-query-gpu, -L, --version,
// --query-gpu=<fields> --format=csv[,noheader][,nounits] [-lms N | -l N], projecting the capture's
// columns; plus the ways real drivers fail.
//
// Environment:
//   FAKE_NVIDIA_SMI_CAPTURE  capture file to replay (required)
//   FAKE_NVIDIA_SMI_STATE    idle | load | alternate (idle, load, idle, ... per loop)   default idle
//   FAKE_NVIDIA_SMI_MODE     ok | hang | exit | garbage | truncate                     default ok
//   FAKE_NVIDIA_SMI_GPUS     report only the first N GPUs of the capture
//   FAKE_NVIDIA_SMI_DROP     comma-separated fields this "driver" lacks (gone from help, invalid to query)
//   FAKE_NVIDIA_SMI_CONTROL  JSON file re-read before every sample: {"mode","state","gpus","drop","capture"}
//                            override the variables above while the process runs (GPU disappears, tool hangs...)
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
    const rows = table.rows.slice(0, Math.max(0, live.gpus));
    const columns = requested.map((name) => table.fields.indexOf(aliases.get(name)));
    const lines = [];
    if (!headerDone) {
      lines.push(requested.map((name, i) => (table.units[columns[i]] ? `${name} [${table.units[columns[i]]}]` : name)).join(', '));
      headerDone = true; // loops print the header once, like the real tool
    }
    for (const row of rows) {
      const cells = requested.map((name, i) => {
        const column = columns[i];
        if (name === 'timestamp') return timestamp();
        if (name === 'count') return String(rows.length);
        if (column < 0) return '[N/A]'; // a valid field the capture did not record
        const unit = table.units[column];
        const value = row[column];
        return nounits && unit && value.endsWith(` ${unit}`) ? value.slice(0, -unit.length - 1) : value;
      });
      let line = cells.join(', ');
      if (live.mode === 'garbage') line = `\u0000\u00ff${Buffer.from(line).toString('base64').slice(sweep % 7, 40 + (sweep % 7))}`;
      if (live.mode === 'truncate') line = line.slice(0, Math.floor(line.length / 2));
      lines.push(line);
    }
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
