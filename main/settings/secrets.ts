// Secrets (the device key, tokens) never reach the renderer. Order: the OS keychain through keytar;
// else the app's Electron safeStorage (injected by the shell); else, headless, a 0600 file in the
// data dir (as ssh keeps its keys); else memory, said out loud. The backend that holds the keys is
// recorded in the data dir and kept: a keychain that does not answer on a later boot is waited for,
// then reported, never a reason to make a new device.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { writePrivateFile } from '../lib/private-file.ts';
import { jsonFileStore, plainCodec, type FileCodec } from './secrets-file.ts';

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

/** Electron's safeStorage (its asynchronous API), handed in by main/shell (only it may import electron). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plain: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  /** Linux: the password store behind it; 'basic_text' keeps the key it encrypts with in plain text. */
  getSelectedStorageBackend?(): string;
}

export interface OpenSecretsOptions {
  service: string;
  dataDir: string;
  safeStorage?: SafeStorageLike;
  /** Headless: a 0600 file in the data dir when no keychain answers (the app never writes plaintext). */
  allowPlaintextFile?: boolean;
  /** Headless `--secrets-file`: the 0600 file even where a keychain answers. */
  preferFile?: boolean;
  /** How long a keychain that holds this worker's keys but does not answer is waited for (default 10 s). */
  keychainWaitMs?: number;
  /** Tests inject a keytar (or null for "not installed"). */
  keytar?: Keytar | null;
}

/** The data dir's record of which backend holds its keys. */
export const BACKEND_RECORD = 'secrets-backend.json';

/** The keys are kept somewhere that does not answer now: never a reason to make a new device. */
export class SecretsBackendUnavailableError extends Error {}

export function recordedBackend(dataDir: string): SecretsBackendName | null {
  try {
    const { backend } = JSON.parse(fs.readFileSync(path.join(dataDir, BACKEND_RECORD), 'utf8')) as { backend?: unknown };
    return backend === 'keytar' || backend === 'safe-storage' || backend === 'file' ? backend : null;
  } catch {
    return null;
  }
}

function recordBackend(dataDir: string, backend: SecretsBackendName): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writePrivateFile(path.join(dataDir, BACKEND_RECORD), `${JSON.stringify({ backend, since: Date.now() })}\n`);
  } catch {
    // a read-only data dir: the choice is made again next time, by the same rules
  }
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function openSecretStore(options: OpenSecretsOptions): Promise<SecretStore> {
  const { dataDir } = options;
  const keytar = options.keytar === undefined ? loadKeytar() : options.keytar;
  const recorded = recordedBackend(dataDir);
  if (recorded) return reopen(recorded, options, keytar);

  // Keys kept before the choice was recorded: stay where they are.
  if (fs.existsSync(path.join(dataDir, 'secrets.json')) || options.preferFile) {
    if (!options.allowPlaintextFile && !options.preferFile) throw new SecretsBackendUnavailableError(`${path.join(dataDir, 'secrets.json')} holds this worker's keys in a file, which the app does not read; run it headless (io-worker serve --data-dir ${dataDir}).`);
    return chosen(dataDir, plaintextFileStore(dataDir, options.preferFile ? 'a 0600 file in the data dir (--secrets-file)' : 'a 0600 file in the data dir, where they were kept before'));
  }
  if (fs.existsSync(path.join(dataDir, 'secrets.enc')) && options.safeStorage && (await options.safeStorage.isAsyncEncryptionAvailable())) {
    return chosen(dataDir, encryptedFileStore(dataDir, options.safeStorage, 'the keychain did not answer when this worker was set up'));
  }
  let keytarProblem = 'keytar is not installed for this platform';
  if (keytar) {
    const problem = await keytarWorks(keytar, options.service);
    if (!problem) return chosen(dataDir, keytarStore(keytar, options.service, dataDir));
    keytarProblem = `the OS keychain did not answer (${problem})`;
  }
  if (options.safeStorage && (await options.safeStorage.isAsyncEncryptionAvailable())) {
    return chosen(dataDir, encryptedFileStore(dataDir, options.safeStorage, keytarProblem));
  }
  if (options.allowPlaintextFile) {
    return chosen(dataDir, plaintextFileStore(dataDir, `a 0600 file in the data dir (${path.join(dataDir, 'secrets.json')}), as ssh keeps its keys, because ${keytarProblem}`));
  }
  return memoryStore(
    `memory only, because ${keytarProblem}: the device identity changes at every restart. ` +
      'Start a keyring, or run the worker headless (io-worker serve), which keeps its keys in a 0600 file.',
  );
}

