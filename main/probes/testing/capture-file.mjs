// Reads nvidia_gpu_exporter capture files (`# <state> :: <what>` sections, command after `# $ `).
// Plain JavaScript so the fake nvidia-smi runs on any Node without type stripping.
import fs from 'node:fs';

const RULE = /^#{20,}\s*$/;

/** Sections of a capture: { state, what, command, body } in file order. */
export function readSections(text) {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const sections = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^# ([a-z-]+) :: (.*)$/.exec(lines[i]);
    if (!head || !RULE.test(lines[i - 1] ?? '')) continue;
    let j = i + 1;
    let command = '';
    if (lines[j]?.startsWith('# $ ')) command = lines[j++].slice(4).trim();
    if (RULE.test(lines[j] ?? '')) j++;
    const body = [];
    // A body ends where the next section's opening rule starts.
    while (j < lines.length && !(RULE.test(lines[j]) && /^# [a-z-]+ :: /.test(lines[j + 1] ?? ''))) body.push(lines[j++]);
    while (body.length > 0 && body[body.length - 1].trim() === '') body.pop();
    sections.push({ state: head[1], what: head[2].trim(), command, body });
    i = j - 1;
  }
  return sections;
}

export function findSection(sections, state, whatPrefix) {
  return sections.find((s) => s.state === state && s.what.startsWith(whatPrefix)) ?? null;
}

/** The query-gpu CSV of one state: requested field names, header cells, and one row of raw cells per GPU. */
export function queryGpuTable(sections, state) {
  const section = findSection(sections, state, 'query-gpu');
  if (!section) throw new Error(`capture has no "${state} :: query-gpu" section`);
  const match = /--query-gpu=(\S+)/.exec(section.command);
  if (!match) throw new Error(`"${state} :: query-gpu" has no --query-gpu command`);
  const fields = match[1].split(',');
  const lines = section.body.filter((l) => l.trim() !== '');
  const header = lines[0].split(', ');
  if (header.length !== fields.length) throw new Error(`header has ${header.length} cells for ${fields.length} fields`);
  const units = header.map((h) => /\[([^\]]+)\]\s*$/.exec(h)?.[1] ?? null);
  const rows = lines.slice(1).map((l) => l.split(', '));
  for (const row of rows) {
    if (row.length !== fields.length) throw new Error(`row has ${row.length} cells for ${fields.length} fields`);
  }
  return { fields, header, units, rows };
}

/** `"name" or "gpu_name"` lines of --help-query-gpu: every alias mapped to its first (canonical) name. */
export function helpAliases(helpLines) {
  const aliases = new Map();
  for (const line of helpLines) {
    if (!line.startsWith('"')) continue;
    const names = [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    for (const name of names) aliases.set(name, names[0]);
  }
  return aliases;
}

export function loadCapture(file) {
  return readSections(fs.readFileSync(file, 'utf8'));
}
