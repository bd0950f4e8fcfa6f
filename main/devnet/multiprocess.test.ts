// Several workers as separate processes (two real `io-worker serve`, one forging test worker)
// against one `io-worker coordinator` on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { BlockDetailSchema, BlocksResponseSchema, DeviceDetailSchema, DevicesResponseSchema, HeartbeatsResponseSchema, HiresResponseSchema, InfoResponseSchema } from '../worker/explorer-api.ts';
import { idFromPublicKey, networkBinding, seal } from '../worker/protocol.ts';


const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin/io-worker.mjs');
const EMISSION = 500;

const children = new Set<ChildProcess>();
function start(args: string[], label: string): { child: ChildProcess; output: () => string; waitFor: (re: RegExp, ms: number) => Promise<RegExpMatchArray> } {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, IO_WORKER_NVIDIA_SMI: '/nonexistent' } });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  return {
    child,
    output: () => text,
    waitFor: (re, ms) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const m = text.match(re);
          if (m) { clearInterval(poll); resolve(m); } else if (Date.now() - started > ms || child.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`${label}: no ${re} in ${ms} ms; output:\n${text}`));
          }
        }, 50);
      }),
  };
}

/** An explorer answer, read through its schema as the CLI and the dashboard read it. */
async function getJson<T>(url: string, schema: z.ZodType<T>): Promise<T> {
  return schema.parse(await (await fetch(url, { headers: { authorization: `Bearer ${OPERATOR}` }, signal: AbortSignal.timeout(5000) })).json());
}
/** The coordinator's operator token: the tests read the explorer as the operator. */
const OPERATOR = 'multiprocess-operator';

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await fn().catch(() => undefined);
    if (value) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const stop = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 4000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill(signal);
  });

