// A read-only or full data dir does not stop the worker: settings stay in memory, the refusal is said
// once, the next change saves again once the disk takes writes, and `io-worker serve` keeps serving.
// The disk is a real tmpfs (root on Linux): root ignores chmod, a read-only mount it cannot.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notice } from '../../preload/contract/index.ts';
import { CAN_MOUNT, tinyDisk, type TinyDisk } from '../ledger/testing/tmpfs.ts';
import { RENDERER_DIR } from '../paths.ts';
import { confBackend } from './conf-backend.ts';
import { SettingsStore } from './store.ts';

const BIN = fileURLToPath(new URL('../../bin/io-worker.mjs', import.meta.url));
const built = fs.existsSync(path.join(RENDERER_DIR, 'index.html'));
let disk: TinyDisk | null = null;
afterEach(() => {
  disk?.remove();
  disk = null;
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const onDisk = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8')) as { deviceName: string };

describe.skipIf(!CAN_MOUNT)('settings on a disk that refuses writes', () => {
  it('read-only: kept in memory, said once, saved by the next change once the disk is writable', () => {
    disk = tinyDisk('1m');
    new SettingsStore(confBackend(disk.dir)).update({ deviceName: 'rig-1' });
    disk.readOnly();

    const store = new SettingsStore(confBackend(disk.dir));
    const notices: Notice[] = [];
    store.onNotice((n) => notices.push(n));
    expect(store.get().deviceName).toBe('rig-1');
    expect(store.problem).toMatch(/read-only or not writable/);
    expect(store.noticesAtStart.map((n) => n.title)).toEqual(['Settings are not being saved']);
    expect(store.update({ deviceName: 'rig-2' }).deviceName).toBe('rig-2');
    store.setWallet('So11111111111111111111111111111111111111112');
    expect(store.get().deviceName).toBe('rig-2');
    expect(notices).toEqual([]); // said once, at start
    expect(onDisk(disk.dir).deviceName).toBe('rig-1');

    disk.writable();
    store.update({ deviceName: 'rig-3' });
    expect(store.problem).toBeNull();
    expect(onDisk(disk.dir).deviceName).toBe('rig-3');
    expect(notices.map((n) => n.title)).toEqual(['Settings are being saved again']);
  });

  it('full: the change stays in memory, the refusal is said once, and no temp file is left behind', async () => {
    disk = tinyDisk('1m');
    const store = new SettingsStore(confBackend(disk.dir));
    const notices: Notice[] = [];
    store.onNotice((n) => notices.push(n));
    disk.fill();
    store.update({ deviceName: 'rig-full' });
    store.update({ deviceName: 'rig-full-2' });
    expect(store.get().deviceName).toBe('rig-full-2');
    expect(store.problem).toMatch(/is full/);
    expect(notices.map((n) => n.title)).toEqual(['Settings are not being saved']);
    await sleep(100); // atomically removes its failed temp file asynchronously
    expect(fs.readdirSync(disk.dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    disk.free();
    store.update({ deviceName: 'rig-free' });
    expect(onDisk(disk.dir).deviceName).toBe('rig-free');
  });
});

async function rpc(base: URL, token: string, channel: string, args: unknown = {}) {
  const res = await fetch(new URL(`/api/rpc/${channel}`, base), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  return (await res.json()) as { ok: boolean; result?: unknown; error?: { code: string; message: string } };
}

describe.skipIf(!CAN_MOUNT || !built)('io-worker serve on a read-only data dir', () => {
  it('runs, says that history and settings cannot be saved, and keeps serving', async () => {
    disk = tinyDisk('4m');
    const dataDir = path.join(disk.dir, 'data');
    fs.mkdirSync(dataDir);
    disk.readOnly();
    // Out of the box: the embedded devnet too keeps its files in the data dir, and runs in memory instead.
    const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--secrets-file'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      for (let waited = 0; !/Open the dashboard: \S+/.test(out) && waited < 25_000 && child.exitCode === null; waited += 100) await sleep(100);
      expect(out, err).toMatch(/Open the dashboard/);
      expect(err).toMatch(/warning: Settings are not being saved\. .* is read-only/);
      expect(err).toMatch(/warning: history is not being saved: .* read-only/);
      const link = new URL(/Open the dashboard: (\S+)/.exec(out)![1]);
      const token = link.searchParams.get('token')!;

      expect(await rpc(link, token, 'settings.update', { deviceName: 'read-only rig' })).toMatchObject({ ok: true, result: { deviceName: 'read-only rig' } });
      let status = await rpc(link, token, 'system.status');
      for (let waited = 0; (status.result as { state: string }).state === 'starting' && waited < 15_000; waited += 200) {
        await sleep(200);
        status = await rpc(link, token, 'system.status');
      }
      expect(status.result).toMatchObject({ state: 'error', deviceName: 'read-only rig', detail: expect.stringMatching(/^History is not being saved: .* read-only/) });
      const notices = await rpc(link, token, 'notices.list', { limit: 50 });
      expect(notices.ok, JSON.stringify(notices)).toBe(true);
      expect((notices.result as Notice[]).map((n) => n.title)).toEqual(expect.arrayContaining(['History is not being saved', 'Settings are not being saved']));
      expect(await rpc(link, token, 'uptime.bar', {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/read-only/) } });
      expect(child.exitCode).toBeNull();
      expect(err).toMatch(/devnet: its store in .* cannot be written .*; it runs in memory for this run/);
      expect(out).toMatch(/Network: embedded devnet at http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
