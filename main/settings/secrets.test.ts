// Secret backends: the real OS keychain through keytar where a Secret Service answers (CI starts
// gnome-keyring under dbus-run-session, and there this test must not skip), then the fallbacks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../worker/identity.ts';
import { keychainAccount, loadKeytar, openSecretStore, recordedBackend, type SafeStorageLike } from './secrets.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-secrets-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const brokenKeytar = {
  getPassword: async () => Promise.reject(new Error('Cannot autolaunch D-Bus')),
  setPassword: async () => Promise.reject(new Error('Cannot autolaunch D-Bus')),
  deletePassword: async () => true,
};

function fakeKeytar() {
  const values = new Map<string, string>();
  const keytar = {
    broken: null as string | null,
    getPassword: async (service: string, account: string) => values.get(`${service}/${account}`) ?? null,
    setPassword: async (service: string, account: string, password: string) => {
      if (keytar.broken) throw new Error(keytar.broken);
      values.set(`${service}/${account}`, password);
    },
    deletePassword: async (service: string, account: string) => values.delete(`${service}/${account}`),
  };
  return keytar;
}

describe('secret store', () => {
  const keyringExpected = process.env.IO_WORKER_EXPECT_KEYRING === '1';

  it.runIf(keyringExpected || process.env.DBUS_SESSION_BUS_ADDRESS)('keeps the device key in the real OS keychain (keytar)', async () => {
    const service = `io-worker-test-${process.pid}`;
    const dataDir = tempDir();
    const store = await openSecretStore({ service, dataDir });
    expect(store.backend, store.reason).toBe('keytar');
    const first = await loadOrCreateIdentity(store);
    const again = await loadOrCreateIdentity(store);
    expect(again.deviceId).toBe(first.deviceId);
    expect(await loadKeytar()!.getPassword(service, keychainAccount('device-key', dataDir))).toContain('PRIVATE KEY');
    // A second worker on the same machine (another data dir) gets a device of its own.
    const other = await openSecretStore({ service, dataDir: tempDir() });
    const second = await loadOrCreateIdentity(other);
    expect(second.deviceId).not.toBe(first.deviceId);
    await other.delete('device-key');
    await store.delete('device-key');
    expect(await store.get('device-key')).toBeNull();
  });

  it('falls back to safeStorage, encrypted at rest', async () => {
    const dir = tempDir();
    const xor = (b: Buffer) => Buffer.from([...b].map((x) => x ^ 0x5a));
    const safe: SafeStorageLike = {
      isAsyncEncryptionAvailable: async () => true,
      encryptStringAsync: async (s) => xor(Buffer.from(s)),
      decryptStringAsync: async (b) => ({ result: xor(b).toString(), shouldReEncrypt: false }),
    };
    const store = await openSecretStore({ service: 's', dataDir: dir, keytar: brokenKeytar, safeStorage: safe });
    expect(store.backend).toBe('safe-storage');
    expect(store.reason).toContain('D-Bus');
    await store.set('token', 'hunter2');
    expect(fs.readFileSync(path.join(dir, 'secrets.enc'), 'utf8')).not.toContain('hunter2');
    expect(await store.get('token')).toBe('hunter2');
  });

  it('headless with no keychain: a 0600 file in the data dir by default, and the same device at the next start', async () => {
    const dir = tempDir();
    const locked = { ...brokenKeytar, getPassword: async () => null, setPassword: async () => Promise.reject(new Error('Cannot create an item in a locked collection')) };
    const file = await openSecretStore({ service: 's', dataDir: dir, keytar: locked, allowPlaintextFile: true });
    expect(file.backend).toBe('file');
    expect(file.reason).toContain('locked collection');
    expect(file.reason).toContain(path.join(dir, 'secrets.json'));
    const identity = await loadOrCreateIdentity(file);
    expect(fs.statSync(path.join(dir, 'secrets.json')).mode & 0o777).toBe(0o600);
    expect(recordedBackend(dir)).toBe('file');
    // Next boot the keychain answers: the keys stay in the file, never a silent switch to a new device.
    const again = await openSecretStore({ service: 's', dataDir: dir, keytar: fakeKeytar(), allowPlaintextFile: true });
    expect(again.backend).toBe('file');
    expect((await loadOrCreateIdentity(again)).deviceId).toBe(identity.deviceId);
  });

  it('without a file fallback (the app with nothing to encrypt): memory, said out loud, and nothing recorded', async () => {
    const dir = tempDir();
    const memory = await openSecretStore({ service: 's', dataDir: dir, keytar: null });
    expect(memory.backend).toBe('memory');
    expect(memory.reason).toMatch(/io-worker serve/);
    expect(recordedBackend(dir)).toBeNull();
  });

  it('refuses a secrets file others can read, with the command that fixes it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'secrets.json');
    fs.writeFileSync(file, '{"device-key":"x"}', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    await expect(openSecretStore({ service: 's', dataDir: dir, keytar: null, allowPlaintextFile: true })).rejects.toThrow(`Fix it with: chmod 600 ${file}`);
    await expect(openSecretStore({ service: 's', dataDir: dir, keytar: null, allowPlaintextFile: true })).rejects.toThrow(/mode 0644/);
    fs.chmodSync(file, 0o600);
    const store = await openSecretStore({ service: 's', dataDir: dir, keytar: null, allowPlaintextFile: true });
    expect(await store.get('device-key')).toBe('x');
  });

  it('waits for a keychain that holds the keys, then reports it: never a new device', async () => {
    const dir = tempDir();
    const keytar = fakeKeytar();
    const first = await openSecretStore({ service: 's', dataDir: dir, keytar, allowPlaintextFile: true });
    expect(first.backend).toBe('keytar');
    expect(recordedBackend(dir)).toBe('keytar');
    // The keyring is locked on a later boot and unlocked while the worker waits.
    keytar.broken = 'Cannot create an item in a locked collection';
    setTimeout(() => (keytar.broken = null), 300);
    const waited = await openSecretStore({ service: 's', dataDir: dir, keytar, allowPlaintextFile: true, keychainWaitMs: 3000 });
    expect(waited.backend).toBe('keytar');
    // Locked for good: reported, and no file holds a new key.
    keytar.broken = 'Cannot create an item in a locked collection';
    const started = Date.now();
    await expect(openSecretStore({ service: 's', dataDir: dir, keytar, allowPlaintextFile: true, keychainWaitMs: 400 })).rejects.toThrow(/OS keychain.*locked collection.*Unlock the keyring/s);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(fs.existsSync(path.join(dir, 'secrets.json'))).toBe(false);
    // --secrets-file does not move keys out of the keychain either
    keytar.broken = null;
    await expect(openSecretStore({ service: 's', dataDir: dir, keytar, preferFile: true })).rejects.toThrow(/Start without --secrets-file/);
  });

  it('signs with the stored identity', async () => {
    const store = await openSecretStore({ service: 's', dataDir: tempDir(), keytar: null });
    const identity = await loadOrCreateIdentity(store);
    const crypto = await import('node:crypto');
    const signature = identity.sign('hello');
    expect(crypto.verify(null, Buffer.from('hello'), identity.publicKeyPem, signature)).toBe(true);
    expect(identity.deviceId).toMatch(/^dev-[0-9a-f]{16}$/);
  });
});
