// A spoofed hardware claim against a real coordinator and real workers on loopback: the score follows
// what the proof shows, not what the registration says.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore } from '../settings/secrets.ts';
import { WorkerClient } from '../worker/client.ts';
import { BlockDetailSchema, BlocksResponseSchema } from '../worker/explorer-api.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from '../worker/identity.ts';
import { Coordinator } from './coordinator.ts';
import { resolveParams } from './params.ts';

// The test sets the expected rates: an H200 at 1e11 ops/s, a CPU and any other GPU at CPU class.
const params = resolveParams({
  blockSeconds: 4,
  blockEmission: 1000,
  eligibility: { minUptimeSeconds: 0, requireWallet: false },
  potl: { challengesPerBlock: 1, deadlineSeconds: 1, passShare: 0 },
  pow: { size: 64, deadlineSeconds: 3, targetSeconds: 0.4, slack: 2, graceSeconds: 1, cpuOpsPerSec: 5e6, gpuOpsPerSec: 5e6, modelOpsPerSec: { H200: 1e11 } },
  heartbeat: { intervalSeconds: 30, offlineAfterSeconds: 60 },
  tiers: [{ tier: 1, minDownMbps: 0.1, minUpMbps: 0.1, maxLatencyMs: 5000 }],
});

async function worker(url: string, gpus: string[]) {
  const secrets = memoryStore('test');
  const identity = await loadOrCreateIdentity(secrets);
  const client = new WorkerClient({
    network: url, identity, account: await loadOrCreateAccount(secrets), name: () => 'rig', wallet: () => 'w',
    inventory: async () => ({ hostname: 'h', os: 'linux', cpu: { brand: 'Test CPU', threads: 2 }, memoryBytes: 8e9, gpus: gpus.map((model) => ({ model, vramMiB: 141_000 })) }),
    backoff: { initialMs: 100, maxMs: 400 }, speedTestBytes: 64 * 1024,
  });
  client.start();
  return { client, id: identity.deviceId };
}

describe('the proof must prove the claimed hardware', () => {
  let dir: string;
  let coordinator: Coordinator;
  const clients: WorkerClient[] = [];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'claim-'));
    coordinator = await Coordinator.start({ dataDir: dir, params, adminToken: 'op' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await coordinator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a script registered as 64 × H200 with no GPU earns what its CPU earns, no more', async () => {
    const spoofer = await worker(coordinator.url, Array(64).fill('NVIDIA H200'));
    const cpu = await worker(coordinator.url, []);
    const gpu = await worker(coordinator.url, ['NVIDIA GeForce RTX 3090']);
    clients.push(spoofer.client, cpu.client, gpu.client);
    await Promise.all(clients.map((c) => c.waitFor((s) => s.connection === 'online' && (s.tier ?? 0) > 0, 10_000)));
    const read = async (p: string) => (await fetch(`${coordinator.url}${p}`, { headers: { authorization: 'Bearer op' } })).json();
    let blockId: number | undefined;
    const until = Date.now() + 20_000;
    while (blockId === undefined && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      blockId = BlocksResponseSchema.parse(await read('/v1/blocks')).blocks.find((b) => b.status === 'Completed' && b.nominated === 3)?.id;
    }
    expect(blockId, 'a closed block with all three').toBeDefined();
    const { devices } = BlockDetailSchema.parse(await read(`/v1/blocks/${blockId}`));
    const row = (id: string) => devices.find((d) => d.deviceId === id)!;
    for (const d of [spoofer, cpu, gpu]) expect(row(d.id), d.id).toMatchObject({ status: 'Completed', pow: 'passed' });
    // Its commitments showed a CPU's rate: scored as one CPU, beside the honest CPU, in the CPU allocation.
    expect(row(spoofer.id).reason).toMatch(/^scored as 1 × CPU \(the proof does not support NVIDIA H200\), not the 64 × NVIDIA H200 claimed/);
    expect(row(spoofer.id).base).toBeCloseTo(row(cpu.id).base, 9);
    expect(row(spoofer.id).reward).toBeCloseTo(row(cpu.id).reward, 6);
    expect(row(spoofer.id).reward).toBeCloseTo(100, 6); // half of the CPU allocation's 2/10 of 1000
    expect(row(gpu.id).reward).toBeCloseTo(800, 6); // the honest GPU keeps the whole GPU allocation
    expect(row(cpu.id).reason).toBeNull();
    expect(row(gpu.id).reason).toBeNull();
  }, 40_000);
});
