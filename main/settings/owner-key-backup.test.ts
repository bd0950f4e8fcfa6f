// The owner key's backup: round trip, a wrong passphrase or an edited file changes nothing, and the
// command line as a user runs it (a real process per step, real data dirs with the 0600 secrets file).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateAccount } from '../worker/identity.ts';
import { decryptOwnerKey, exportOwnerKey, importOwnerKey, OWNER_KEY_SECRET } from './owner-key-backup.ts';
import { memoryStore, openSecretStore } from './secrets.ts';

const FAST = { N: 2 ** 10, r: 8, p: 1 }; // the file names its cost; tests need not pay the default's 0.3 s each
const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'io-worker.mjs');
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'owner-key-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('owner key backup', () => {
  it('restores the same account, and a wrong passphrase or an edited file imports nothing', async () => {
    const source = memoryStore('a');
    const owner = await loadOrCreateAccount(source);
    const { text, account } = await exportOwnerKey(source, 'correct horse battery', FAST);
    expect(account).toBe(owner.id);
    expect(text).not.toContain('PRIVATE KEY');

    const target = memoryStore('b');
    await expect(importOwnerKey(target, text, 'wrong passphrase')).rejects.toThrow(/Wrong passphrase.*nothing was imported/);
    expect(await target.get(OWNER_KEY_SECRET)).toBeNull();
    const edited = JSON.stringify({ ...JSON.parse(text), account: 'acct-0000000000000000' });
    expect(() => decryptOwnerKey(edited, 'correct horse battery')).toThrow(/nothing was imported/);
    expect(() => decryptOwnerKey('{"format":"x"}', 'p')).toThrow(/not an IO Worker owner key backup/);

    expect(await importOwnerKey(target, text, 'correct horse battery')).toEqual({ account, previous: null });
    expect((await loadOrCreateAccount(target)).id).toBe(owner.id);
    // Another owner key already there is kept unless asked to replace it.
    const other = memoryStore('c');
    await loadOrCreateAccount(other);
    await expect(importOwnerKey(other, text, 'correct horse battery')).rejects.toThrow(/already holds the owner key of acct-.*Nothing was imported/);
    expect((await loadOrCreateAccount(other)).id).not.toBe(owner.id);
    await importOwnerKey(other, text, 'correct horse battery', { replace: true });
    expect((await loadOrCreateAccount(other)).id).toBe(owner.id);
    await expect(exportOwnerKey(memoryStore('empty'), 'long enough')).rejects.toThrow(/no owner key yet/);
    await expect(exportOwnerKey(source, 'short')).rejects.toThrow(/too short/);
  });

  it('io-worker account export and import move the owner between data dirs', async () => {
    const from = tmp();
    const to = tmp();
    const owner = await loadOrCreateAccount(await openSecretStore({ service: 'io-worker', dataDir: from, allowPlaintextFile: true, preferFile: true, keytar: null }));
    const backup = path.join(tmp(), 'owner.key.json');
    const run = (args: string[], passphrase?: string) =>
      spawnSync(process.execPath, [BIN, 'account', ...args, '--secrets-file'], {
        encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...(passphrase === undefined ? {} : { IO_WORKER_PASSPHRASE: passphrase }) },
      });

    const noPassphrase = run(['export', '--out', backup, '--data-dir', from]);
    expect(noPassphrase.status).toBe(2);
    expect(noPassphrase.stderr).toContain('set IO_WORKER_PASSPHRASE');
    const exported = run(['export', '--out', backup, '--data-dir', from], 'a long passphrase');
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(owner.id);
    expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
    expect(run(['export', '--out', backup, '--data-dir', from], 'a long passphrase').stderr).toContain('already exists');

    const wrong = run(['import', backup, '--data-dir', to], 'not the passphrase');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('Wrong passphrase');
    expect(fs.existsSync(path.join(to, 'secrets.json'))).toBe(false);
    const imported = run(['import', backup, '--data-dir', to], 'a long passphrase');
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`owner key of ${owner.id} is restored`);
    const restored = await openSecretStore({ service: 'io-worker', dataDir: to, allowPlaintextFile: true, preferFile: true, keytar: null });
    expect((await loadOrCreateAccount(restored)).id).toBe(owner.id);

    const bad = run(['frobnicate', '--data-dir', to], 'x');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Unknown account action: frobnicate');
  });
});
