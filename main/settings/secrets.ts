// Secrets (the device key, tokens) never touch disk in plaintext and never reach the renderer.
// Order: the OS keychain through keytar; else the app's Electron safeStorage (injected by the
// shell); else, headless, a 0600 file only when the user opted in; else memory, said out loud.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export type SecretsBackendName = 'keytar' | 'safe-storage' | 'file' | 'memory';

export interface SecretStore {
  readonly backend: SecretsBackendName;
  /** Why this backend was chosen, in words a person can act on. */
  readonly reason: string;
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** Electron's safeStorage, handed in by main/shell (only it may import electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface OpenSecretsOptions {
  service: string;
  dataDir: string;
  safeStorage?: SafeStorageLike;
  /** Headless opt-in to a 0600 file when no keychain answers. */
  allowPlaintextFile?: boolean;
  /** Tests inject a keytar (or null for "not installed"). */
  keytar?: Keytar | null;
}

export function loadKeytar(): Keytar | null {
  try {
    return createRequire(import.meta.url)('keytar') as Keytar;
  } catch {
    return null; // native module not built for this platform
  }
}

/**
 * Writes and removes a probe entry once: a missing D-Bus session throws on the read, a locked
 * keyring only on the write, and either must pick the fallback here, not crash the worker later.
 */
async function keytarWorks(keytar: Keytar, service: string): Promise<string | null> {
  try {
    await keytar.setPassword(service, '__probe__', 'ok');
    await keytar.deletePassword(service, '__probe__');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export async function openSecretStore(options: OpenSecretsOptions): Promise<SecretStore> {
  const keytar = options.keytar === undefined ? loadKeytar() : options.keytar;
  let keytarProblem = 'keytar is not installed for this platform';
  if (keytar) {
    const problem = await keytarWorks(keytar, options.service);
    if (!problem) return keytarStore(keytar, options.service, options.dataDir);
    keytarProblem = `the OS keychain did not answer (${problem})`;
  }
  if (options.safeStorage?.isEncryptionAvailable()) {
    return encryptedFileStore(options.dataDir, options.safeStorage, `Electron safeStorage, because ${keytarProblem}`);
  }
  if (options.allowPlaintextFile) {
    return plaintextFileStore(options.dataDir, `a 0600 file you opted into, because ${keytarProblem}`);
  }
  return memoryStore(
    `memory only, because ${keytarProblem}: the device identity changes at every restart. ` +
      'Start a keyring, or run headless with --secrets-file to keep secrets in a 0600 file.',
  );
}

/**
 * The keychain is per user, the worker per data dir: two workers on one machine (two data dirs)
 * must not share a device key, so each key's account name carries its data dir's fingerprint.
 */
export function keychainAccount(key: string, dataDir: string): string {
  return `${key}@${crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

function keytarStore(keytar: Keytar, service: string, dataDir: string): SecretStore {
  const account = (key: string) => keychainAccount(key, dataDir);
  return {
    backend: 'keytar',
    reason: 'the OS keychain (keytar)',
    get: (key) => keytar.getPassword(service, account(key)),
    set: (key, value) => keytar.setPassword(service, account(key), value),
    delete: async (key) => {
      await keytar.deletePassword(service, account(key));
    },
  };
}

export function memoryStore(reason: string): SecretStore {
  const values = new Map<string, string>();
  return {
    backend: 'memory',
    reason,
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => void values.set(key, value),
    delete: async (key) => void values.delete(key),
  };
}

// A disk that refuses the file (read-only, full) must not stop the worker: what it refused stays in memory.
const REFUSED_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO']);

/** A JSON map in one file, replaced atomically (write temp, fsync, rename) with mode 0600. */
function jsonFileStore(
  file: string,
  backend: SecretsBackendName,
  reason: string,
  encode: (plain: string) => string,
  decode: (stored: string) => string,
): SecretStore {
  removeLeftoverSecretTemps(file);
  let unsaved: Record<string, string | null> | null = null; // what the disk refused, over what it holds
  let refusedBecause = '';
  const readAll = (): Record<string, string> => {
    let all: Record<string, string> = {};
    try {
      const parsed = JSON.parse(decode(fs.readFileSync(file, 'utf8'))) as unknown;
      all = parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
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
  const writeAll = (all: Record<string, string>, key: string, value: string | null) => {
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const fd = fs.openSync(tmp, 'w', 0o600);
      try {
        fs.writeSync(fd, encode(JSON.stringify(all)));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, file);
      unsaved = null;
      refusedBecause = '';
    } catch (error) {
      fs.rmSync(tmp, { force: true }); // a full disk must not keep half a secrets file beside the real one
      const code = String((error as NodeJS.ErrnoException).code);
      if (!REFUSED_CODES.has(code)) throw error;
      unsaved = { ...unsaved, [key]: value };
      refusedBecause = ` ${file} cannot be written (${code}), so secrets set in this run (the device key on a first start) are kept in memory until IO Worker stops.`;
    }
  };
  return {
    backend,
    get reason() {
      return refusedBecause ? `${reason.replace(/\.?$/, '.')}${refusedBecause}` : reason;
    },
    get: async (key) => readAll()[key] ?? null,
    set: async (key, value) => writeAll({ ...readAll(), [key]: value }, key, value),
    delete: async (key) => {
      const { [key]: _gone, ...rest } = readAll();
      writeAll(rest, key, null);
    },
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `<file>.<pid>.tmp` of a process killed mid-write: never read, and it may hold a secret. */
function removeLeftoverSecretTemps(file: string): void {
  const leftover = new RegExp(`^${path.basename(file).replace('.', '\\.')}\\.(\\d+)\\.tmp$`);
  try {
    for (const name of fs.readdirSync(path.dirname(file))) {
      const pid = Number(leftover.exec(name)?.[1]);
      if (!pid || (pid !== process.pid && isRunning(pid))) continue; // another worker may be writing it now
      fs.rmSync(path.join(path.dirname(file), name), { force: true });
    }
  } catch {
    // no folder yet, or a read-only one: nothing to remove, or nothing that can be
  }
}

function plaintextFileStore(dataDir: string, reason: string): SecretStore {
  const identity = (s: string) => s;
  return jsonFileStore(path.join(dataDir, 'secrets.json'), 'file', reason, identity, identity);
}

function encryptedFileStore(dataDir: string, safe: SafeStorageLike, reason: string): SecretStore {
  return jsonFileStore(
    path.join(dataDir, 'secrets.enc'),
    'safe-storage',
    reason,
    (plain) => safe.encryptString(plain).toString('base64'),
    (stored) => safe.decryptString(Buffer.from(stored, 'base64')),
  );
}