function chosen(dataDir: string, store: SecretStore): SecretStore {
  recordBackend(dataDir, store.backend);
  return store;
}

/** Opens the recorded backend, waiting a while for a keychain that is slow or locked; never another one. */
async function reopen(recorded: SecretsBackendName, options: OpenSecretsOptions, keytar: Keytar | null): Promise<SecretStore> {
  const { dataDir } = options;
  const record = path.join(dataDir, BACKEND_RECORD);
  const cannot = (where: string, why: string, todo: string) =>
    new SecretsBackendUnavailableError(
      `This worker's device key is kept in ${where}, which ${why}. ${todo} IO Worker does not make a new device in its place ` +
        `(to start over as a new device, delete ${record}).`,
    );
  if (recorded === 'file') {
    if (!options.allowPlaintextFile && !options.preferFile) throw cannot('a 0600 file in the data dir', 'the app does not read', `Run it headless: io-worker serve --data-dir ${dataDir}.`);
    return plaintextFileStore(dataDir, `a 0600 file in the data dir (${path.join(dataDir, 'secrets.json')})`);
  }
  if (options.preferFile) throw cannot(recorded === 'keytar' ? 'the OS keychain' : 'Electron safeStorage', 'is where it stays', 'Start without --secrets-file.');
  if (recorded === 'safe-storage') {
    if (!options.safeStorage) throw cannot('Electron safeStorage (secrets.enc)', 'only the desktop app can read', 'Open it with the desktop app.');
    if (!(await options.safeStorage.isAsyncEncryptionAvailable())) throw cannot('Electron safeStorage (secrets.enc)', 'is not available now', 'Unlock or start the keyring it uses, then start IO Worker again.');
    return encryptedFileStore(dataDir, options.safeStorage, 'the keychain did not answer when this worker was set up');
  }
  if (!keytar) throw cannot('the OS keychain', 'cannot be reached: keytar is not installed for this platform', 'Reinstall IO Worker with its keytar module.');
  const waitMs = options.keychainWaitMs ?? 10_000;
  const until = Date.now() + waitMs;
  let problem = await keytarWorks(keytar, options.service);
  while (problem && Date.now() < until) {
    await sleep(Math.min(1000, Math.max(0, until - Date.now())));
    problem = await keytarWorks(keytar, options.service);
  }
  if (problem) throw cannot('the OS keychain', `did not answer for ${Math.round(waitMs / 1000)} s (${problem})`, 'Unlock the keyring (or start its daemon), then start IO Worker again.');
  return keytarStore(keytar, options.service, dataDir);
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

function plaintextFileStore(dataDir: string, reason: string): SecretStore {
  return jsonFileStore(path.join(dataDir, 'secrets.json'), 'file', reason, plainCodec);
}

function encryptedFileStore(dataDir: string, safe: SafeStorageLike, because: string): SecretStore {
  const codec: FileCodec = {
    encode: async (plain) => (await safe.encryptStringAsync(plain)).toString('base64'),
    decode: async (stored) => {
      const { result, shouldReEncrypt } = await safe.decryptStringAsync(Buffer.from(stored, 'base64'));
      return { plain: result, rewrite: shouldReEncrypt };
    },
  };
  const store = safe.getSelectedStorageBackend?.();
  const basic = store === 'basic_text'
    ? ' On this Linux desktop safeStorage uses basic_text: no keyring (GNOME Keyring, KWallet) answered, so the key that encrypts secrets.enc is not protected by one; start a keyring to protect it.'
    : '';
  return jsonFileStore(path.join(dataDir, 'secrets.enc'), 'safe-storage', `Electron safeStorage${store ? ` (${store})` : ''}, because ${because}.${basic}`, codec);
}
