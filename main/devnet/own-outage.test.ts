// The network's own outage breaks no device's streak: a real coordinator with a data dir is stopped
// for longer than its offline rule and started again; the worker, alive all along, keeps its streak.
// A worker that goes silent itself for as long still loses it (the rule is not simply off).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../settings/secrets.ts';
import { WorkerClient } from '../worker/client.ts';
import { DevicesResponseSchema } from '../worker/explorer-api.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from '../worker/identity.ts';
import { Coordinator } from './coordinator.ts';
import { OwnOutage } from './own-outage.ts';
import { resolveParams } from './params.ts';
import { DevnetStore } from './store.ts';

const params = resolveParams({
  blockSeconds: 60,
  eligibility: { minUptimeSeconds: 0, requireWallet: false },
  heartbeat: { intervalSeconds: 1, offlineAfterSeconds: 2 },
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devnet-outage-'));
const clients: WorkerClient[] = [];
let net: Coordinator | null = null;
afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await net?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function upFor(id: string): Promise<number> {
  const res = await fetch(`${net!.url}/v1/devices`);
  return DevicesResponseSchema.parse(await res.json()).devices.find((d) => d.id === id)?.upForSeconds ?? -1;
}

describe("the network's own outage", () => {
  it('counts only the silence outside it', () => {
    const store = new DevnetStore(null);
    store.run("INSERT OR REPLACE INTO network (key, value) VALUES ('alive_at', '10000')");
    const outage = new OwnOutage(store, 70_000); // down from 10 s to 70 s
    expect(outage.last).toEqual({ from: 10_000, to: 70_000 });
    expect(outage.silence(8_000, 71_000)).toBe(3_000); // 2 s before it, 1 s after it
    expect(outage.silence(75_000, 80_000)).toBe(5_000); // after it: all of it
    store.close();
  });

  it('keeps the streak of a worker that was alive through it, and not of one that went silent itself', { timeout: 40_000 }, async () => {
    net = await Coordinator.start({ dataDir: dir, params });
    const port = net.port;
    const account = await loadOrCreateAccount(memoryStore('owner'));
    const identity = await loadOrCreateIdentity(memoryStore('device'));
    const client = new WorkerClient({
      network: net.url, identity, account, name: () => 'rig', wallet: () => null,
      inventory: async () => ({ hostname: 'h', os: 'linux', cpu: { brand: 'Test CPU', threads: 2 }, memoryBytes: 8e9, gpus: [] }),
      heartbeatSeconds: 1, backoff: { initialMs: 100, maxMs: 300 }, speedTestBytes: 64 * 1024,
    });
    clients.push(client);
    client.start();
    await client.waitFor((s) => s.connection === 'online', 10_000);
    await sleep(3000);
    const before = await upFor(identity.deviceId);
    expect(before).toBeGreaterThanOrEqual(2);

    // The network goes down for 4 s, twice its offline rule, and comes back on the same port and store.
    await net.close();
    await sleep(4000);
    net = await Coordinator.start({ dataDir: dir, params, port });
    await client.waitFor((s) => s.connection === 'online', 10_000);
    await sleep(1500);
    // The streak went on through the outage: it counts from where it began, not from the restart.
    expect(await upFor(identity.deviceId)).toBeGreaterThanOrEqual(before + 5);

    // The worker itself goes silent for as long (its process stopped): that is its own, and resets it.
    await client.stop();
    await sleep(4000);
    clients.length = 0;
    const again = new WorkerClient({
      network: net.url, identity, account, name: () => 'rig', wallet: () => null,
      inventory: async () => ({ hostname: 'h', os: 'linux', cpu: { brand: 'Test CPU', threads: 2 }, memoryBytes: 8e9, gpus: [] }),
      heartbeatSeconds: 1, backoff: { initialMs: 100, maxMs: 300 }, speedTestBytes: 64 * 1024,
    });
    clients.push(again);
    again.start();
    await again.waitFor((s) => s.connection === 'online', 10_000);
    await sleep(1500);
    expect(await upFor(identity.deviceId)).toBeLessThan(4);
  });
});
