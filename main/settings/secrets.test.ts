// Secret backends: the real OS keychain through keytar where a Secret Service answers (CI starts
// gnome-keyring under dbus-run-session, and there this test must not skip), then the fallbacks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../worker/identity.ts';
import { keychainAccount, loadKeytar, openSecretStore, type SafeStorageLike } from './secrets.ts';

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
    const safe: SafeStorageLike = {
      isEncryptionAvailable: () => true,
      encryptString: (s) => Buffer.from([...Buffer.from(s)].map((b) => b ^ 0x5a)),
      decryptString: (b) => Buffer.from([...b].map((x) => x ^ 0x5a)).toString(),
    };
    const store = await openSecretStore({ service: 's', dataDir: dir, keytar: brokenKeytar, safeStorage: safe });
    expect(store.backend).toBe('safe-storage');
    expect(store.reason).toContain('D-Bus');
    await store.set('token', 'hunter2');
    expect(fs.readFileSync(path.join(dir, 'secrets.enc'), 'utf8')).not.toContain('hunter2');
    expect(await store.get('token')).toBe('hunter2');
  });

  it('falls back when the keychain reads but refuses writes (a locked keyring)', async () => {
    const locked = { ...brokenKeytar, getPassword: async () => null, setPassword: async () => Promise.reject(new Error('Cannot create an item in a locked collection')) };
    const store = await openSecretStore({ service: 's', dataDir: tempDir(), keytar: locked });
    expect(store.backend).toBe('memory');
    expect(store.reason).toContain('locked collection');
  });

  it('uses a 0600 file only when opted in, else memory, and says so', async () => {
    const dir = tempDir();
    const memory = await openSecretStore({ service: 's', dataDir: dir, keytar: null });
    expect(memory.backend).toBe('memory');
    expect(memory.reason).toMatch(/--secrets-file/);
    const file = await openSecretStore({ service: 's', dataDir: dir, keytar: null, allowPlaintextFile: true });
    expect(file.backend).toBe('file');
    const identity = await loadOrCreateIdentity(file);
    const stat = fs.statSync(path.join(dir, 'secrets.json'));
    expect(stat.mode & 0o777).toBe(0o600);
    expect((await loadOrCreateIdentity(file)).deviceId).toBe(identity.deviceId);
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
