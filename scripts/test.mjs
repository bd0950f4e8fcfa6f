#!/usr/bin/env node
// `npm test`: lint, typecheck, build, unit tests (vitest), e2e (Playwright), then one summary line.
// Where a D-Bus session and gnome-keyring are installed but not running, it runs itself inside a
// private session with an unlocked keyring, so keytar is tested against a real Secret Service.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const env = { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` };

if (!process.env.IO_WORKER_TEST_INNER && process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS && has('dbus-run-session') && has('gnome-keyring-daemon')) {
  const keyrings = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-keyring-'));
  const inner = `export $(printf io-worker-test | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null) && exec node ${JSON.stringify(path.join(root, 'scripts', 'test.mjs'))} "$@"`;
  const result = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner, 'test', ...process.argv.slice(2)], {
    stdio: ['ignore', 'inherit', 'pipe'],
    env: { ...env, IO_WORKER_TEST_INNER: '1', IO_WORKER_EXPECT_KEYRING: '1', XDG_DATA_HOME: keyrings },
  });
  // dbus-daemon chatters on stderr about fd limits and prompters; keep the rest.
  const noise = /dbus-daemon|gcr-prompter|cannot open display|SystemPrompter|^\s*$/;
  process.stderr.write(String(result.stderr ?? '').split('\n').filter((l) => !noise.test(l)).join('\n'));
  fs.rmSync(keyrings, { recursive: true, force: true });
  process.exit(result.status ?? 1);
}

const results = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-results-'));
const steps = [];
function step(name, command, args, options = {}) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${[path.basename(command), ...args].join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, ...options });
  const ok = result.status === 0;
  steps.push({ name, ok, seconds: ((Date.now() - started) / 1000).toFixed(1) });
  return ok;
}

step('lint', bin('eslint'), ['.', '--max-warnings=0']);
step('typecheck (node)', bin('tsc'), ['-p', 'tsconfig.json']);
step('typecheck (web)', bin('tsc'), ['-p', 'tsconfig.web.json']);
const built = step('build', bin('electron-vite'), ['build']);
const unitJson = path.join(results, 'unit.json');
step('unit tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`]);
let e2eJson = null;
if (built) {
  e2eJson = path.join(results, 'e2e.json');
  // Electron specs need a display; Xvfb gives them one where there is none.
  const display = !process.env.DISPLAY && has('xvfb-run') ? ['xvfb-run', ['-a', bin('playwright'), 'test']] : [bin('playwright'), ['test']];
  step('e2e tests', display[0], display[1], { env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson } });
}

const count = { passed: 0, failed: 0, skipped: 0 };
try {
  const unit = JSON.parse(fs.readFileSync(unitJson, 'utf8'));
  count.passed += unit.numPassedTests;
  count.failed += unit.numFailedTests;
  count.skipped += unit.numPendingTests + unit.numTodoTests;
} catch {
  count.failed += 1; // no report means the runner itself failed
}
if (e2eJson) {
  try {
    const e2e = JSON.parse(fs.readFileSync(e2eJson, 'utf8'));
    count.passed += e2e.stats.expected + e2e.stats.flaky;
    count.failed += e2e.stats.unexpected;
    count.skipped += e2e.stats.skipped;
    // Say why each skipped spec was skipped (e.g. no Electron binary on this machine).
    const reasons = new Map();
    const walk = (suite) => {
      for (const spec of suite.specs ?? []) {
        for (const t of spec.tests ?? []) {
          if (t.status !== 'skipped') continue;
          const why = t.annotations?.find((a) => a.type === 'skip')?.description || 'no reason given';
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
      }
      for (const child of suite.suites ?? []) walk(child);
    };
    for (const suite of e2e.suites ?? []) walk(suite);
    for (const [why, n] of reasons) console.log(`e2e: ${n} skipped: ${why}`);
  } catch {
    count.failed += 1;
  }
}
fs.rmSync(results, { recursive: true, force: true });

console.log('\n=== summary');
for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds} s)`);
const allOk = steps.every((s) => s.ok) && count.failed === 0;
console.log(`tests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped`);
process.exit(allOk ? 0 : 1);
