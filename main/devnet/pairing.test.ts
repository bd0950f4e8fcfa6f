// Pairing at the coordinator, over real HTTP on loopback with a real SQLite store: codes (shape,
// expiry, single use, guessing), the owner's delegation (forged ones refused), revocation, restarts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { delegationText, idFromPublicKey, networkBinding, seal, type Signer } from '../worker/protocol.ts';
import { Coordinator } from './coordinator.ts';
import { CODE_ALPHABET, newCode, spaced } from './pairing.ts';
import { resolveParams } from './params.ts';

const params = resolveParams({ blockSeconds: 60 });

interface Key extends Signer { pem: string }
/** A JSON answer, read loosely: each test names the fields it checks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-side reads of arbitrary JSON
type Answer = any;
function key(prefix: 'dev' | 'acct'): Key {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return { id: idFromPublicKey(prefix, publicKey), pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), sign: (m) => crypto.sign(null, Buffer.from(m), privateKey) };
}
/** One machine as the network sees it: its device key and its own account key. */
const machine = () => ({ device: key('dev'), account: key('acct') });
type Machine = ReturnType<typeof machine>;

let dir: string;
let c: Coordinator;
let binding: string;

async function start() {
  c = await Coordinator.start({ dataDir: dir, params, log: () => {} });
  const info = (await (await fetch(`${c.url}/v1/info`)).json()) as { networkId: string; coordinatorKey: string };
  binding = networkBinding(info.networkId, info.coordinatorKey);
}

async function call(route: string, envelope: unknown): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${c.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
  return { status: res.status, body: await res.json() };
}
async function read(signer: Signer, route: string): Promise<{ status: number; body: Answer }> {
  const auth = Buffer.from(JSON.stringify(seal(signer, binding, 'read', { path: route }))).toString('base64url');
  const res = await fetch(`${c.url}${route}`, { headers: { authorization: `IoWorker ${auth}` } });
  return { status: res.status, body: await res.json() };
}
function register(m: Machine, name: string) {
  return call('/v1/devices', seal(m.device, binding, 'register', {
    publicKeyPem: m.device.pem, ownerPublicKeyPem: m.account.pem, ownerSig: m.account.sign(`own:${m.device.id}`).toString('base64'), name, wallet: null,
    inventory: { hostname: name, os: 'linux', cpu: { brand: 'cpu', threads: 4 }, memoryBytes: 8e9, gpus: [] },
  }));
}
const issue = (owner: Machine) => call('/v1/pairing/codes', seal(owner.account, binding, 'pair-code', {}));
const redeem = (m: Machine, code: string) =>
  call('/v1/pairing/redeem', seal(m.account, binding, 'pair-redeem', { code, publicKeyPem: m.account.pem, deviceId: m.device.id, name: 'machine b' }));
