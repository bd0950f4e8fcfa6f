// A hung nvidia-smi behind a wrapper script: the wrapper's own children (a helper that holds the
// pipe open) are ended with it, the probe says it hung and retries, and the worker status names it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testCore } from '../../test/core-fixture.ts';
import { NvidiaSmiSampler } from './nvidia-smi.ts';
import { FAKE_NVIDIA_SMI, capturePath, fakeEnv } from './testing/captures.ts';

// A vendor wrapper that hangs: a helper in the background holds stdout open, the wrapper waits on it.
const WRAPPER = `#!/bin/sh
echo $$ >> "$WRAPPER_PIDS"
if [ "$1" = "--help-query-gpu" ] && [ "$WRAPPER_HANGS_ON" != "help" ]; then exec "$FAKE" "$@"; fi
sleep 1000 &
echo $! >> "$WRAPPER_PIDS"
wait
`;

let tmp: string;
let wrapper: string;
const running: { stop(): Promise<void> }[] = [];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-wrapper-'));
  wrapper = path.join(tmp, 'nvidia-smi');
  fs.writeFileSync(wrapper, WRAPPER, { mode: 0o755 });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Running, and not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

async function until<T>(what: string, read: () => T, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function wrapped(hangsOn: 'help' | 'loop') {
  const pids = path.join(tmp, `pids-${hangsOn}-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(pids, '');
  const env = { ...fakeEnv(capturePath('nvidia-h200__590')), FAKE: FAKE_NVIDIA_SMI, WRAPPER_PIDS: pids, WRAPPER_HANGS_ON: hangsOn };
  const sampler = new NvidiaSmiSampler({ executable: wrapper, env, backoffMs: 100, maxBackoffMs: 200, helpTimeoutMs: 500 });
  running.push(sampler);
  const started = () => fs.readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number);
  return { sampler, started };
}

describe.skipIf(process.platform !== 'linux')('a hung nvidia-smi wrapper', () => {
  it('hanging on the first query: its helper is ended with it, it says it hung, and it retries', async () => {
    const { sampler, started } = wrapped('help');
    sampler.start(250);
    const health = await until('a timed-out query', () => sampler.latest().health, (h) => /did not answer/.test(h.detail), 5000);
    const first = started();
    expect(first.length).toBeGreaterThanOrEqual(2); // the wrapper and its helper
    await until('the first wrapper and its helper to end', () => first.filter(alive), (left) => left.length === 0, 2000);
    expect(health).toMatchObject({ state: 'degraded', detail: expect.stringMatching(/^nvidia-smi --help-query-gpu hung: it did not answer within 0\.5 s\. Retrying in/) });
    await until('a retry', () => started().length, (n) => n >= first.length + 2, 5000);
    await sampler.stop();
    await until('every wrapper and helper to end after stop', () => started().filter(alive), (left) => left.length === 0, 2000);
  });

  it('hanging in the sampling loop: the hang check ends the wrapper and its helper', async () => {
    const { sampler, started } = wrapped('loop');
    sampler.start(250);
    const health = await until('a hang report', () => sampler.latest().health, (h) => /stopped answering/.test(h.detail), 8000);
    const helpers = started();
    expect(helpers.length).toBeGreaterThanOrEqual(3); // the help query's, then the loop's wrapper and helper
    await until('the hung loop and its helper to end', () => helpers.filter(alive), (left) => left.length === 0, 2000);
    expect(health.detail).toMatch(/^nvidia-smi hung: it stopped answering \(silent for \d+ s\)\. Retrying in/);
  }, 15_000);

  it('the worker status names the failed GPU probe while it is failing', async () => {
    const { sampler, started } = wrapped('help');
    const core = await testCore({ gpuSamplers: [sampler] });
    running.push(core);
    await core.start();
    const status = await until('the status to name the probe', () => core.status(), (s) => /GPU probe failed/.test(s.detail), 10_000);
    expect(status.state).toBe('idle'); // the worker still runs; a probe that retries is said, not an error state
    expect(status.detail).toMatch(/^Hardware detected\. Not connected to a compute network yet\. GPU probe failed: nvidia-smi --help-query-gpu hung: it did not answer within 0\.5 s\. Retrying in [\d.]+ s\.$/);
    // Stopping mid-query ends that query's wrapper too, not only the sampling loop.
    const before = started().length;
    await until('a new query in flight', () => started().length, (n) => n >= before + 2, 3000);
    await core.stop();
    await until('every wrapper and helper to end after stop', () => started().filter(alive), (left) => left.length === 0, 300);
  }, 15_000);
});
