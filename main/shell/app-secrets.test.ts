import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestChannels } from '../../preload/contract/index.ts';
import { validArgs } from '../../test/contract-cases.ts';
import { createCore } from '../core.ts';
import { SettingsStore, memoryBackend } from '../settings/store.ts';
import { keychainAccount } from '../settings/secrets.ts';
import { openAppSecrets } from './app-secrets.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-secrets-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeKeytar(broken?: string) {
  const values = new Map<string, string>();
  return {
    values,
    getPassword: async (service: string, account: string) => {
      if (broken) throw new Error(broken);
      return values.get(`${service}/${account}`) ?? null;
    },
    setPassword: async (service: string, account: string, password: string) => {
      if (broken) throw new Error(broken);
      values.set(`${service}/${account}`, password);
    },
    deletePassword: async (service: string, account: string) => values.delete(`${service}/${account}`),
  };
}

/** A stand-in for safeStorage's async API that really transforms the bytes (XOR + marker), so plaintext never shows. */
const fakeSafeStorage = (available = true, backend = 'gnome_libsecret') => {
  const calls: string[] = [];
  return {
    calls,
    isAsyncEncryptionAvailable: async () => (calls.push('isAsyncEncryptionAvailable'), available),
    encryptStringAsync: async (plain: string) => (calls.push('encryptStringAsync'), Buffer.concat([Buffer.from('enc:'), Buffer.from(plain).map((b) => b ^ 0x5a)])),
    decryptStringAsync: async (data: Buffer) => {
      calls.push('decryptStringAsync');
      if (!data.subarray(0, 4).equals(Buffer.from('enc:'))) throw new Error('not ours');
      return { result: Buffer.from(data.subarray(4).map((b) => b ^ 0x5a)).toString(), shouldReEncrypt: false };
    },
    getSelectedStorageBackend: () => backend,
    // The deprecated synchronous calls: the app must never use them (gone in Electron 46).
    isEncryptionAvailable: () => { throw new Error('sync safeStorage API used'); },
    encryptString: () => { throw new Error('sync safeStorage API used'); },
    decryptString: () => { throw new Error('sync safeStorage API used'); },
  };
};
const decryptFile = async (file: string) => (await fakeSafeStorage().decryptStringAsync(Buffer.from(fs.readFileSync(file, 'utf8'), 'base64'))).result;

