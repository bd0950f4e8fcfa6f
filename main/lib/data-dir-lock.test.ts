// The data dir's lock with real processes: a live holder refuses a second worker by its pid, a
// SIGKILLed holder's lock is stale and taken over, and release removes only our own lock.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, acquireDataDirLock, lockIsLive, readLock } from './data-dir-lock.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A real process that holds the lock until killed; resolves once it holds it. */
function holder(dataDir: string) {
  const code = `import { acquireDataDirLock } from ${JSON.stringify(path.resolve(import.meta.dirname, 'data-dir-lock.ts'))};
acquireDataDirLock(process.argv[1]); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the holder did not take the lock in 10 s')), 10_000);
    child.stdout.on('data', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { child, held };
}

describe('data dir lock', () => {
  it('refuses a second worker while the first runs, naming its pid', async () => {
    const dir = tempDir();
    const { child, held } = holder(dir);
    try {
      await held;
      expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
      expect(() => acquireDataDirLock(dir)).toThrow(`already running (pid ${child.pid})`);
      expect(lockIsLive(readLock(dir)!)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over the stale lock of a killed worker', async () => {
    const dir = tempDir();
    const { child, held } = holder(dir);
    await held;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(readLock(dir)?.pid).toBe(child.pid); // left behind by the kill
    expect(lockIsLive(readLock(dir)!)).toBe(false);
    const lock = acquireDataDirLock(dir);
    expect(readLock(dir)?.pid).toBe(process.pid);
    lock.update({ dashboard: 'http://127.0.0.1:1/' });
    expect(readLock(dir)).toMatchObject({ pid: process.pid, dashboard: 'http://127.0.0.1:1/' });
    expect(fs.statSync(path.join(dir, LOCK_FILE)).mode & 0o777).toBe(0o600);
    lock.release();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a second lock in the same process, and a lock from before a reboot is stale', () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir);
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirLockedError);
    lock.release();
    // a half-written lock (a crash mid-write) and another boot's lock are both taken over
    fs.writeFileSync(path.join(dir, LOCK_FILE), '{"pid":');
    acquireDataDirLock(dir).release();
    if (fs.existsSync('/proc/sys/kernel/random/boot_id')) {
      fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, startedAt: 0, bootId: 'another-boot', dashboard: null, tokenFile: null, metrics: null }));
      const again = acquireDataDirLock(dir);
      expect(readLock(dir)?.pid).toBe(process.pid);
      again.release();
    }
  });
});
