// The owner's fleet figures in GET /v1/devices, against a real coordinator over sockets: two machines
// of one account heartbeat their telemetry and pass real blocks; the owner's signed read carries each
// one's last figures and what it earned today, the public read none, and a stopped machine goes quiet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../settings/secrets.ts';
import { WorkerClient, type AccountKey, type RewardSink, type TelemetrySummary } from '../worker/client.ts';
import { DevicesResponseSchema } from '../worker/explorer-api.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from '../worker/identity.ts';
import type { BlockResult } from '../worker/protocol.ts';
import { Coordinator } from './coordinator.ts';
import { networkDayStart } from './fleet.ts';
import { resolveParams } from './params.ts';

const params = resolveParams({
  blockSeconds: 2,
  blockEmission: 1000,
  eligibility: { minUptimeSeconds: 0, requireWallet: true },
  potl: { challengesPerBlock: 1, deadlineSeconds: 1, passShare: 0 },
  pow: { size: 48, deadlineSeconds: 1.5 },
  heartbeat: { intervalSeconds: 1, offlineAfterSeconds: 2 },
  tiers: [{ tier: 1, minDownMbps: 0.1, minUpMbps: 0.1, maxLatencyMs: 5000 }],
});

class Sink implements RewardSink {
  results: BlockResult[] = [];
  recordBlockReward(_: string, r: BlockResult) { this.results.push(r); }
  recordPayout() {}
  recordHire() {}
}

describe('the fleet figures of the owner\'s machines', () => {
  let net: Coordinator;
  let account: AccountKey;
  const machines: { client: WorkerClient; id: string; sink: Sink; t: TelemetrySummary }[] = [];
  beforeAll(async () => {
    net = await Coordinator.start({ dataDir: null, params, adminToken: 'op' });
    account = await loadOrCreateAccount(memoryStore('owner'));
    for (const t of [
      { cpuPct: 12, gpuPct: 87.5, gpuTempC: 71, powerW: 612.4, rxBytes: 0, txBytes: 0 },
      { cpuPct: 40, gpuPct: null, gpuTempC: null, powerW: null, rxBytes: 0, txBytes: 0 },
    ]) {
      const identity = await loadOrCreateIdentity(memoryStore('device'));
      const sink = new Sink();
      const client = new WorkerClient({
        network: net.url, identity, account, name: () => `rig ${machines.length + 1}`, wallet: () => 'wallet-1', sink, telemetry: () => t,
        inventory: async () => ({ hostname: 'h', os: 'linux', cpu: { brand: 'Test CPU', threads: 2 }, memoryBytes: 8e9, gpus: t.gpuPct === null ? [] : [{ model: 'NVIDIA H100', vramMiB: 80_000 }] }),
        heartbeatSeconds: 1, backoff: { initialMs: 100, maxMs: 400 }, speedTestBytes: 64 * 1024,
      });
      client.start();
      machines.push({ client, id: identity.deviceId, sink, t });
    }
  });
  afterAll(async () => {
    await Promise.all(machines.map((m) => m.client.stop()));
    await net.close();
  });

  const ownerRead = async () => DevicesResponseSchema.parse(await machines[0]!.client.ownerRead('/v1/devices'));

  it('carries each machine\'s last heartbeat figures and today\'s earnings, for the owner only', async () => {
    // Both machines pass at least one block (a reward above 0 reached each sink).
    const until = Date.now() + 25_000;
    while (!machines.every((m) => m.sink.results.some((r) => r.status === 'Completed' && r.reward > 0)) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(machines.every((m) => m.sink.results.some((r) => r.reward > 0))).toBe(true);
    const answer = await ownerRead();
    const since = networkDayStart(Date.now());
    for (const m of machines) {
      const row = answer.devices.find((d) => d.id === m.id)!;
      expect(row.fleet).toBeDefined();
      const { at, ...figures } = row.fleet!.telemetry!;
      expect(figures).toEqual({ cpuPct: m.t.cpuPct, gpuPct: m.t.gpuPct, gpuTempC: m.t.gpuTempC, powerW: m.t.powerW });
      expect(Date.now() - at).toBeLessThan(5000);
      expect(row.fleet!.todaySince).toBe(since);
      expect(row.fleet!.quietSince).toBeNull();
      // What the network says it earned today is what its blocks paid it since 00:00 UTC, to the last result read.
      const paid = m.sink.results.filter((r) => r.status === 'Completed' && r.closedAt >= since).reduce((s, r) => s + r.reward, 0);
      const latest = Math.max(...m.sink.results.map((r) => r.block));
      const later = net.store.get<{ s: number | null }>('SELECT SUM(reward) AS s FROM block_devices WHERE device_id = ? AND block_id > ?', m.id, latest)!.s ?? 0;
      expect(row.fleet!.earnedToday).toBeCloseTo(paid + later, 9);
      expect(row.fleet!.earnedToday).toBeGreaterThan(0);
    }
    // The public list names nobody and carries no fleet figures.
    const open = DevicesResponseSchema.parse(await (await fetch(`${net.url}/v1/devices`)).json());
    expect(open.devices.length).toBe(2);
    expect(open.devices.every((d) => d.fleet === undefined && d.account === null)).toBe(true);
  });

  it('marks a machine whose heartbeats stopped as quiet since its last one', async () => {
    const quiet = machines[1]!;
    await quiet.client.stop();
    const stoppedAt = Date.now();
    const until = Date.now() + 10_000;
    let row = (await ownerRead()).devices.find((d) => d.id === quiet.id)!;
    while (row.fleet?.quietSince === null && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      row = (await ownerRead()).devices.find((d) => d.id === quiet.id)!;
    }
    expect(row.status).toBe('offline');
    expect(row.fleet!.quietSince).toBe(row.lastSeen);
    expect(row.fleet!.quietSince!).toBeLessThanOrEqual(stoppedAt);
    expect(Date.now() - row.fleet!.quietSince!).toBeGreaterThanOrEqual(params.heartbeat.offlineAfterSeconds * 1000);
    // The other machine still reports.
    expect((await ownerRead()).devices.find((d) => d.id === machines[0]!.id)!.fleet!.quietSince).toBeNull();
  });
});
