// One boot for the app and `io-worker serve`: the network is chosen in one place, start-up
// problems are said, and closing stops the core before the ledger.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_INVENTORY } from '../test/core-fixture.ts';
import { NetworkChoiceError, bootWorker, chooseNetwork } from './boot.ts';
import { memoryStore } from './settings/secrets.ts';
import { memoryBackend } from './settings/store.ts';
import { VERSION } from './version.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-boot-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('choosing the network', () => {
  it("takes this run's choice over Settings, and Settings otherwise", () => {
    expect(chooseNetwork(undefined, 'embedded')).toBe('embedded');
    expect(chooseNetwork('', 'http://10.0.0.2:7430')).toBe('http://10.0.0.2:7430');
    expect(chooseNetwork('http://127.0.0.1:7430', 'embedded')).toBe('http://127.0.0.1:7430');
  });

  it('refuses anything but an http(s) URL or embedded, in words', () => {
    expect(() => chooseNetwork('ftp://x', 'embedded')).toThrow(NetworkChoiceError);
    expect(() => chooseNetwork('127.0.0.1:7430', 'embedded')).toThrow(/http\(s\):\/\/ URL or "embedded"/);
  });
});

describe('bootWorker', () => {
  it('opens settings, secrets and the ledger, builds the core on the chosen network, and closes in order', async () => {
    const warnings: string[] = [];
    const backend = memoryBackend({ schemaVersion: 1, energy: 'cheap' } as never);
    const worker = await bootWorker({
      runtime: 'headless',
      dataDir: path.join(dir, 'a'),
      settingsBackend: backend,
      openSecrets: async () => memoryStore('boot test'),
      network: 'http://127.0.0.1:1',
      probes: { inventory: async () => TEST_INVENTORY },
      warn: (m) => warnings.push(m),
      log: () => {},
    });
    expect(worker.network).toBe('http://127.0.0.1:1');
    expect(worker.core.status()).toMatchObject({ version: VERSION, runtime: 'headless' });
    expect(warnings.some((w) => /settings repaired: energy/.test(w))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'a', 'ledger.db'))).toBe(true);
    await worker.core.start();
    expect(worker.core.worker()).not.toBeNull();
    await worker.close();
    expect(worker.core.worker()).toBeNull();
  });

  it('refuses a bad network before it opens anything', async () => {
    let opened = false;
    await expect(bootWorker({
      runtime: 'headless',
      dataDir: path.join(dir, 'b'),
      settingsBackend: memoryBackend(),
      openSecrets: async () => { opened = true; return memoryStore('x'); },
      network: 'not a url',
      warn: () => {},
    })).rejects.toThrow(NetworkChoiceError);
    expect(opened).toBe(false);
    expect(fs.existsSync(path.join(dir, 'b', 'ledger.db'))).toBe(false);
  });

  it('takes the version from package.json', async () => {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
