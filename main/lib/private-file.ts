// Files that hold secrets (the device key, the dashboard token) must be the owner's alone, as ssh
// insists for its keys: a file others can read is refused with the command that fixes it.
import fs from 'node:fs';

export class ExposedFileError extends Error {
  readonly file: string;
  constructor(file: string, what: string, mode: number) {
    super(`${what} ${file} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}). Fix it with: chmod 600 ${file}`);
    this.file = file;
  }
}

/** Throws ExposedFileError when `file` exists and its group or others have any access (not on Windows, where modes mean nothing). */
export function assertPrivateFile(file: string, what: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return;
  let mode: number;
  try {
    mode = fs.statSync(file).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (mode & 0o077) throw new ExposedFileError(file, what, mode);
}

/** Writes `text` to `file` atomically with mode 0600 (temp file, fsync, rename). */
export function writePrivateFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
