// The file backends of the secret store: one JSON map per file, replaced atomically with mode
// 0600, plaintext headless (as ssh keeps its keys) or encrypted by Electron's safeStorage in the app.
import fs from 'node:fs';
import path from 'node:path';
import { assertPrivateFile, writePrivateFile } from '../lib/private-file.ts';
import { isProcessRunning } from '../lib/data-dir-lock.ts';
import type { SecretStore, SecretsBackendName } from './secrets.ts';

// A disk that refuses the file (read-only, full) must not stop the worker: what it refused stays in memory.
const REFUSED_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO']);

export interface FileCodec {
  encode(plain: string): Promise<string>;
  /** The plain text, and whether it should be written again (safeStorage rotated its key). */
  decode(stored: string): Promise<{ plain: string; rewrite: boolean }>;
}

export const plainCodec: FileCodec = {
  encode: async (plain) => plain,
  decode: async (stored) => ({ plain: stored, rewrite: false }),
};

export function jsonFileStore(file: string, backend: SecretsBackendName, reason: string, codec: FileCodec): SecretStore {
  removeLeftoverSecretTemps(file);
  // Checked before the first read, so a file others could read is never trusted (or used) quietly.
  assertPrivateFile(file, 'The secrets file');
  let unsaved: Record<string, string | null> | null = null; // what the disk refused, over what it holds
  let refusedBecause = '';
  const readAll = async (): Promise<Record<string, string>> => {
    let all: Record<string, string> = {};
    try {
      const { plain, rewrite } = await codec.decode(fs.readFileSync(file, 'utf8'));
      const parsed = JSON.parse(plain) as unknown;
      all = parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
      if (rewrite) await writeAll(all, null, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`The secrets file ${file} cannot be read: ${(error as Error).message}`, { cause: error });
      }
    }
    if (!unsaved) return all;
    const merged: Record<string, string> = { ...all };
    for (const [key, value] of Object.entries(unsaved)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return merged;
  };
  const writeAll = async (all: Record<string, string>, key: string | null, value: string | null) => {
    const text = await codec.encode(JSON.stringify(all));
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      // Atomic and 0600; a full disk leaves no half file beside the real one.
      writePrivateFile(file, text);
      unsaved = null;
      refusedBecause = '';
    } catch (error) {
      const code = String((error as NodeJS.ErrnoException).code);
      if (!REFUSED_CODES.has(code) || key === null) throw error;
      unsaved = { ...unsaved, [key]: value };
      refusedBecause = ` ${file} cannot be written (${code}), so secrets set in this run (the device key on a first start) are kept in memory until IO Worker stops.`;
    }
  };
  return {
    backend,
    get reason() {
      return refusedBecause ? `${reason.replace(/\.?$/, '.')}${refusedBecause}` : reason;
    },
    get: async (key) => (await readAll())[key] ?? null,
    set: async (key, value) => writeAll({ ...(await readAll()), [key]: value }, key, value),
    delete: async (key) => {
      const { [key]: _gone, ...rest } = await readAll();
      await writeAll(rest, key, null);
    },
  };
}

/** `<file>.<pid>.tmp` of a process killed mid-write: never read, and it may hold a secret. */
function removeLeftoverSecretTemps(file: string): void {
  const leftover = new RegExp(`^${path.basename(file).replace('.', '\\.')}\\.(\\d+)\\.tmp$`);
  try {
    for (const name of fs.readdirSync(path.dirname(file))) {
      const pid = Number(leftover.exec(name)?.[1]);
      if (!pid || (pid !== process.pid && isProcessRunning(pid))) continue; // another worker may be writing it now
      fs.rmSync(path.join(path.dirname(file), name), { force: true });
    }
  } catch {
    // no folder yet, or a read-only one: nothing to remove, or nothing that can be
  }
}
