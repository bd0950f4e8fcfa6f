// One worker per data dir: two on one folder would share a device key, a ledger and a token, and
// fight over them. The lock is a small JSON file made with O_EXCL; a lock whose process is gone
// (killed, or from before a reboot) is stale and taken over. It also tells `io-worker status`
// where the running worker serves its dashboard.
import fs from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'worker.lock';

export interface LockInfo {
  pid: number;
  startedAt: number;
  /** Linux's boot id: a pid from before a reboot may belong to another process now. */
  bootId: string | null;
  /** The dashboard's address without its token, once `serve` listens (null in the app). */
  dashboard: string | null;
  /** Where the dashboard token is kept, for `io-worker status`. */
  tokenFile: string | null;
  /** The metrics address when it is not the dashboard's own (`--metrics-listen`). */
  metrics: string | null;
}

export class DataDirLockedError extends Error {
  readonly pid: number;
  constructor(dataDir: string, pid: number) {
    super(`IO Worker is already running (pid ${pid}) on ${dataDir}. Stop it first, or give this one its own --data-dir.`);
    this.pid = pid;
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Adds what `status` needs once it is known (the dashboard's address). */
  update(info: Partial<Pick<LockInfo, 'dashboard' | 'tokenFile' | 'metrics'>>): void;
  release(): void;
}

/** Locks this process holds, so a lock with our own pid is told apart from a reused pid. */
const held = new Set<string>();

function bootId(): string | null {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null; // not Linux: the pid check alone
  }
}

export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** The lock's contents, or null when there is none or it is unreadable (a crash mid-write). */
export function readLock(dataDir: string): LockInfo | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')) as LockInfo;
    return typeof parsed?.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

/** Whether the process named in a lock still holds it. */
export function lockIsLive(info: LockInfo): boolean {
  const sameBoot = info.bootId === null || bootId() === null || info.bootId === bootId();
  return sameBoot && isProcessRunning(info.pid);
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  let info: LockInfo = { pid: process.pid, startedAt: Date.now(), bootId: bootId(), dashboard: null, tokenFile: null, metrics: null };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(info));
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    const other = readLock(dataDir);
    const ours = other?.pid === process.pid && held.has(file);
    if (other && (ours || (other.pid !== process.pid && lockIsLive(other)))) throw new DataDirLockedError(dataDir, other.pid);
    // Stale (its process is gone) or half-written: take it over. The rename is atomic, so of two
    // starters racing here only one sees its own pid afterwards and the other retries the O_EXCL.
    const aside = `${file}.stale.${process.pid}`;
    try {
      fs.renameSync(file, aside);
      fs.rmSync(aside, { force: true });
    } catch {
      // another starter moved it first: retry
    }
  }
  held.add(file);
  const write = () => {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
    fs.renameSync(tmp, file);
  };
  return {
    file,
    update(more) {
      info = { ...info, ...more };
      write();
    },
    release() {
      if (!held.delete(file)) return;
      // Only our own lock is removed: never one a later starter took over.
      if (readLock(dataDir)?.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}