describe('one coordinator, several worker processes, on loopback', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devnet-mp-'));
  afterAll(async () => {
    await Promise.all([...children].map((c) => stop(c, 'SIGKILL')));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('registers, closes blocks that pay out the emission, catches forgery, replay and a killed worker, survives a restart', async () => {
    const paramsFile = path.join(dir, 'params.json');
    fs.writeFileSync(paramsFile, JSON.stringify({
      blockEmission: EMISSION,
      eligibility: { minUptimeSeconds: 0, requireWallet: false },
      potl: { challengesPerBlock: 3, deadlineSeconds: 0.8, passShare: 1 },
      pow: { size: 64, deadlineSeconds: 2 },
      heartbeat: { intervalSeconds: 1, offlineAfterSeconds: 20 },
      tiers: [{ tier: 1, minDownMbps: 0.1, minUpMbps: 0.1, maxLatencyMs: 5000 }],
    }));
    const coordArgs = (port: string) => [CLI, 'coordinator', '--port', port, '--data-dir', path.join(dir, 'coord'), '--params', paramsFile, '--block-seconds', '3', '--admin-token', OPERATOR];
    let coordinator = start(coordArgs('0'), 'coordinator');
    const url = (await coordinator.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 30_000))[1];
    const port = new URL(url).port;

    const serve = (name: string) => start([CLI, 'serve', '--port', '0', '--data-dir', path.join(dir, name), '--secrets-file', '--network', url], name);
    const workers = [serve('w1'), serve('w2')];
    const forger = start([ROOT + 'main/worker/testing/worker-process.ts', url, '--forge', '--gpu', 'NVIDIA RTX 4090'], 'forger');
    const ids = await Promise.all([...workers, forger].map(async (w) => (await w.waitFor(/device (dev-[0-9a-f]{16})/, 60_000))[1]));
    const [w1, w2, forged] = ids;

    await until('three devices', async () => (await getJson(`${url}/v1/devices`, DevicesResponseSchema)).devices.length === 3, 45_000);
    const fullBlock = await until('a completed block with all three', async () => {
      const { blocks } = await getJson(`${url}/v1/blocks`, BlocksResponseSchema);
      return blocks.find((b) => b.status === 'Completed' && b.nominated === 3 && b.passed === 2);
    }, 60_000);
    const detail = await getJson(`${url}/v1/blocks/${fullBlock.id}`, BlockDetailSchema);
    const row = (id: string) => detail.devices.find((d) => d.deviceId === id);
    expect(row(w1)).toMatchObject({ status: 'Completed', pow: 'passed', potlAnswered: 3 });
    expect(row(w2)).toMatchObject({ status: 'Completed', pow: 'passed' });
    expect(row(forged)).toMatchObject({ status: 'Failed', pow: 'failed', reward: 0 });
    expect(row(forged)!.reason).toMatch(/not the product/);
    expect(detail.devices.reduce((s: number, d) => s + d.reward, 0)).toBeCloseTo(EMISSION, 6);

    // A signed message sent twice: the second is a replay.
    const keys = crypto.generateKeyPairSync('ed25519');
    const pub = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const devId = idFromPublicKey('dev', pub);
    const signer = { id: devId, sign: (m: Buffer | string) => crypto.sign(null, Buffer.from(m), keys.privateKey) };
    const info = await getJson(`${url}/v1/info`, InfoResponseSchema);
    const net = networkBinding(info.networkId, info.coordinatorKey);
    const register = seal(signer, net, 'register', {
      publicKeyPem: pub, ownerPublicKeyPem: pub, ownerSig: signer.sign(`own:${devId}`).toString('base64'), name: 'probe', wallet: null,
      inventory: { hostname: 'x', os: 'x', cpu: { brand: 'x', threads: 1 }, memoryBytes: 1, gpus: [] },
    });
    const post = (p: string, body: unknown) => fetch(`${url}${p}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post('/v1/devices', register)).status).toBe(201);
    const rename = seal(signer, net, 'rename', { deviceId: devId, name: 'renamed' });
    expect((await post('/v1/signed', rename)).status).toBe(200);
    expect((await post('/v1/signed', rename)).status).toBe(409);
    expect((await post('/v1/signed', { ...rename, nonce: crypto.randomBytes(16).toString('hex') })).status).toBe(401);
    const del = seal(signer, net, 'delete', { deviceId: devId });
    expect((await post('/v1/signed', del)).status).toBe(200);

    // Kill w2 right after a block opens: that block fails it on liveness.
    const open = await until('a fresh block', async () => {
      const { blocks } = await getJson(`${url}/v1/blocks`, BlocksResponseSchema);
      return blocks[0].status === 'In Progress' && Date.now() - blocks[0].startedAt < 400 && blocks[0].nominated === 3 ? blocks[0] : null;
    }, 30_000);
    await stop(workers[1].child, 'SIGKILL');
    const killedBlock = await until('the block w2 died in', async () => {
      const b = await getJson(`${url}/v1/blocks/${open.id}`, BlockDetailSchema);
      return b.status === 'Completed' ? b : null;
    }, 24_000);
    const dead = killedBlock.devices.find((d) => d.deviceId === w2)!;
    expect(dead.status).toBe('Failed');
    expect(dead.reason).toMatch(/liveness|POW/);
    expect(killedBlock.devices.find((d) => d.deviceId === w1)!.status).toBe('Completed');

    // Restart the coordinator mid-session: w1 reconnects, nothing stored is lost, no heartbeat goes missing.
    const before = await getJson(`${url}/v1/blocks?limit=500`, BlocksResponseSchema);
    await stop(coordinator.child);
    await new Promise((r) => setTimeout(r, 1500));
    coordinator = start(coordArgs(port), 'coordinator again');
    const token = (await coordinator.waitFor(/Admin token \(for io-worker hire --token\): (\S+)/, 30_000))[1];
    await until('w1 back online with its buffered heartbeats', async () => {
      const beats = (await getJson(`${url}/v1/devices/${w1}/heartbeats`, HeartbeatsResponseSchema)).heartbeats;
      return beats.some((b) => b.buffered === 1) && (await getJson(`${url}/v1/devices/${w1}`, DeviceDetailSchema)).status === 'active';
    }, 45_000);
    const after = await getJson(`${url}/v1/blocks?limit=500`, BlocksResponseSchema);
    for (const b of before.blocks.filter((x) => x.status === 'Completed')) {
      expect(after.blocks.find((x) => x.id === b.id)).toEqual(b);
    }
    const { devices } = await getJson(`${url}/v1/devices`, DevicesResponseSchema);
    expect(devices.map((d) => d.id).sort()).toEqual([w1, w2, forged].sort());
    const beats = (await getJson(`${url}/v1/devices/${w1}/heartbeats`, HeartbeatsResponseSchema)).heartbeats;
    const seqs = beats.map((b) => b.seq);
    expect(Math.max(...seqs) - Math.min(...seqs) + 1).toBe(new Set(seqs).size);
    // And blocks go on being closed after the restart.
    const lastBefore = Math.max(...before.blocks.map((b) => b.id));
    await until('a block closed after the restart', async () =>
      (await getJson(`${url}/v1/blocks`, BlocksResponseSchema)).blocks.some((b) => b.id > lastBefore && b.status === 'Completed' && b.passed >= 1), 36_000);

    // `io-worker hire` on the devnet: the serve worker runs the built-in benchmark and is paid for it.
    const hire = start([CLI, 'hire', '--network', url, '--token', token, '--device', w1, '--hours', '0.0006', '--workload', 'benchmark'], 'hire');
    await hire.waitFor(/Hired dev-[0-9a-f]+ for 0\.0006 h as (hire-[0-9a-f]+)/, 30_000);
    const done = await until('the hire completed and paid', async () => {
      const h = (await getJson(`${url}/v1/hires`, HiresResponseSchema)).hires[0];
      return h.status === 'completed' && h.paidAmount > 0 ? h : null;
    }, 30_000);
    expect(done.deviceId).toBe(w1);
    expect(done.minutesServed).toBeGreaterThan(0);
    // `io-worker hire --list` reads the same answer through the same schema.
    const list = start([CLI, 'hire', '--network', url, '--list'], 'hire --list');
    await list.waitFor(new RegExp(`${done.id}  ${w1}  completed  0\\.0006 h  served \\d+\\.\\d min  paid \\d+\\.\\d{4}`), 30_000);
  }, 300_000);
});
