// A real tiny disk for tests: a tmpfs mounted over a temp folder (root on Linux only), which can be
// made read-only or full. Root ignores chmod, so a mount is the honest stand-in for a refusing disk.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function probeMount(): boolean {
  if (process.getuid?.() !== 0 || process.platform !== 'linux' || process.env.LEDGER_TEST_NO_MOUNT) return false;
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

export const CAN_MOUNT = probeMount();

export interface TinyDisk {
  dir: string;
  readOnly(): void;
  writable(): void;
  /** Fills what is left with a file, so the next write finds no space. */
  fill(): void;
  /** Frees the filler and grows the disk. */
  free(): void;
  remove(): void;
}

/** A tmpfs of `size` ('1m') at a new temp folder. */
export function tinyDisk(size: string): TinyDisk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
  const remount = (options: string) => execFileSync('mount', ['-o', `remount,${options}`, dir], { stdio: 'ignore' });
  const filler = path.join(dir, 'filler');
  return {
    dir,
    readOnly: () => remount('ro'),
    writable: () => remount('rw'),
    fill() {
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd stops with "no space left": that is the point
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
      remount('size=32m');
    },
    remove() {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
