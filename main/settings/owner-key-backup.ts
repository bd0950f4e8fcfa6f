// The owner (account) key's backup: one JSON file, the key encrypted with AES-256-GCM under a key
// scrypt derives from the owner's passphrase (node:crypto only). Restoring it on a new machine or a new
// data dir makes that worker the same account; a wrong passphrase changes nothing.
import crypto from 'node:crypto';
import { idFromPublicKey } from '../worker/protocol.ts';
import type { SecretStore } from './secrets.ts';

/** Where identity.ts keeps the owner key in the secret store. */
export const OWNER_KEY_SECRET = 'account-key';
const FORMAT = 'io-worker-owner-key';
/** scrypt's cost: 2^17 × 8 × 128 B = 128 MiB and about 0.3 s, as OWASP suggests for scrypt. */
const SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
const MAX_MEM = 256 * 1024 * 1024;
export const MIN_PASSPHRASE = 8;

export class OwnerKeyBackupError extends Error {}

interface BackupFile {
  format: typeof FORMAT;
  version: 1;
  account: string;
  createdAt: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  data: string;
}

function deriveKey(passphrase: string, salt: Buffer, kdf: { N: number; r: number; p: number }): Buffer {
  return crypto.scryptSync(passphrase.normalize('NFC'), salt, 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: MAX_MEM });
}

function accountOf(privatePem: string): string {
  return idFromPublicKey('acct', crypto.createPublicKey(crypto.createPrivateKey(privatePem)));
}

/** The backup's text for the owner key in `secrets`; there must be one (the worker makes it at first start). */
export async function exportOwnerKey(secrets: SecretStore, passphrase: string, scrypt: { N: number; r: number; p: number } = SCRYPT): Promise<{ text: string; account: string }> {
  if (passphrase.length < MIN_PASSPHRASE) throw new OwnerKeyBackupError(`The passphrase is too short: use at least ${MIN_PASSPHRASE} characters.`);
  const privatePem = await secrets.get(OWNER_KEY_SECRET);
  if (!privatePem) throw new OwnerKeyBackupError('This data dir holds no owner key yet: start the worker once (io-worker serve), then back it up.');
  const account = accountOf(privatePem);
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', deriveKey(passphrase, salt, scrypt), iv);
  // The header travels in the clear and is authenticated: a file edited to name another account fails.
  cipher.setAAD(Buffer.from(`${FORMAT}:1:${account}`));
  const data = Buffer.concat([cipher.update(privatePem, 'utf8'), cipher.final()]);
  const file: BackupFile = {
    format: FORMAT, version: 1, account, createdAt: new Date().toISOString(),
    kdf: { name: 'scrypt', ...scrypt, salt: salt.toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
    data: data.toString('base64'),
  };
  return { text: `${JSON.stringify(file, null, 2)}\n`, account };
}

/** The owner key's PEM in a backup, or an error in words; never a partial result. */
export function decryptOwnerKey(text: string, passphrase: string): { privatePem: string; account: string } {
  let file: BackupFile;
  try {
    file = JSON.parse(text) as BackupFile;
  } catch {
    throw new OwnerKeyBackupError('This is not an IO Worker owner key backup (it is not JSON).');
  }
  if (file?.format !== FORMAT || file.version !== 1 || file.kdf?.name !== 'scrypt' || file.cipher?.name !== 'aes-256-gcm') {
    throw new OwnerKeyBackupError('This is not an IO Worker owner key backup (or one from a newer version).');
  }
  const { N, r, p } = file.kdf;
  if (![N, r, p].every(Number.isInteger) || N < 2 ** 10 || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) throw new OwnerKeyBackupError('The backup names scrypt settings outside what IO Worker accepts.');
  let privatePem: string;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', deriveKey(passphrase, Buffer.from(file.kdf.salt, 'base64'), { N, r, p }), Buffer.from(file.cipher.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${FORMAT}:1:${file.account}`));
    decipher.setAuthTag(Buffer.from(file.cipher.tag, 'base64'));
    privatePem = Buffer.concat([decipher.update(Buffer.from(file.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new OwnerKeyBackupError('Wrong passphrase, or the backup file was changed: nothing was imported.');
  }
  const account = accountOf(privatePem);
  if (account !== file.account) throw new OwnerKeyBackupError('The backup\'s key is not the account it names: nothing was imported.');
  return { privatePem, account };
}

/**
 * Restores the owner key into `secrets`. A data dir that already holds another owner key keeps it
 * unless `replace` (its device then belongs to an account the network does not know it by).
 */
export async function importOwnerKey(secrets: SecretStore, text: string, passphrase: string, options: { replace?: boolean } = {}): Promise<{ account: string; previous: string | null }> {
  const { privatePem, account } = decryptOwnerKey(text, passphrase);
  const existing = await secrets.get(OWNER_KEY_SECRET);
  const previous = existing ? accountOf(existing) : null;
  if (previous && previous !== account && !options.replace) {
    throw new OwnerKeyBackupError(`This data dir already holds the owner key of ${previous}; the backup is ${account}. Nothing was imported (use a new data dir, or --replace to take the backup's account here).`);
  }
  if (previous !== account) await secrets.set(OWNER_KEY_SECRET, privatePem);
  return { account, previous };
}
