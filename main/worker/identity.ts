// The device's Ed25519 identity: created once, private key kept in the secret store, public key
// and a short device id derived from it. Later the network session signs every message with it.
import crypto from 'node:crypto';
import type { SecretStore } from '../settings/secrets.ts';

const KEY_NAME = 'device-key';

export interface DeviceIdentity {
  deviceId: string;
  publicKeyPem: string;
  sign(message: Buffer | string): Buffer;
}

export function deviceIdFromPublicKey(publicKeyPem: string): string {
  const der = crypto.createPublicKey(publicKeyPem).export({ format: 'der', type: 'spki' });
  return `dev-${crypto.createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

export async function loadOrCreateIdentity(secrets: SecretStore): Promise<DeviceIdentity> {
  let privatePem = await secrets.get(KEY_NAME);
  if (!privatePem) {
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    privatePem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await secrets.set(KEY_NAME, privatePem);
  }
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicKeyPem = crypto.createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  return {
    deviceId: deviceIdFromPublicKey(publicKeyPem),
    publicKeyPem,
    sign: (message) => crypto.sign(null, Buffer.from(message), privateKey),
  };
}

const ACCOUNT_KEY_NAME = 'account-key';

/** The owner's account key (the "account" that owns devices); same secret store, same care. */
export interface AccountIdentity {
  id: string;
  publicKeyPem: string;
  sign(message: Buffer | string): Buffer;
}

export async function loadOrCreateAccount(secrets: SecretStore): Promise<AccountIdentity> {
  let privatePem = await secrets.get(ACCOUNT_KEY_NAME);
  if (!privatePem) {
    privatePem = crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await secrets.set(ACCOUNT_KEY_NAME, privatePem);
  }
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicKeyPem = crypto.createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  const der = crypto.createPublicKey(publicKeyPem).export({ format: 'der', type: 'spki' });
  return {
    id: `acct-${crypto.createHash('sha256').update(der).digest('hex').slice(0, 16)}`,
    publicKeyPem,
    sign: (message) => crypto.sign(null, Buffer.from(message), privateKey),
  };
}