const confirm = (owner: Machine, joiner: Machine, code: string, signWith: Signer = owner.account) =>
  call('/v1/pairing/confirm', seal(owner.account, binding, 'pair-confirm', {
    code, memberId: joiner.account.id, memberPublicKeyPem: joiner.account.pem, deviceId: joiner.device.id,
    delegationSig: signWith.sign(delegationText(binding, owner.account.id, joiner.account.id, joiner.device.id, code)).toString('base64'),
  }));

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pairing-'));
  await start();
});
afterEach(async () => {
  await c.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('pairing codes', () => {
  it('are 8 characters of an alphabet without I, L, O or U, and do not repeat', () => {
    const codes = new Set(Array.from({ length: 2000 }, newCode));
    expect(codes.size).toBe(2000);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(spaced('7K3MQ9TX')).toBe('7K3M-Q9TX');
  });

  it('are made for the account key that signs, last 10 minutes, and are used once', async () => {
    const a = machine();
    const b = machine();
    const intruder = machine();
    await register(a, 'machine a');
    const made = await issue(a);
    expect(made.status).toBe(201);
    expect(made.body.account).toBe(a.account.id);
    expect(made.body.expiresAt - Date.now()).toBeGreaterThan(9.9 * 60_000);
    expect(made.body.expiresAt - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    const first = await redeem(b, made.body.code);
    expect(first).toMatchObject({ status: 200, body: { state: 'pending', account: a.account.id } });
    expect((await redeem(b, made.body.code)).body.state).toBe('pending'); // asking again is how B waits
    const second = await redeem(intruder, made.body.code);
    expect(second.status).toBe(409);
    expect(second.body.error).toEqual({ code: 'used-code', message: `Pairing code ${spaced(made.body.code)} was already used by another machine; make a new one on the owner's dashboard.` });
  });

  it('refuses an expired code and an unknown one in the user\'s words, and stops a guesser', async () => {
    const a = machine();
    const b = machine();
    await register(a, 'machine a');
    const made = (await issue(a)).body;
    c.store.run('UPDATE pairing_codes SET expires_at = ? WHERE code = ?', Date.now() - 1000, made.code);
    const expired = await redeem(b, made.code);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('expired-code');
    expect(expired.body.error.message).toMatch(/expired at .* \(codes last 10 minutes\); make a new one on the owner's dashboard\.$/);
    const guesses = [];
    for (let i = 0; i < 12; i++) guesses.push((await redeem(b, newCode())).body.error);
    expect(guesses[0]).toEqual({ code: 'unknown-code', message: expect.stringMatching(/^No pairing code \w{4}-\w{4} on this network: check it on the owner's dashboard/) });
    expect(guesses.slice(0, 10).every((e) => e.code === 'unknown-code')).toBe(true);
    expect(guesses.slice(10).every((e) => e.code === 'rate-limited')).toBe(true);
  });
});

describe('the owner\'s delegation', () => {
  async function paired() {
    const a = machine();
    const b = machine();
    await register(a, 'machine a');
    await register(b, 'machine b');
    const { code } = (await issue(a)).body;
    await redeem(b, code);
    return { a, b, code };
  }

  it('is needed from the owner\'s key: a forged one is refused, a true one joins the machine', async () => {
    const { a, b, code } = await paired();
    const pending = await read(a.account, '/v1/pairing/pending');
    expect(pending.body.machines).toMatchObject([{ code, memberId: b.account.id, deviceId: b.device.id, name: 'machine b' }]);
    // B cannot let itself in: a delegation signed by its own key (or the network's word alone) is no delegation.
    const forged = await confirm(a, b, code, b.account);
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('bad-signature');
    // Nor may another account confirm A's code.
    const other = machine();
    await register(other, 'other');
    expect((await confirm(other, b, code)).status).toBe(404);
    expect((await read(b.account, `/v1/accounts/${a.account.id}`)).status).toBe(403);

    expect((await confirm(a, b, code)).body).toEqual({ joined: b.account.id, account: a.account.id });
    expect((await redeem(b, code)).body.state).toBe('joined');
    // Either machine's key now reads the one account, with both devices in it.
    for (const who of [a, b]) {
      const account = await read(who.account, `/v1/accounts/${a.account.id}`);
      expect(account.body.devices.map((d: { id: string }) => d.id).sort()).toEqual([a.device.id, b.device.id].sort());
    }
    // B renames A's device; A's device list shows it.
    expect((await call('/v1/signed', seal(b.account, binding, 'rename', { deviceId: a.device.id, name: 'renamed by b' }))).status).toBe(200);
    expect((await read(a.account, '/v1/devices')).body.devices.find((d: { id: string }) => d.id === a.device.id).name).toBe('renamed by b');
    // A paired machine makes no codes: they come from the machine that holds the account key.
    expect((await issue(b)).body.error.code).toBe('owner-only');
  });

  it('ends when the machine\'s device is deleted: its later requests are refused with a clear error', async () => {
    const { a, b, code } = await paired();
    await confirm(a, b, code);
    expect((await call('/v1/signed', seal(a.account, binding, 'delete', { deviceId: b.device.id }))).status).toBe(200);
    const refused = await call('/v1/signed', seal(b.account, binding, 'rename', { deviceId: a.device.id, name: 'x' }));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('revoked');
    expect(refused.body.error.message).toMatch(new RegExp(`^This machine was removed from account ${a.account.id} on .*; to join it again, pair it with a new code`));
    expect((await read(b.account, '/v1/devices')).body.error.code).toBe('revoked');
    expect((await register(b, 'machine b')).body.error.code).toBe('revoked');
  });

  it('is kept across a coordinator restart, and a delegation row nobody signed is ignored', async () => {
    const { a, b, code } = await paired();
    await confirm(a, b, code);
    const c2 = machine();
    await register(c2, 'machine c');
    // Written straight into the store, with no owner signature: not a member after the restart.
    c.store.run('INSERT INTO delegations VALUES (?, ?, ?, ?, ?, ?, ?, NULL)', c2.account.id, a.account.id, c2.account.pem, c2.device.id, 'AAAAAAAA', 'Zm9yZ2Vk', Date.now());
    await c.close();
    await start();
    const account = await read(b.account, `/v1/accounts/${a.account.id}`);
    expect(account.status).toBe(200);
    expect(account.body.devices).toHaveLength(2);
    expect((await read(c2.account, `/v1/accounts/${a.account.id}`)).status).toBe(403);
  });
});
