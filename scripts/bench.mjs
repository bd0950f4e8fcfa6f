#!/usr/bin/env node
// `npm run bench [name…]`: runs each bench/<name>.bench.ts in its own process (a clean heap and
// clean timings per benchmark) and prints their figures. Node strips the TypeScript types itself.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dir = path.join(root, 'bench');
// Words pick benchmarks; `--name=value` flags go to each of them (e.g. `worker --seconds=300`).
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  console.error(`No benchmark matches ${wanted.join(', ')}. Available: ${fs.readdirSync(dir).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  console.log(`\n### ${file}`);
  const code = `const m = await import(${JSON.stringify(path.join(dir, file))}); await m.run();`;
  const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code, '--', ...flags], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
