// The settings file beside its backend: a copy kept before a repair, temp files a killed write left
// behind, and why a save was refused, in words.
import fs from 'node:fs';
import path from 'node:path';

/** A time for a file name: 2026-11-20T10-42-05Z (no colons, which Windows refuses). */
export function fileStamp(t: number): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Keeps the file as `<file>.bak-<time>` (copied, or moved when `move`); returns the new path. */
export function keepOldFile(file: string, t: number, move = false): string {
  let aside = `${file}.bak-${fileStamp(t)}`;
  for (let n = 2; fs.existsSync(aside); n++) aside = `${file}.bak-${fileStamp(t)}-${n}`;
  if (move) fs.renameSync(file, aside);
  else fs.copyFileSync(file, aside, fs.constants.COPYFILE_EXCL);
  return aside;
}

/**
 * conf and electron-store write through `atomically`: `<file>.tmp-<10 digits><6 hex>`, renamed over
 * the file. A process killed between the two leaves the temp file; nothing else ever reads it.
 */
export function removeLeftoverTempFiles(file: string): string[] {
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const leftover = new RegExp(`^${base}\\.tmp-\\d{10}[0-9a-f]{6}$`);
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => leftover.test(n))) {
    try {
      fs.unlinkSync(path.join(path.dirname(file), name));
      removed.push(name);
    } catch {
      // a read-only folder keeps it; the next start that can write removes it
    }
  }
  return removed;
}

/** Why the settings file could not be written, as one sentence. */
export function describeSaveError(error: unknown, file: string): string {
  const code = String((error as NodeJS.ErrnoException)?.code);
  if (code === 'ENOSPC' || code === 'EDQUOT') return `The disk holding ${file} is full.`;
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return `${path.dirname(file)} is read-only or not writable by IO Worker.`;
  return `Writing ${file} failed (${(error as Error)?.message ?? String(error)}).`;
}
