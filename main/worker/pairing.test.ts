// Two worker cores with separate data dirs (keys in each dir's 0600 file) paired into one account
// through a real coordinator on loopback: codes, the owner's machine away while the other redeems,
// both in each other's device list, a rename across machines, restarts, and a delete that revokes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCore } from '../../test/core-fixture.ts';
import type { Core } from '../core.ts';
import { Coordinator } from '../devnet/coordinator.ts';
import { resolveParams } from '../devnet/params.ts';
import { openSecretStore } from '../settings/secrets.ts';
import { pairCodeProblem } from '../headless/serve-pairing.ts';
import { normalizeCode } from './pairing.ts';

let coordinator: Coordinator;
let root: string;
const running = new Set<Core>();

async function startMachine(name: 'a' | 'b'): Promise<Core> {
  const dataDir = path.join(root, name);
  fs.mkdirSync(dataDir, { recursive: true });
  const secrets = await openSecretStore({ service: 'io-worker-pairing-test', dataDir, allowPlaintextFile: true, preferFile: true, keytar: null });
  const core = await testCore({ dataDir, network: coordinator.url, secrets });
  running.add(core);
  await core.start();
  await core.worker()!.waitFor((s) => s.connection === 'online', 10_000);
  return core;
}
async function stop(core: Core) {
  running.delete(core);
  await core.stop();
}

/** This machine's account's devices, as Home's "Your devices" picks them from the network's list. */
async function yourDevices(core: Core) {
  const { devices } = await core.handlers['network.devices']({});
  const own = devices.find((d) => d.id === core.identity.deviceId);
  return devices.filter((d) => own && d.account === own.account);
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'pair-machines-'));
  coordinator = await Coordinator.start({ dataDir: path.join(root, 'coordinator'), params: resolveParams({ blockSeconds: 60 }), log: () => {} });
});
afterAll(async () => {
  for (const core of running) await core.stop();
  await coordinator?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('codes as people type them', () => {
  it('ignores case, spaces and dashes, reads O as 0 and I or L as 1, and refuses anything else', () => {
    expect(normalizeCode('7k3m-q9tx')).toBe('7K3MQ9TX');
    expect(normalizeCode(' 7K3M Q9TX ')).toBe('7K3MQ9TX');
    expect(normalizeCode('OIL0-0000')).toBe('0110' + '0000');
    expect(normalizeCode('7K3M-Q9T')).toBeNull();
    expect(normalizeCode('7K3M-Q9TU')).toBeNull(); // U is not in the alphabet
    // serve --pair says so before anything starts.
    expect(pairCodeProblem('7k3m q9tx')).toBeNull();
    expect(pairCodeProblem('hello')).toMatch(/^--pair: "hello" is not a pairing code; it is 8 letters and digits/);
  });
});

describe('two machines, one account', () => {
  it('pairs, lists both on each, renames across, keeps everything across restarts, and revokes on delete', { timeout: 90_000 }, async () => {
    let a = await startMachine('a');
    let b = await startMachine('b');
    const idA = a.identity.deviceId;
    const idB = b.identity.deviceId;
    expect((await yourDevices(a)).map((d) => d.id)).toEqual([idA]); // each its own account so far

    const made = await a.handlers['pairing.code']({});
    expect(made).toMatchObject({ network: coordinator.url, loopback: true });
    expect(made.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect((await a.handlers['pairing.status']({})).codes).toEqual([{ code: made.code, expiresAt: made.expiresAt, state: 'open', machine: null }]);

    // The owner's machine is away when B redeems: B waits, and says so.
    await stop(a);
    const typed = `${made.code.slice(0, 4).toLowerCase()}-${made.code.slice(4)}`;
    const joining = (await b.handlers['pairing.join']({ code: typed })).joining!;
    expect(joining).toMatchObject({ code: made.code, state: 'waiting' });
    expect(joining.detail).toMatch(/^Waiting for the owner's machine to confirm/);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await b.handlers['pairing.status']({})).joining!.state).toBe('waiting');

    // Back, A confirms the code it made (kept in its data dir across the restart).
    a = await startMachine('a');
    expect(a.identity.deviceId).toBe(idA);
    await until('B joined', async () => (await b.handlers['pairing.status']({})).joining?.state === 'joined');
    const accountA = (await a.handlers['pairing.status']({})).account!;
    expect((await b.handlers['pairing.status']({})).member).toMatchObject({ account: accountA });
    expect((await a.handlers['pairing.status']({})).codes[0]).toMatchObject({ state: 'joined', machine: { deviceId: idB } });
    // A wrong or used code is refused in the user's words.
    await expect(b.handlers['pairing.join']({ code: 'ZZZZ-ZZZZ' })).rejects.toThrow(/^No pairing code ZZZZ-ZZZZ on this network/);
    await expect(b.handlers['pairing.join']({ code: 'hello' })).rejects.toThrow(/is not a pairing code/);

    for (const core of [a, b]) expect((await yourDevices(core)).map((d) => d.id).sort()).toEqual([idA, idB].sort());
    await b.handlers['network.device']({ action: 'rename', deviceId: idA, name: 'renamed from b' });
    expect((await yourDevices(a)).find((d) => d.id === idA)!.name).toBe('renamed from b');

    // Restarts keep each device id and the membership.
    await stop(b);
    b = await startMachine('b');
    expect(b.identity.deviceId).toBe(idB);
    expect((await b.handlers['pairing.status']({})).member?.account).toBe(accountA);
    expect((await yourDevices(b)).map((d) => d.id).sort()).toEqual([idA, idB].sort());
    await stop(a);
    a = await startMachine('a');
    expect((await yourDevices(a)).map((d) => d.id).sort()).toEqual([idA, idB].sort());

    // Deleting B revokes it: its session ends, and what its key asks next is refused in words.
    await a.handlers['network.device']({ action: 'delete', deviceId: idB });
    await b.worker()!.waitFor((s) => s.offline?.cause === 'deleted', 5000);
    await expect(b.handlers['network.device']({ action: 'rename', deviceId: idA, name: 'x' })).rejects.toThrow(/This machine was removed from account acct-/);
    expect((await yourDevices(a)).map((d) => d.id)).toEqual([idA]);
  });
});
