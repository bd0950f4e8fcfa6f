// Where the app keeps secrets (device key, tokens): the OS keychain through keytar, else Electron's
// safeStorage (an encrypted file, through its asynchronous API: the synchronous calls are
// deprecated in Electron 45 and gone in 46), else memory, said out loud. Never a plaintext file in
// the app. safeStorage is handed in; the renderer only ever learns the backend's name, never a secret.
import { openSecretStore, type SafeStorageLike, type SecretStore } from '../settings/secrets.ts';

export const SECRETS_SERVICE = 'io-worker';

export interface AppSecretsOptions {
  dataDir: string;
  safeStorage: SafeStorageLike;
  /** Tests inject a keytar, or null for "not installed"; the app loads the real one. */
  keytar?: Parameters<typeof openSecretStore>[0]['keytar'];
  /** Only Linux names the password store behind safeStorage (and may fall back to basic_text). */
  platform?: NodeJS.Platform;
}

export function openAppSecrets(options: AppSecretsOptions): Promise<SecretStore> {
  const linux = (options.platform ?? process.platform) === 'linux';
  const safe = options.safeStorage; // Electron's object: its methods are called on it, never copied off
  const safeStorage: SafeStorageLike = {
    isAsyncEncryptionAvailable: () => safe.isAsyncEncryptionAvailable(),
    encryptStringAsync: (plain) => safe.encryptStringAsync(plain),
    decryptStringAsync: (encrypted) => safe.decryptStringAsync(encrypted),
    ...(linux && safe.getSelectedStorageBackend ? { getSelectedStorageBackend: () => safe.getSelectedStorageBackend!() } : {}),
  };
  return openSecretStore({
    service: SECRETS_SERVICE,
    dataDir: options.dataDir,
    safeStorage,
    allowPlaintextFile: false,
    ...(options.keytar === undefined ? {} : { keytar: options.keytar }),
  });
}
