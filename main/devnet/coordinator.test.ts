import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { memoryStore } from '../settings/secrets.ts';
import { WorkerClient, type RewardSink } from '../worker/client.ts';
import { HireRunner } from '../worker/hires.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from '../worker/identity.ts';
import type { PowBackend } from '../worker/pow.ts';
import {
  AccountResponseSchema, BlockDetailSchema, BlocksResponseSchema, DeviceDetailSchema, DeviceViewSchema, DevicesResponseSchema, ErrorResponseSchema,
  HeartbeatsResponseSchema, HireSchema, HiresResponseSchema, InfoResponseSchema, PublicDeviceDetailSchema, PublicHiresResponseSchema, TotalsSchema,
} from '../worker/explorer-api.ts';
import { idFromPublicKey, seal, type BlockResult } from '../worker/protocol.ts';
import { NetworkTrust } from '../worker/trust.ts';
import { Coordinator } from './coordinator.ts';
import { resolveParams } from './params.ts';


const params = resolveParams({
  blockSeconds: 2,
  blockEmission: 1000,
  eligibility: { minUptimeSeconds: 0, requireWallet: true },
  potl: { challengesPerBlock: 2, deadlineSeconds: 0.5, passShare: 1 },
  pow: { size: 48, deadlineSeconds: 1.5 },
  heartbeat: { intervalSeconds: 30, offlineAfterSeconds: 60 },
  // Loopback on a busy test machine: any finished speed test is tier 1.
  tiers: [{ tier: 1, minDownMbps: 0.1, minUpMbps: 0.1, maxLatencyMs: 5000 }],
  // Wallet changes at once here; their delay is tested in wallet-change.test.ts.
  walletChangeDelaySeconds: 0,
});

const inventory = (gpus: string[]) => async () => ({
  hostname: 'test', os: 'linux', cpu: { brand: 'Test CPU', threads: 4 }, memoryBytes: 8e9, gpus: gpus.map((model) => ({ model, vramMiB: 80000 })),
});

class RecordingSink implements RewardSink {
  results: BlockResult[] = [];
  payouts: { hireId: string; amount: number }[] = [];
  hires: { hireId: string; state: string }[] = [];
  recordBlockReward(_: string, r: BlockResult) { this.results.push(r); }
  recordPayout(_: string, p: { hireId: string; amount: number }) { this.payouts.push(p); }
  recordHire(_: string, h: { hireId: string; state: string }) { this.hires.push(h); }
}

async function makeWorker(network: string, gpus: string[], extra: Partial<ConstructorParameters<typeof WorkerClient>[0]> = {}) {
  const secrets = memoryStore('test');
  const identity = await loadOrCreateIdentity(secrets);
  const account = await loadOrCreateAccount(secrets);
  const sink = new RecordingSink();
  const client = new WorkerClient({
    network, identity, account, name: () => 'test rig', wallet: () => 'wallet-1', inventory: inventory(gpus), sink,
    backoff: { initialMs: 100, maxMs: 400 }, speedTestBytes: 256 * 1024, ...extra,
  });
  return { client, sink, identity, account };
}

/** Every key of a JSON value, at any depth, that is not camelCase. */
function snakeKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(snakeKeys);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [...(k.includes('_') ? [k] : []), ...snakeKeys(v)]);
}

/** The operator's token of the test coordinators: getJson reads as the operator unless told `asPublic`. */
const OPERATOR = 'test-operator-token';

/** An explorer answer, read through its schema; it must be camelCase throughout. */
async function getJson<T>(url: string, schema: z.ZodType<T>, asPublic = false): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: asPublic ? {} : { authorization: `Bearer ${OPERATOR}` } });
  const json: unknown = await res.json();
  expect(snakeKeys(json)).toEqual([]);
  return { status: res.status, body: schema.parse(json) };
}