describe('app secrets', () => {
  it('use the OS keychain through keytar when it answers', async () => {
    const keytar = fakeKeytar();
    const store = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(), keytar });
    expect(store.backend).toBe('keytar');
    await store.set('device-key', 'SECRET-KEY');
    expect(keytar.values.get(`io-worker/${keychainAccount('device-key', dir)}`)).toBe('SECRET-KEY');
    expect(fs.readdirSync(dir)).toEqual(['secrets-backend.json']); // which backend holds the keys, nothing secret
  });

  it('fall back to safeStorage when the keyring does not answer, encrypted on disk', async () => {
    const store = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(), keytar: fakeKeytar('Cannot autolaunch D-Bus without X11 $DISPLAY') });
    expect(store.backend).toBe('safe-storage');
    expect(store.reason).toMatch(/D-Bus/);
    await store.set('device-key', 'SECRET-KEY');
    const onDisk = fs.readFileSync(path.join(dir, 'secrets.enc'), 'utf8');
    expect(onDisk).not.toContain('SECRET-KEY');
    expect(fs.statSync(path.join(dir, 'secrets.enc')).mode & 0o777).toBe(0o600);
    const reopened = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(), keytar: null });
    expect(await reopened.get('device-key')).toBe('SECRET-KEY');
  });

  it('fall back to safeStorage when keytar is not installed', async () => {
    const store = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(), keytar: null });
    expect(store.backend).toBe('safe-storage');
    expect(store.reason).toMatch(/not installed/);
  });

  it('never write a plaintext file in the app: memory, said out loud, when nothing encrypts', async () => {
    const store = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(false), keytar: null });
    expect(store.backend).toBe('memory');
    expect(store.reason).toMatch(/memory only/);
    await store.set('device-key', 'SECRET-KEY');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('use only the asynchronous safeStorage API, and say on Linux when the backend is basic_text', async () => {
    const safe = fakeSafeStorage(true, 'basic_text');
    const store = await openAppSecrets({ dataDir: dir, safeStorage: safe, keytar: null, platform: 'linux' });
    expect(store.backend).toBe('safe-storage');
    expect(store.reason).toMatch(/basic_text/);
    expect(store.reason).toMatch(/start a keyring/);
    await store.set('device-key', 'SECRET-KEY');
    expect(await store.get('device-key')).toBe('SECRET-KEY');
    expect(await decryptFile(path.join(dir, 'secrets.enc'))).toContain('SECRET-KEY');
    expect(new Set(safe.calls)).toEqual(new Set(['isAsyncEncryptionAvailable', 'encryptStringAsync', 'decryptStringAsync']));
    // Elsewhere the password store is not Linux's to name.
    const mac = await openAppSecrets({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-secrets-')), safeStorage: fakeSafeStorage(true, 'basic_text'), keytar: null, platform: 'darwin' });
    expect(mac.reason).not.toMatch(/basic_text/);
  });

  it('keep using safeStorage once it holds the keys, even when the keychain answers later', async () => {
    const first = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(), keytar: fakeKeytar('Cannot autolaunch D-Bus') });
    await first.set('device-key', 'SECRET-KEY');
    const later = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(), keytar: fakeKeytar() });
    expect(later.backend).toBe('safe-storage');
    expect(await later.get('device-key')).toBe('SECRET-KEY');
    // and when safeStorage cannot decrypt now, it is reported, never a new device
    await expect(openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(false), keytar: fakeKeytar() })).rejects.toThrow(/not available now/);
  });

  it('re-encrypt when safeStorage says its key was rotated', async () => {
    const safe = fakeSafeStorage();
    const store = await openAppSecrets({ dataDir: dir, safeStorage: safe, keytar: null });
    await store.set('device-key', 'SECRET-KEY');
    const before = fs.statSync(path.join(dir, 'secrets.enc')).mtimeMs;
    const rotated = { ...safe, decryptStringAsync: async (data: Buffer) => ({ ...(await safe.decryptStringAsync(data)), shouldReEncrypt: true }) };
    const again = await openAppSecrets({ dataDir: dir, safeStorage: rotated, keytar: null });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await again.get('device-key')).toBe('SECRET-KEY');
    expect(safe.calls.filter((c) => c === 'encryptStringAsync').length).toBe(2);
    expect(fs.statSync(path.join(dir, 'secrets.enc')).mtimeMs).toBeGreaterThanOrEqual(before);
  });

  it('name the backend to the renderer, never a secret', async () => {
    const secrets = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(), keytar: null });
    const core = await createCore({
      dataDir: dir,
      network: null,
      runtime: 'electron',
      settings: new SettingsStore(memoryBackend()),
      secrets,
      inventory: async () => {
        throw new Error('not needed');
      },
      log: () => {},
    });
    const stored = JSON.parse(secrets.backend === 'safe-storage' ? await decryptFile(path.join(dir, 'secrets.enc')) : '{}');
    const secretValues = Object.values(stored) as string[];
    expect(secretValues.length).toBeGreaterThan(0);
    const status = await core.dispatch('system.status', {});
    expect(status).toMatchObject({ ok: true, result: { secretsBackend: 'safe-storage' } });
    for (const channel of requestChannels) {
      const reply = JSON.stringify(await core.dispatch(channel, validArgs[channel]));
      for (const secret of secretValues) expect(reply, channel).not.toContain(secret);
    }
    await core.stop();
  });
});
