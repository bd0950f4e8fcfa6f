// Real `io-worker serve` processes on one data dir, with no keyring (as on a headless server) and
// the fake nvidia-smi replaying the H200 capture: the device id and the dashboard link survive
// restarts, a second worker is refused by pid, a killed worker's lock is taken over, a secrets
// file others can read is refused with the fix, and `io-worker status` answers in under 500 ms.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { RENDERER_DIR } from '../paths.ts';
import { FAKE_NVIDIA_SMI, capturePath } from '../probes/testing/captures.ts';

const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'io-worker.mjs');
const built = fs.existsSync(path.join(RENDERER_DIR, 'index.html'));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-serve-identity-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

// No Secret Service to talk to, like a server reached over SSH.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/io-worker-test-bus',
  DISPLAY: '',
  IO_WORKER_NVIDIA_SMI: FAKE_NVIDIA_SMI,
  FAKE_NVIDIA_SMI_CAPTURE: capturePath('nvidia-h200__'),
  NODE_COMPILE_CACHE: path.join(root, 'compile-cache'),
};

interface Run {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the dashboard URL, or rejects with what it printed if it exits first. */
  up: Promise<string>;
  exited: Promise<number | null>;
}

function serve(dataDir: string): Run {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--network', 'http://127.0.0.1:9'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const up = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 30 s:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const url = /Open the dashboard: (\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  up.catch(() => {});
  return { child, output: () => out, up, exited };
}

const deviceOf = (run: Run) => /running headless \(device (\S+)\)/.exec(run.output())?.[1];
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 15_000 });
const rpc = (url: string, token: string, channel: string) =>
  fetch(new URL(`/api/rpc/${channel}`, url), { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });

describe('io-worker serve on one data dir, without a keyring', () => {
  it.skipIf(!built)('keeps its device and link across restarts, refuses a second worker, takes over a stale lock', async () => {
    const dataDir = path.join(root, 'data');
    const first = serve(dataDir);
    const url1 = await first.up;
    const device = deviceOf(first);
    expect(device).toMatch(/^dev-[0-9a-f]{16}$/);
    expect(first.output()).toContain(`Secrets: a 0600 file in the data dir (${path.join(dataDir, 'secrets.json')})`);
    expect(fs.statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);

    // A second worker on the same folder says who runs there, and exits.
    const second = serve(dataDir);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`already running (pid ${first.child.pid})`);

    // `status` finds the worker through the data dir and answers in under 500 ms.
    const timings: number[] = [];
    let report: { status: { deviceId: string; deviceName: string }; frame: { gpus: { model: string; temperatureC: number }[] } | null } | null = null;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      const result = cli('status', '--data-dir', dataDir, '--json');
      timings.push(performance.now() - start);
      expect(result.status, result.stderr).toBe(0);
      report = JSON.parse(result.stdout);
    }
    console.log(`io-worker status --json: ${timings.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
    expect(Math.min(...timings)).toBeLessThan(500);
    expect(report!.status.deviceId).toBe(device);
    // A distinct default name: host, then the GPU model and a short id.
    expect(report!.status.deviceName).toBe(`${os.hostname()} · H200 · ${device!.slice(4, 8)}`);
    // The GPU line comes with the first telemetry frame, which a loaded machine may take a moment to give.
    let screen = cli('status', '--data-dir', dataDir);
    for (let i = 0; i < 20 && !/\[0\] NVIDIA H200/.test(screen.stdout); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      screen = cli('status', '--data-dir', dataDir);
    }
    expect(screen.stdout).toMatch(/\[0\] NVIDIA H200 +\| +\d+°C/);

    // A rotated token takes effect in the running worker: the old link stops, the new one works.
    const token1 = new URL(url1).searchParams.get('token')!;
    const rotated = cli('token', '--rotate', '--data-dir', dataDir);
    expect(rotated.status, rotated.stderr).toBe(0);
    const url2 = rotated.stdout.trim();
    const token2 = new URL(url2).searchParams.get('token')!;
    expect(token2).not.toBe(token1);
    expect(new URL(url2).origin).toBe(new URL(url1).origin);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await rpc(url1, token1, 'system.status')).status).toBe(401);
    expect((await rpc(url1, token2, 'system.status')).status).toBe(200);

    // Killed: its lock stays behind, stale; the next start takes it over with the same device and token.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(fs.existsSync(path.join(dataDir, 'worker.lock'))).toBe(true);
    const third = serve(dataDir);
    const url3 = await third.up;
    expect(deviceOf(third)).toBe(device);
    expect(new URL(url3).searchParams.get('token')).toBe(token2);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'worker.lock'))).toBe(false);
    expect(cli('status', '--data-dir', dataDir).status).toBe(3);

    // A secrets file others can read is refused with the command that fixes it.
    const secrets = path.join(dataDir, 'secrets.json');
    fs.chmodSync(secrets, 0o644);
    const refused = serve(dataDir);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(`Fix it with: chmod 600 ${secrets}`);
    expect(fs.statSync(secrets).mode & 0o777).toBe(0o644); // never changed behind the owner's back
  }, 120_000);
});
