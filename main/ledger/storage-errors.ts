// Which errors mean "the disk will not take this now" (a full or read-only disk, a damaged file)
// rather than a bug, and how to say them: the ledger parks writes on the first and answers reads with them.
import fs from 'node:fs';
import path from 'node:path';

// SQLite primary result codes that mean "the disk will not take this now", not "a bug".
const STORAGE_CODES = new Set([3 /* PERM */, 5 /* BUSY */, 8 /* READONLY */, 10 /* IOERR */, 13 /* FULL */, 14 /* CANTOPEN */]);
export const CORRUPT_CODES = new Set([11 /* CORRUPT */, 26 /* NOTADB */]);
const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO']);
/** Less free space than this is a full disk, whatever SQLite called its failure. */
const FULL_BELOW_BYTES = 1024 * 1024;

export function sqliteCode(error: unknown): number | null {
  const e = error as { code?: string; errcode?: number };
  return e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number' ? e.errcode & 0xff : null;
}

export function isStorageError(error: unknown): boolean {
  const code = sqliteCode(error);
  if (code !== null) return STORAGE_CODES.has(code);
  return FS_CODES.has(String((error as NodeJS.ErrnoException)?.code));
}

export function isDamagedFileError(error: unknown): boolean {
  return CORRUPT_CODES.has(sqliteCode(error) ?? -1);
}

/** The disk refuses the file (full, read-only, damaged): writes park until it takes them again. */
export function diskRefused(error: unknown): boolean {
  return isStorageError(error) || isDamagedFileError(error);
}

/** SQLite says only "cannot open" or "I/O error" for a read-only or full disk: ask the folder. */
function folderTrouble(dir: string): 'read-only' | 'full' | null {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    if (['EROFS', 'EACCES', 'EPERM'].includes(String((error as NodeJS.ErrnoException).code))) return 'read-only';
  }
  try {
    const disk = fs.statfsSync(dir);
    if (disk.bavail * disk.bsize < FULL_BELOW_BYTES) return 'full';
  } catch {
    // no folder to ask
  }
  return null;
}

export function describeStorageError(error: unknown, file: string): string {
  const code = sqliteCode(error);
  const fsCode = String((error as NodeJS.ErrnoException)?.code);
  const folder = code === 14 || code === 10 || fsCode === 'EIO' ? folderTrouble(path.dirname(file)) : null;
  if (code === 13 || fsCode === 'ENOSPC' || fsCode === 'EDQUOT' || folder === 'full') return `The disk holding ${file} is full.`;
  if (code === 8 || code === 3 || fsCode === 'EROFS' || fsCode === 'EACCES' || fsCode === 'EPERM' || folder === 'read-only') {
    return `${path.dirname(file)} is read-only or not writable by IO Worker.`;
  }
  if (code === 14) return `${file} cannot be opened (is its folder writable?).`;
  if (code !== null && CORRUPT_CODES.has(code)) return `${file} is damaged (${(error as Error).message}).`;
  return `Writing ${file} failed (${(error as Error)?.message ?? String(error)}).`;
}

/** Why a read of the history failed, in words for the dashboard; null for an error that is a bug. */
export function describeReadError(error: unknown, file: string): string | null {
  if (isStorageError(error)) return `History cannot be read right now: ${describeStorageError(error, file).replace(/^Writing/, 'Reading')}`;
  if (isDamagedFileError(error)) return `History cannot be read: ${describeStorageError(error, file)}`;
  return null;
}
