// The device's and the owner's Ed25519 identities: each created once, its private key kept in the
// secret store, its id derived from the public key by the protocol's one rule (idFromPublicKey).
import crypto from 'node:crypto';
import type { SecretStore } from '../settings/secrets.ts';
import { idFromPublicKey } from './protocol.ts';

export interface DeviceIdentity {
  deviceId: string;
  publicKeyPem: string;
  sign(message: Buffer | string): Buffer;
}

/** The owner's account key (the "account" that owns devices); same secret store, same care. */
export interface AccountIdentity {
  id: string;
  publicKeyPem: string;
  sign(message: Buffer | string): Buffer;
}

/** The key pair stored under `name`, made on first use. */
async function loadOrCreateKey(secrets: SecretStore, name: string) {
  let privatePem = await secrets.get(name);
  if (!privatePem) {
    privatePem = crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await secrets.set(name, privatePem);
  }
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicKey = crypto.createPublicKey(privateKey);
  return {
    publicKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    sign: (message: Buffer | string) => crypto.sign(null, Buffer.from(message), privateKey),
  };
}

export async function loadOrCreateIdentity(secrets: SecretStore): Promise<DeviceIdentity> {
  const { publicKey, publicKeyPem, sign } = await loadOrCreateKey(secrets, 'device-key');
  return { deviceId: idFromPublicKey('dev', publicKey), publicKeyPem, sign };
}

export async function loadOrCreateAccount(secrets: SecretStore): Promise<AccountIdentity> {
  const { publicKey, publicKeyPem, sign } = await loadOrCreateKey(secrets, 'account-key');
  return { id: idFromPublicKey('acct', publicKey), publicKeyPem, sign };
}
