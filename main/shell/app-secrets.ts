// Where the app keeps secrets (device key, tokens): the OS keychain through keytar, else Electron's
// safeStorage (an encrypted file), else memory, said out loud. Never a plaintext file in the app.
// safeStorage is handed in; the renderer only ever learns the backend's name, never a secret.
import { openSecretStore, type SafeStorageLike, type SecretStore } from '../settings/secrets.ts';

export const SECRETS_SERVICE = 'io-worker';

export interface AppSecretsOptions {
  dataDir: string;
  safeStorage: SafeStorageLike;
  /** Tests inject a keytar, or null for "not installed"; the app loads the real one. */
  keytar?: Parameters<typeof openSecretStore>[0]['keytar'];
}

export function openAppSecrets(options: AppSecretsOptions): Promise<SecretStore> {
  return openSecretStore({
    service: SECRETS_SERVICE,
    dataDir: options.dataDir,
    safeStorage: options.safeStorage,
    allowPlaintextFile: false,
    ...(options.keytar === undefined ? {} : { keytar: options.keytar }),
  });
}
