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

/** A stand-in for safeStorage that really transforms the bytes (XOR + marker), so plaintext never shows. */
const fakeSafeStorage = (available = true) => ({
  isEncryptionAvailable: () => available,
  encryptString: (plain: string) => Buffer.concat([Buffer.from('enc:'), Buffer.from(plain).map((b) => b ^ 0x5a)]),
  decryptString: (data: Buffer) => {
    if (!data.subarray(0, 4).equals(Buffer.from('enc:'))) throw new Error('not ours');
    return Buffer.from(data.subarray(4).map((b) => b ^ 0x5a)).toString();
  },
});

describe('app secrets', () => {
  it('use the OS keychain through keytar when it answers', async () => {
    const keytar = fakeKeytar();
    const store = await openAppSecrets({ dataDir: dir, safeStorage: fakeSafeStorage(), keytar });
    expect(store.backend).toBe('keytar');
    await store.set('device-key', 'SECRET-KEY');
    expect(keytar.values.get(`io-worker/${keychainAccount('device-key', dir)}`)).toBe('SECRET-KEY');
    expect(fs.readdirSync(dir)).toEqual([]);
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
    const stored = JSON.parse(secrets.backend === 'safe-storage' ? fakeSafeStorage().decryptString(Buffer.from(fs.readFileSync(path.join(dir, 'secrets.enc'), 'utf8'), 'base64')) : '{}');
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