describe('coordinator with in-process workers', () => {
  let dir: string;
  let coordinator: Coordinator;
  const clients: WorkerClient[] = [];
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devnet-'));
    coordinator = await Coordinator.start({ dataDir: dir, params, adminToken: OPERATOR });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await coordinator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('follows the pause rule: a paused device keeps its streak, is not nominated, and says who paused it', async () => {
    const w = await makeWorker(coordinator.url, ['NVIDIA H100 80GB HBM3']);
    clients.push(w.client);
    w.client.start();
    await w.client.waitFor((s) => s.connection === 'online', 5000);
    const url = `${coordinator.url}/v1/devices/${w.identity.deviceId}`;
    const before = (await getJson(url, DeviceDetailSchema)).body;
    w.client.pause({ source: 'gaming', detail: 'a game is running' });
    await w.client.waitFor((s) => s.checks.some((c) => c.id === 'running' && !c.ok), 5000);
    const paused = (await getJson(url, DeviceDetailSchema)).body;
    expect(paused.paused).toEqual({ source: 'gaming', detail: 'a game is running' });
    expect(paused.eligibility.checks.find((c) => c.id === 'running')!.detail).toBe('Paused while you play: a game is running. A paused device earns nothing until the pause ends.');
    // Two blocks open and close while paused: neither nominates it, and no failure is recorded.
    const pausedAt = Date.now();
    await new Promise((r) => setTimeout(r, 2 * params.blockSeconds * 1000 + 500));
    const blocks = (await getJson(`${coordinator.url}/v1/blocks`, BlocksResponseSchema)).body.blocks.filter((b) => b.startedAt > pausedAt + 200);
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) expect(b.nominated, `block ${b.id}`).toBe(0);
    expect((await getJson(url, DeviceDetailSchema)).body.blocks.filter((b) => blocks.some((x) => x.id === b.blockId))).toEqual([]);
    // The streak went on: a pause is not an outage.
    w.client.resume();
    await w.client.waitFor((s) => s.checks.some((c) => c.id === 'running' && c.ok), 5000);
    const resumed = (await getJson(url, DeviceDetailSchema)).body;
    expect(resumed.paused).toBeNull();
    expect(resumed.upForSeconds).toBeGreaterThanOrEqual(before.upForSeconds + 4);
  });

  it('registers devices, closes blocks, shares the emission, detects a forged POW and rejects a replay', async () => {
    const forger: PowBackend = {
      name: 'forger',
      async solve({ size }) { return new Uint32Array(size * size).fill(7); },
      async close() {},
    };
    const honest = await makeWorker(coordinator.url, ['NVIDIA H100 80GB HBM3']);
    const cpu = await makeWorker(coordinator.url, []);
    const cheat = await makeWorker(coordinator.url, ['NVIDIA H100 80GB HBM3'], { pow: forger });
    for (const w of [honest, cpu, cheat]) { clients.push(w.client); w.client.start(); }
    await Promise.all([honest, cpu, cheat].map((w) => w.client.waitFor((s) => s.connection === 'online' && (s.tier ?? 0) > 0, 8000)));

    const devices = await getJson(`${coordinator.url}/v1/devices`, DevicesResponseSchema);
    expect(devices.body.devices).toHaveLength(3);
    expect(devices.body.totals.gpus.total).toBe(2);
    expect(devices.body.totals.cpus.total).toBe(1);

    // The first block nominated nobody (devices joined during it); wait for one that nominated all three.
    await honest.client.waitFor(() => honest.sink.results.length >= 2, 9000);
    const blocks = (await getJson(`${coordinator.url}/v1/blocks`, BlocksResponseSchema)).body.blocks;
    const full = blocks.find((b) => b.status === 'Completed' && b.nominated === 3)!;
    expect(full).toBeDefined();
    const detail = (await getJson(`${coordinator.url}/v1/blocks/${full.id}`, BlockDetailSchema)).body;
    const byId = Object.fromEntries(detail.devices.map((d) => [d.deviceId, d]));
    expect(byId[honest.identity.deviceId]).toMatchObject({ status: 'Completed', pow: 'passed', potlIssued: 2, potlAnswered: 2 });
    expect(byId[cpu.identity.deviceId].status).toBe('Completed');
    expect(byId[cheat.identity.deviceId]).toMatchObject({ status: 'Failed', pow: 'failed', reward: 0 });
    expect(byId[cheat.identity.deviceId].reason).toMatch(/not the product/);
    const sum = detail.devices.reduce((s: number, d) => s + d.reward, 0);
    expect(sum).toBeCloseTo(1000, 6);
    expect(full.distributed).toBeCloseTo(1000, 6);
    // GPU allocation 8M vs CPU 2M: the GPU device earns four times the CPU device.
    expect(byId[honest.identity.deviceId].reward / byId[cpu.identity.deviceId].reward).toBeCloseTo(4, 6);
    expect(byId[honest.identity.deviceId].powOpsPerSec).toBeGreaterThan(0);
    const mine = honest.sink.results.find((r) => r.block === full.id)!;
    expect(mine.reward).toBeCloseTo(byId[honest.identity.deviceId].reward, 9);

    // A replayed signed message is refused; a fresh one with the same body is accepted.
    const envelope = seal({ id: honest.identity.deviceId, sign: honest.identity.sign }, coordinator.network.binding, 'set-wallet', { wallet: 'wallet-2' });
    const post = (body: unknown) => fetch(`${coordinator.url}/v1/signed`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post(envelope)).status).toBe(200);
    const replay = await post(envelope);
    expect(replay.status).toBe(409);
    expect(ErrorResponseSchema.parse(await replay.json()).error.code).toBe('replay');
    const tampered = { ...seal({ id: honest.identity.deviceId, sign: honest.identity.sign }, coordinator.network.binding, 'set-wallet', { wallet: 'x' }), payload: '{"wallet":"thief"}' };
    expect((await post(tampered)).status).toBe(401);
    const device = (await getJson(`${coordinator.url}/v1/devices/${honest.identity.deviceId}`, DeviceDetailSchema)).body;
    expect(device.wallet).toBe('wallet-2');
    expect(device.eligibility.checks.map((c) => c.id)).toContain('uptime');
    expect(device.eligibility.checks.find((c) => c.id === 'proofs')!.ok).toBe(true);
    const cheater = (await getJson(`${coordinator.url}/v1/devices/${cheat.identity.deviceId}`, DeviceDetailSchema)).body;
    expect(cheater.eligibility.checks.find((c) => c.id === 'proofs')!.ok).toBe(false);
    expect(cheater.blocks.find((b) => b.blockId === full.id)).toEqual(byId[cheat.identity.deviceId]);
    expect((await getJson(`${coordinator.url}/v1/accounts/${honest.account.id}`, AccountResponseSchema)).body.devices).toHaveLength(1);
    expect((await getJson(`${coordinator.url}/v1/totals`, TotalsSchema)).body.devices).toBe(3);
    expect((await getJson(`${coordinator.url}/v1/info`, InfoResponseSchema)).body.blockSeconds).toBe(2);
    expect((await getJson(`${coordinator.url}/v1/devices/nope`, ErrorResponseSchema)).status).toBe(404);
  });

  it('routes by name: unknown paths, wrong methods and malformed escapes get a typed JSON error, never an exception', async () => {
    const ask = async (method: string, path: string) => {
      const res = await fetch(`${coordinator.url}${path}`, { method });
      expect(res.headers.get('content-type')).toBe('application/json');
      return { status: res.status, allow: res.headers.get('allow'), error: ErrorResponseSchema.parse(await res.json()).error };
    };
    expect(await ask('GET', '/v1/nope')).toMatchObject({ status: 404, error: { code: 'not-found', message: 'No route GET /v1/nope' } });
    expect(await ask('GET', '/nope')).toMatchObject({ status: 404, error: { code: 'not-found', message: 'Unknown path; the API lives under /v1.' } });
    expect(await ask('GET', '/v1/devices/%E0%A4%A')).toMatchObject({ status: 400, error: { code: 'bad-url' } });
    expect(await ask('GET', '/v1/devices/%E0%A4%A/heartbeats')).toMatchObject({ status: 400, error: { code: 'bad-url' } });
    expect((await ask('GET', '/v1/%00')).status).toBe(404);
    expect(await ask('GET', '/v1/devices/%2F')).toMatchObject({ status: 404, error: { message: 'No device /' } });
    expect(await ask('GET', '/v1/blocks/abc')).toMatchObject({ status: 404, error: { message: 'No block abc' } });
    expect(await ask('DELETE', '/v1/devices')).toMatchObject({ status: 405, allow: 'GET, POST', error: { code: 'method-not-allowed' } });
    expect(await ask('POST', '/v1/info')).toMatchObject({ status: 405, allow: 'GET', error: { code: 'method-not-allowed' } });
    expect(await ask('PUT', '/v1/nope')).toMatchObject({ status: 404, error: { code: 'not-found' } });
    // As before find-my-way, a trailing slash or a doubled one names the same route.
    expect((await fetch(`${coordinator.url}/v1/devices/`)).status).toBe(200);
    expect((await fetch(`${coordinator.url}/v1//totals`)).status).toBe(200);
    expect((await fetch(`${coordinator.url}/v1/blocks?limit=1&limit=2`)).status).toBe(200);
    // Request targets no fetch would send: answered, and the coordinator lives on (an upgrade to one used to crash it).
    const raw = (target: string, upgrade: boolean) => new Promise<string>((resolve) => {
      const socket = net.connect(coordinator.port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('error', () => resolve(text));
      socket.on('close', () => resolve(text));
      const headers = upgrade ? 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' : 'Connection: close\r\n';
      socket.end(`GET ${target} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
    });
    expect(await raw('http://[', false)).toMatch(/^HTTP\/1\.1 400 [^]*"code":"bad-url"/);
    expect(await raw('http://[', true)).toMatch(/^HTTP\/1\.1 404 /);
    expect(await raw('/v1/devices/%E0%A4%A', true)).toMatch(/^HTTP\/1\.1 404 /);
    expect((await fetch(`${coordinator.url}/v1/info`)).status).toBe(200);
  });

  it('holds a session to its device: replays, foreign signatures and unknown versions are refused', async () => {
    const a = await makeWorker(coordinator.url, []);
    const b = await makeWorker(coordinator.url, []);
    for (const w of [a, b]) {
      clients.push(w.client);
      w.client.start();
    }
    await Promise.all([a, b].map((w) => w.client.waitFor((s) => s.connection === 'online', 5000)));
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${coordinator.url.replace('http', 'ws')}/v1/session`);
    const replies: { type: string; code?: string; nonce?: string }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse((JSON.parse(String(d)) as { payload: string }).payload)));
    await new Promise((resolve) => ws.once('open', resolve));
    const signerA = { id: a.identity.deviceId, sign: a.identity.sign };
    const signerB = { id: b.identity.deviceId, sign: b.identity.sign };
    const beat = (signer: typeof signerA) => seal(signer, coordinator.network.binding, 'heartbeat', {
      seq: 1, sampledAt: Date.now(), buffered: false, telemetry: { cpuPct: 1, gpuPct: null, gpuTempC: null, powerW: null },
      traffic: { rxBytes: 0, txBytes: 0 }, services: [], paused: null,
    });
    ws.send(JSON.stringify(beat(signerA))); // before hello
    ws.send(JSON.stringify(seal(signerA, coordinator.network.binding, 'hello', { sessionStartedAt: 1, lastBlock: 0, paused: null, version: 't' })));
    const once = beat(signerA);
    ws.send(JSON.stringify(once));
    ws.send(JSON.stringify(once));
    ws.send(JSON.stringify(beat(signerB)));
    ws.send(JSON.stringify({ ...beat(signerA), v: 99 }));
    ws.send('not json');
    const started = Date.now();
    while (replies.filter((r) => r.type === 'error' || r.type === 'ack').length < 6 && Date.now() - started < 4000) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    const answers = replies.filter((r) => r.type === 'error' || r.type === 'ack').map((r) => r.code ?? r.type);
    // A heartbeat's ack waits for its group commit, so it may come after the refusals.
    expect(answers.filter((x) => x !== 'ack')).toEqual(['no-session', 'replay', 'bad-signature', 'bad-envelope', 'bad-envelope']);
    expect(answers.filter((x) => x === 'ack')).toHaveLength(1);
  });

  it("keeps the network's clock: a beat dated ahead is refused, a buffered one proves nothing about now", async () => {
    const a = await makeWorker(coordinator.url, []);
    clients.push(a.client);
    a.client.start();
    await a.client.waitFor((s) => s.connection === 'online', 5000);
    await a.client.stop(); // the raw socket below speaks for the device from here
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${coordinator.url.replace('http', 'ws')}/v1/session`);
    const replies: { type: string; code?: string }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse((JSON.parse(String(d)) as { payload: string }).payload)));
    await new Promise((resolve) => ws.once('open', resolve));
    const signer = { id: a.identity.deviceId, sign: a.identity.sign };
    const beat = (sampledAt: number, buffered: boolean, seq: number) => seal(signer, coordinator.network.binding, 'heartbeat', {
      seq, sampledAt, buffered, telemetry: { cpuPct: 1, gpuPct: null, gpuTempC: null, powerW: null }, traffic: { rxBytes: 0, txBytes: 0 }, services: [], paused: null,
    });
    ws.send(JSON.stringify(seal(signer, coordinator.network.binding, 'hello', { sessionStartedAt: 2, lastBlock: 0, paused: null, version: 't' })));
    const year = 365 * 24 * 3_600_000;
    ws.send(JSON.stringify(beat(Date.now() + year, false, 1)));
    ws.send(JSON.stringify(beat(Date.now() + year, true, 2)));
    ws.send(JSON.stringify(beat(Date.now() - 10 * 60_000, false, 3)));
    ws.send(JSON.stringify(beat(Date.now() - 10 * 60_000, true, 4)));
    const started = Date.now();
    while (replies.filter((r) => r.type === 'error' || r.type === 'ack').length < 4 && Date.now() - started < 4000) await new Promise((r) => setTimeout(r, 20));
    expect(replies.filter((r) => r.type === 'error').map((r) => r.code)).toEqual(['clock', 'clock', 'stale']);
    expect(replies.filter((r) => r.type === 'ack')).toHaveLength(1); // the old buffered beat is stored
    const seen = (await getJson(`${coordinator.url}/v1/devices/${a.identity.deviceId}`, DeviceDetailSchema)).body.lastSeen!;
    expect(seen).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - seen).toBeLessThan(5000); // from the hello's arrival, not any claimed time
    ws.close();
  });

  it('binds every envelope to one network: what was signed for this one is refused by another', async () => {
    const other = await Coordinator.start({ dataDir: null, params });
    try {
      const w = await makeWorker(coordinator.url, []);
      clients.push(w.client);
      w.client.start();
      await w.client.waitFor((s) => s.connection === 'online', 5000);
      const signer = { id: w.identity.deviceId, sign: w.identity.sign };
      const account = { id: w.account.id, sign: w.account.sign };
      const post = (url: string, p: string, body: unknown) => fetch(`${url}${p}`, { method: 'POST', body: JSON.stringify(body) });
      // Envelopes signed for this network, replayed to another coordinator: all refused there.
      for (const [path, envelope] of [
        ['/v1/signed', seal(signer, coordinator.network.binding, 'set-wallet', { wallet: 'thief-wallet' })],
        ['/v1/signed', seal(account, coordinator.network.binding, 'delete', { deviceId: w.identity.deviceId })],
        ['/v1/signed', seal(account, coordinator.network.binding, 'rename', { deviceId: w.identity.deviceId, name: 'stolen' })],
      ] as const) {
        const res = await post(other.url, path, envelope);
        expect(res.status, path).toBeGreaterThanOrEqual(400);
        const code = ErrorResponseSchema.parse(await res.json()).error.code;
        expect(['wrong-network', 'unknown-signer']).toContain(code);
      }
      // Even where the other coordinator knows the signer, the binding alone refuses it.
      const forOther = seal(signer, other.network.binding, 'set-wallet', { wallet: 'w' });
      const here = await post(coordinator.url, '/v1/signed', forOther);
      expect(ErrorResponseSchema.parse(await here.json()).error.code).toBe('wrong-network');
      const info = (await getJson(`${coordinator.url}/v1/info`, InfoResponseSchema)).body;
      expect(info).toMatchObject({ protocol: 3, networkId: coordinator.network.networkId, fingerprint: coordinator.network.fingerprint });
    } finally {
      await other.close();
    }
  });

  it('pins the network key: the same network back with another key is refused until the owner confirms it', async () => {
    const secrets = memoryStore('pins');
    const notices: string[] = [];
    const first = await makeWorker(coordinator.url, [], { trust: new NetworkTrust(secrets, 'the network') });
    clients.push(first.client);
    first.client.start();
    await first.client.waitFor((s) => s.connection === 'online' && s.trust !== null, 5000);
    const pinned = first.client.state().trust!;
    expect(pinned).toMatchObject({ networkId: coordinator.network.networkId, fingerprint: coordinator.network.fingerprint });
    await first.client.stop();
    // The coordinator comes back as the same network with a new key (a stolen id, or a rebuilt server).
    await coordinator.close();
    const { privateKey } = crypto.generateKeyPairSync('ed25519');
    const db = new DatabaseSync(path.join(dir, 'devnet.sqlite'));
    db.prepare("UPDATE network SET value = ? WHERE key = 'private_key'").run(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    db.close();
    coordinator = await Coordinator.start({ dataDir: dir, params, adminToken: OPERATOR });
    expect(coordinator.network.networkId).toBe(pinned.networkId);
    const noticing = Object.assign(new RecordingSink(), { recordNotice: (n: { level: string; title: string }) => void notices.push(`${n.level}: ${n.title}`) });
    const again = await makeWorker(coordinator.url, [], { trust: new NetworkTrust(secrets, 'the network'), sink: noticing });
    clients.push(again.client);
    again.client.start();
    const refused = await again.client.waitFor((s) => s.trustPending !== null && s.connection === 'offline', 5000);
    expect(refused.connection).not.toBe('online');
    expect(refused.trustPending).toMatchObject({ reason: 'key-changed', offered: { fingerprint: coordinator.network.fingerprint }, pinned: { fingerprint: pinned.fingerprint } });
    expect(refused.detail).toMatch(/^Security: the network net-\w+ now presents a different key/);
    expect(notices).toEqual(['error: The network’s key changed']);
    expect((await getJson(`${coordinator.url}/v1/devices`, DevicesResponseSchema)).body.devices).toHaveLength(1); // it said nothing new to the impostor
    expect(await again.client.confirmTrust(coordinator.network.networkId, coordinator.network.fingerprint)).toBe(true);
    await again.client.waitFor((s) => s.connection === 'online', 5000);
  });

  it('caps new devices per source and per account, and closes a flooding session with the reason', async () => {
    const tight = await Coordinator.start({ dataDir: null, params: resolveParams({ ...params, limits: { registrationsPerSourcePerHour: 3, devicesPerAccount: 2 } }) });
    try {
      const register = async (owner?: { publicKeyPem: string; sign: (m: string) => Buffer }) => {
        const keys = crypto.generateKeyPairSync('ed25519');
        const publicKeyPem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
        const signer = { id: idFromPublicKey('dev', publicKeyPem), sign: (m: Buffer | string) => crypto.sign(null, Buffer.from(m), keys.privateKey) };
        const ownerKey = owner ?? { publicKeyPem, sign: (m: string) => signer.sign(m) };
        const envelope = seal(signer, tight.network.binding, 'register', {
          publicKeyPem, ownerPublicKeyPem: ownerKey.publicKeyPem, ownerSig: ownerKey.sign(`own:${signer.id}`).toString('base64'), name: 'flood', wallet: null,
          inventory: { hostname: 'x', os: 'x', cpu: { brand: 'x', threads: 1 }, memoryBytes: 1, gpus: [] },
        });
        const res = await fetch(`${tight.url}/v1/devices`, { method: 'POST', body: JSON.stringify(envelope) });
        return { status: res.status, code: res.ok ? null : ErrorResponseSchema.parse(await res.json()).error.code, signer, envelope };
      };
      const account = crypto.generateKeyPairSync('ed25519');
      const owner = { publicKeyPem: account.publicKey.export({ format: 'pem', type: 'spki' }).toString(), sign: (m: string) => crypto.sign(null, Buffer.from(m), account.privateKey) };
      expect((await register(owner)).status).toBe(201);
      const second = await register(owner);
      expect(second.status).toBe(201);
      expect(await register(owner)).toMatchObject({ status: 403, code: 'account-full' });
      expect((await register()).status).toBe(201); // the third new device from this address
      expect(await register()).toMatchObject({ status: 429, code: 'rate-limited' });
      // Registering a known device again (an update) is not a new device: never capped.
      const again = seal(second.signer, tight.network.binding, 'register', JSON.parse(second.envelope.payload));
      expect((await fetch(`${tight.url}/v1/devices`, { method: 'POST', body: JSON.stringify(again) })).status).toBe(201);

      // A session that sends more than its burst is closed, and told why.
      const { WebSocket } = await import('ws');
      const ws = new WebSocket(`${tight.url.replace('http', 'ws')}/v1/session`);
      await new Promise((resolve) => ws.once('open', resolve));
      const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
      for (let i = 0; i < 5000; i++) ws.send('{}');
      expect(await closed).toEqual({ code: 1008, reason: 'rate limit: too many messages on this session' });
    } finally {
      await tight.close();
    }
  });

  it('shows the public what an explorer shows, and the rest only to the owner (signed reads) and the operator', async () => {
    const w = await makeWorker(coordinator.url, ['NVIDIA H100 80GB HBM3']);
    clients.push(w.client);
    w.client.start();
    await w.client.waitFor((s) => s.connection === 'online', 5000);
    const id = w.identity.deviceId;
    const list = await fetch(`${coordinator.url}/v1/devices`);
    expect(list.headers.get('access-control-allow-origin')).toBeNull(); // no wildcard CORS
    const seen = DevicesResponseSchema.parse(await list.json()).devices[0]!;
    expect(seen).toMatchObject({ id, name: null, account: null, status: 'active', processorType: 'GPU', quantity: 1 });
    const detail = (await getJson(`${coordinator.url}/v1/devices/${id}`, PublicDeviceDetailSchema, true)).body;
    for (const secret of ['wallet', 'inventory', 'services', 'traffic', 'speed', 'hires', 'heartbeats', 'paused']) expect(detail, secret).not.toHaveProperty(secret);
    for (const path of [`/v1/devices/${id}/heartbeats`, `/v1/accounts/${w.account.id}`]) {
      const res = await fetch(`${coordinator.url}${path}`);
      expect(res.status, path).toBe(403);
      expect(ErrorResponseSchema.parse(await res.json()).error.code).toBe('owner-only');
    }
    // The owner's signed read: its own device by name; the same signature for another path, or again, is refused.
    const mine = DevicesResponseSchema.parse(await w.client.ownerRead('/v1/devices')).devices.find((d) => d.id === id)!;
    expect(mine).toMatchObject({ name: 'test rig', account: w.account.id });
    expect(AccountResponseSchema.parse(await w.client.ownerRead(`/v1/accounts/${w.account.id}`)).devices).toHaveLength(1);
    const signedRead = (path: string) => seal({ id: w.account.id, sign: w.account.sign }, coordinator.network.binding, 'read', { path });
    const asOwner = (path: string, read: object) => fetch(`${coordinator.url}${path}`, { headers: { authorization: `IoWorker ${Buffer.from(JSON.stringify(read)).toString('base64url')}` } });
    const read = signedRead('/v1/devices');
    expect((await asOwner('/v1/devices', read)).status).toBe(200);
    expect((await asOwner('/v1/devices', read)).status).toBe(409); // replayed
    expect((await asOwner(`/v1/devices/${id}/heartbeats`, signedRead('/v1/devices'))).status).toBe(403); // signed for another path
    // Hires: the public sees that a device is hired, not what it runs.
    const hire = await fetch(`${coordinator.url}/v1/hires`, { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}` }, body: JSON.stringify({ deviceId: id, hours: 1, workload: { kind: 'container', image: 'ghcr.io/secret/model:1', args: ['--key', 'hunter2'] } }) });
    expect(hire.status).toBe(201);
    const publicHires = await (await fetch(`${coordinator.url}/v1/hires`)).json();
    expect(JSON.stringify(publicHires)).not.toMatch(/secret\/model|hunter2/);
    expect(PublicHiresResponseSchema.parse(publicHires).hires[0]).toMatchObject({ deviceId: id, hours: 1 });
    expect((await getJson(`${coordinator.url}/v1/hires`, HiresResponseSchema)).body.hires[0]!.workload).toMatchObject({ image: 'ghcr.io/secret/model:1' });
  });

  it('a worker that meets another network at the same address while running asks its owner, and does not loop', async () => {
    const w = await makeWorker(coordinator.url, [], { trust: new NetworkTrust(memoryStore('pins'), 'the network'), backoff: { initialMs: 50, maxMs: 200 } });
    clients.push(w.client);
    w.client.start();
    await w.client.waitFor((s) => s.connection === 'online', 5000);
    const port = coordinator.port;
    await coordinator.close();
    // A re-created network (new store, new id and key) comes up where the old one was.
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'devnet-fresh-'));
    coordinator = await Coordinator.start({ dataDir: fresh, params, port, adminToken: OPERATOR });
    const asked = await w.client.waitFor((s) => s.trustPending !== null, 8000);
    expect(asked.trustPending).toMatchObject({ reason: 'new-network', offered: { networkId: coordinator.network.networkId } });
    expect(asked.connection).not.toBe('online');
    expect(await w.client.confirmTrust(coordinator.network.networkId, coordinator.network.fingerprint)).toBe(true);
    await w.client.waitFor((s) => s.connection === 'online', 5000);
    fs.rmSync(fresh, { recursive: true, force: true });
  });

  it('keeps everything across a coordinator restart: workers reconnect and flush buffered heartbeats', async () => {
    const w = await makeWorker(coordinator.url, ['NVIDIA L40S'], { heartbeatSeconds: 0.2 });
    clients.push(w.client);
    w.client.start();
    await w.client.waitFor((s) => s.connection === 'online', 5000);
    const port = coordinator.port;
    await coordinator.close();
    await w.client.waitFor((s) => s.connection === 'offline' && s.buffered >= 3, 5000);
    coordinator = await Coordinator.start({ dataDir: dir, params, port, adminToken: OPERATOR });
    await w.client.waitFor((s) => s.connection === 'online' && s.buffered === 0, 5000);
    await new Promise((r) => setTimeout(r, 1200)); // one store flush
    const beats = (await getJson(`${coordinator.url}/v1/devices/${w.identity.deviceId}/heartbeats`, HeartbeatsResponseSchema)).body.heartbeats;
    expect(beats.filter((b) => b.buffered === 1).length).toBeGreaterThanOrEqual(3);
    const seqs = beats.map((b) => b.seq);
    // Every heartbeat from the first to the last arrived, none twice.
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.max(...seqs) - Math.min(...seqs) + 1).toBe(seqs.length);
    expect((await getJson(`${coordinator.url}/v1/devices`, DevicesResponseSchema)).body.devices).toHaveLength(1);
  });

  it('hires a device: runs a fake Ray node under supervision, restarts it, pays the served time', async () => {
    const fakeRay = path.join(dir, 'ray');
    fs.writeFileSync(fakeRay, '#!/bin/sh\necho "ray $*"\nif [ ! -f "$0.ran" ]; then touch "$0.ran"; exit 3; fi\nexec sleep 30\n', { mode: 0o755 });
    const runner = new HireRunner({ rayCommand: fakeRay, logDir: path.join(dir, 'hires'), restartDelayMs: 100, reportEveryMs: 300, stopGraceMs: 1000 });
    const w = await makeWorker(coordinator.url, ['NVIDIA H100'], { hires: runner });
    clients.push(w.client);
    w.client.start();
    await w.client.waitFor((s) => s.connection === 'online', 5000);
    const unauthorized = await fetch(`${coordinator.url}/v1/hires`, { method: 'POST', body: JSON.stringify({ deviceId: w.identity.deviceId, hours: 1, workload: { kind: 'benchmark' } }) });
    expect(unauthorized.status).toBe(403);
    const admin = { authorization: `Bearer ${coordinator.adminToken}` };
    const res = await fetch(`${coordinator.url}/v1/hires`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ deviceId: w.identity.deviceId, hours: 1.5 / 3600, workload: { kind: 'ray', address: '10.0.0.1:6379' } }),
    });
    expect(res.status).toBe(201);
    const hire = HireSchema.parse(await res.json());
    expect(hire).toMatchObject({ deviceId: w.identity.deviceId, status: 'running', workload: { kind: 'ray', address: '10.0.0.1:6379' } });
    await w.client.waitFor(() => w.sink.hires.some((h) => h.state === 'restarting'), 4000);
    await w.client.waitFor((s) => s.services.find((x) => x.name === 'Ray')!.state === 'running', 4000);
    expect((await getJson(`${coordinator.url}/v1/devices`, DevicesResponseSchema)).body.devices[0]).toMatchObject({ status: 'hired', hireStatus: 'hired' });
    await w.client.waitFor(() => w.sink.payouts.length > 0, 5000);
    const log = fs.readFileSync(path.join(dir, 'hires', `${hire.id}.log`), 'utf8');
    expect(log).toContain('ray start --address=10.0.0.1:6379 --block');
    expect(log).toContain('exit code 3');
    const stored = (await getJson(`${coordinator.url}/v1/hires`, HiresResponseSchema)).body.hires[0];
    expect(stored.status).toBe('completed');
    expect(stored.paidAmount).toBeGreaterThan(0);
    expect(w.sink.payouts[0].amount).toBeCloseTo(stored.paidAmount, 9);
    expect((await getJson(`${coordinator.url}/v1/devices/${w.identity.deviceId}`, DeviceDetailSchema)).body.hires[0]).toEqual(stored);
    const bad = await fetch(`${coordinator.url}/v1/hires`, { method: 'POST', headers: admin, body: JSON.stringify({ deviceId: w.identity.deviceId, hours: -1, workload: { kind: 'benchmark' } }) });
    expect(bad.status).toBe(400);
    expect((await fetch(`${coordinator.url}/v1/devices/${w.identity.deviceId}/block`, { method: 'POST' })).status).toBe(403);
    const blocked = await fetch(`${coordinator.url}/v1/devices/${w.identity.deviceId}/block`, { method: 'POST', headers: admin });
    expect(DeviceViewSchema.parse(await blocked.json()).status).toBe('blocked');
    await w.client.waitFor((s) => s.checks.some((c) => c.id === 'running' && !c.ok && /blocked/.test(c.detail)), 3000);
    await fetch(`${coordinator.url}/v1/devices/${w.identity.deviceId}/unblock`, { method: 'POST', headers: admin });
    expect((await getJson(`${coordinator.url}/v1/devices/${w.identity.deviceId}`, DeviceDetailSchema)).body.status).toBe('active');
  });
});
