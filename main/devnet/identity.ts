// The network's own identity: a network id and the coordinator's Ed25519 key, made once and kept in
// its store. It signs everything the coordinator sends a worker; workers pin it per network id.
import crypto from 'node:crypto';
import { keyFingerprint, networkBinding, type Signer } from '../worker/protocol.ts';
import type { DevnetStore } from './store.ts';

export interface NetworkIdentity {
  networkId: string;
  publicKeyPem: string;
  fingerprint: string;
  /** What every envelope meant for this network names (networkBinding). */
  binding: string;
  signer: Signer;
}

export function loadNetworkIdentity(store: DevnetStore): NetworkIdentity {
  const read = (key: string) => store.get<{ value: string }>('SELECT value FROM network WHERE key = ?', key)?.value;
  let networkId = read('network_id');
  let privatePem = read('private_key');
  if (!networkId || !privatePem) {
    networkId = `net-${crypto.randomBytes(8).toString('hex')}`;
    privatePem = crypto.generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    store.run('INSERT OR REPLACE INTO network (key, value) VALUES (?, ?)', 'network_id', networkId);
    store.run('INSERT OR REPLACE INTO network (key, value) VALUES (?, ?)', 'private_key', privatePem);
  }
  const privateKey = crypto.createPrivateKey(privatePem);
  const publicKey = crypto.createPublicKey(privateKey);
  const id = networkId;
  return {
    networkId: id,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    fingerprint: keyFingerprint(publicKey),
    binding: networkBinding(id, publicKey),
    signer: { id, sign: (message) => crypto.sign(null, Buffer.from(message), privateKey) },
  };
}
