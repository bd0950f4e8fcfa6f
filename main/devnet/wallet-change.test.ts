// A payout wallet change against a real coordinator over sockets, with two machines of one account
// (two device keys under one owner key): announced to both, held for the delay, confirmed only from
// the other machine, cancelled by any key of the account, and kept across a coordinator restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore } from '../settings/secrets.ts';
import { accountChange } from '../worker/account-requests.ts';
import { WorkerClient, type AccountKey } from '../worker/client.ts';
import { DeviceDetailSchema } from '../worker/explorer-api.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from '../worker/identity.ts';
import { Coordinator } from './coordinator.ts';
import { resolveParams } from './params.ts';

const paramsWith = (walletChangeDelaySeconds: number) => resolveParams({
  blockSeconds: 3600,
  eligibility: { minUptimeSeconds: 0, requireWallet: true },
  heartbeat: { intervalSeconds: 30, offlineAfterSeconds: 60 },
  tiers: [{ tier: 1, minDownMbps: 0.1, minUpMbps: 0.1, maxLatencyMs: 5000 }],
  walletChangeDelaySeconds,
});

const started: { clients: WorkerClient[]; coordinators: Coordinator[]; dirs: string[] } = { clients: [], coordinators: [], dirs: [] };
afterEach(async () => {
  await Promise.all(started.clients.splice(0).map((c) => c.stop()));
  await Promise.all(started.coordinators.splice(0).map((c) => c.close()));
  for (const d of started.dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function coordinator(delay: number, dataDir: string | null = null) {
  const c = await Coordinator.start({ dataDir, params: paramsWith(delay), adminToken: 'op' });
  started.coordinators.push(c);
  return c;
}

/** A machine of `account` with its own device key, online. */
async function machine(url: string, account: AccountKey, wallet: string, secrets = memoryStore('device')) {
  const identity = await loadOrCreateIdentity(secrets);
  const client = new WorkerClient({
    network: url, identity, account, name: () => `rig ${identity.deviceId.slice(-4)}`, wallet: () => wallet,
    inventory: async () => ({ hostname: 'h', os: 'linux', cpu: { brand: 'Test CPU', threads: 2 }, memoryBytes: 8e9, gpus: [] }),
    backoff: { initialMs: 100, maxMs: 400 }, speedTestBytes: 64 * 1024,
  });
  started.clients.push(client);
  client.start();
  await client.waitFor((s) => s.connection === 'online' && s.checksAt !== null, 10_000);
  return { client, id: identity.deviceId, secrets };
}

const walletOf = async (client: WorkerClient, id: string) => DeviceDetailSchema.parse(await client.ownerRead(`/v1/devices/${id}`)).wallet;
const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: Error) => e.message);

describe('a payout wallet change', () => {
  it('waits, is announced to every machine of the account, and only another machine confirms it', async () => {
    const net = await coordinator(3600);
    const account = await loadOrCreateAccount(memoryStore('owner'));
    const a = await machine(net.url, account, 'wallet-1');
    const b = await machine(net.url, account, 'wallet-1');

    a.client.setWallet('wallet-2');
    const seenA = await a.client.waitFor((s) => (s.walletChanges?.length ?? 0) === 1, 5000);
    const seenB = await b.client.waitFor((s) => (s.walletChanges?.length ?? 0) === 1, 5000);
    for (const seen of [seenA, seenB]) {
      expect(seen.walletChanges![0]).toMatchObject({ deviceId: a.id, wallet: 'wallet-2', previous: 'wallet-1', requestedBy: a.id });
      const wait = seen.walletChanges![0]!.effectiveAt - seen.walletChanges![0]!.requestedAt;
      expect(wait).toBe(3600_000);
    }
    expect(await walletOf(a.client, a.id)).toBe('wallet-1'); // still paid to the old one

    const decision = { deviceId: a.id, wallet: 'wallet-2', decision: 'confirm' as const };
    expect(await refusal(a.client.deviceRequest('wallet-change', decision))).toMatch(/403.*cannot confirm it/);
    // The account key may live on the asking machine: it cannot confirm.
    const byAccount = { url: (p: string) => `${net.url}${p}`, account, binding: net.network.binding };
    expect(await refusal(accountChange(byAccount, 'wallet-change', decision))).toMatch(/403.*another machine/);
    // A machine of another account cannot either.
    const stranger = await machine(net.url, await loadOrCreateAccount(memoryStore('other')), 'x');
    expect(await refusal(stranger.client.deviceRequest('wallet-change', decision))).toMatch(/403/);
    // The wrong wallet is refused by name.
    expect(await refusal(b.client.deviceRequest('wallet-change', { ...decision, wallet: 'wallet-9' }))).toMatch(/409.*wallet-2/);

    await b.client.deviceRequest('wallet-change', decision);
    expect(await walletOf(a.client, a.id)).toBe('wallet-2');
    await a.client.waitFor((s) => s.walletChanges?.length === 0, 5000);
    await b.client.waitFor((s) => s.walletChanges?.length === 0, 5000);
  });

  it('is cancelled by any key of the account, and a restart naming another wallet waits too', async () => {
    const net = await coordinator(3600);
    const account = await loadOrCreateAccount(memoryStore('owner'));
    const a = await machine(net.url, account, 'wallet-1');
    a.client.setWallet('wallet-3');
    await a.client.waitFor((s) => s.walletChanges?.length === 1, 5000);
    await accountChange({ url: (p) => `${net.url}${p}`, account, binding: net.network.binding }, 'wallet-change', { deviceId: a.id, wallet: 'wallet-3', decision: 'cancel' } as never);
    await a.client.waitFor((s) => s.walletChanges?.length === 0, 5000);
    expect(await walletOf(a.client, a.id)).toBe('wallet-1');

    // The same machine restarted with another wallet in its settings: registration does not take it at once.
    await a.client.stop();
    const again = await machine(net.url, account, 'wallet-7', a.secrets);
    expect(again.id).toBe(a.id);
    await again.client.waitFor((s) => s.walletChanges?.length === 1 && s.walletChanges[0]!.wallet === 'wallet-7', 5000);
    expect(await walletOf(again.client, a.id)).toBe('wallet-1');
  });

  it('takes effect by itself once the delay has run out, and a waiting change outlives a coordinator restart', async () => {
    const net = await coordinator(1);
    const account = await loadOrCreateAccount(memoryStore('owner'));
    const a = await machine(net.url, account, 'wallet-1');
    a.client.setWallet('wallet-4');
    await a.client.waitFor((s) => s.walletChanges?.length === 1, 5000);
    await a.client.waitFor((s) => s.walletChanges?.length === 0, 5000);
    expect(await walletOf(a.client, a.id)).toBe('wallet-4');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-change-'));
    started.dirs.push(dir);
    const first = await coordinator(3600, dir);
    const b = await machine(first.url, account, 'wallet-1');
    b.client.setWallet('wallet-5');
    await b.client.waitFor((s) => s.walletChanges?.length === 1, 5000);
    await b.client.stop();
    await first.close();
    const second = await coordinator(3600, dir);
    const accountId = second.devices.get(b.id)!.account_id;
    expect(second.devices.walletChanges.pendingFor(accountId)).toMatchObject([{ deviceId: b.id, wallet: 'wallet-5', previous: 'wallet-1' }]);
  });
});
