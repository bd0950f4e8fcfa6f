// Network benchmark: the POW of protocol 2 beside protocol 3's commitment (upload, catch odds, verify vs solve), block scoring for 100,000 devices, and the
// largest simulated fleet one coordinator core holds with heartbeat p99 under 50 ms.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { catchProbability, pickRows, verifyOpenings, verifyProduct, type OpenedRow, type PowBatch } from '../main/devnet/proofs.ts';
import { DEFAULT_PARAMS } from '../main/devnet/params.ts';
import { baseScore, eligibility, failingRules, scoreBlock, type BlockEntry } from '../main/devnet/scoring.ts';
import { DevnetStore } from '../main/devnet/store.ts';
import { Coordinator } from '../main/devnet/coordinator.ts';
import { startPacedProxy } from '../main/devnet/testing/paced-proxy.ts';
import { memoryStore } from '../main/settings/secrets.ts';
import { WorkerClient } from '../main/worker/client.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from '../main/worker/identity.ts';
import type { PowBackend } from '../main/worker/pow.ts';
import { PowProver } from '../main/worker/pow-prover.ts';
import { encodeProduct, idFromPublicKey, multiplyRows, networkBinding, powMatrices, powProductSeed, seal, type Signer } from '../main/worker/protocol.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

/** Bytes of a signed envelope carrying `body`, as it goes over the wire. */
function envelopeBytes(type: string, body: unknown): number {
  return JSON.stringify(seal({ id: 'dev-0123456789abcdef', sign: () => Buffer.alloc(64) }, 'net-0123456789abcdef/ab12:cd34:ef56:7890:ab12:cd34:ef56:7890', type, body)).length;
}

/** Protocol 2 (the whole product uploaded, Freivalds on all of it) beside protocol 3 (commit, then open k rows). */
async function benchPow(n: number): Promise<void> {
  const seed = crypto.randomBytes(16).toString('hex');
  const k = DEFAULT_PARAMS.pow.rowsOpened;
  // Warm both paths up so the JIT is not what gets measured.
  const warm = powMatrices('warm', 64);
  verifyProduct('warm', 64, multiplyRows(warm.a, warm.b, 64, 0, 64));
  const t = process.hrtime.bigint();
  const { a, b } = powMatrices(powProductSeed(seed, 0), n);
  const c = multiplyRows(a, b, n, 0, n);
  const solveMs = ms(t);
  // The median of seven: two shared cores make single timings jump.
  const median = (f: () => void) => {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) { const t0 = process.hrtime.bigint(); f(); times.push(ms(t0)); }
    return times.sort((x, y) => x - y)[3];
  };
  const oldVerifyMs = median(() => { if (!verifyProduct(powProductSeed(seed, 0), n, c)) throw new Error('the true product failed verification'); });
  const oldBytes = envelopeBytes('pow-answer', { challengeId: '0123456789abcdef', product: encodeProduct(c), solveMs: solveMs, backend: 'cpu' });

  // Protocol 3: the real prover, its product handed over (already solved above), its messages sized.
  const sent: { type: string; body: unknown }[] = [];
  const solved: PowBackend = { name: 'cpu', async solve() { return c; }, async close() {} };
  const prover = new PowProver({ backend: solved, send: (type, body) => sent.push({ type, body }) });
  await prover.challenge({ type: 'pow', challengeId: '0123456789abcdef', seed, size: n, products: 1, deadline: Date.now() + 60_000 });
  const batches = sent.filter((m) => m.type === 'pow-commit').map((m) => m.body as PowBatch);
  const picks = pickRows(1, n, k);
  await prover.open({ type: 'pow-open', challengeId: '0123456789abcdef', rows: picks, deadline: Date.now() + 60_000 });
  const answer = sent.find((m) => m.type === 'pow-answer')!.body as { rows: OpenedRow[] };
  const newBytes = sent.reduce((s, m) => s + envelopeBytes(m.type, m.body), 0);
  const newVerifyMs = median(() => { if (!verifyOpenings(seed, n, batches, picks, answer.rows).ok) throw new Error('the true rows failed verification'); });
  // A worker that skipped the last 10 % of its rows: caught how often, over 200 fresh picks?
  const lazy = c.slice();
  lazy.fill(0, Math.floor(n * 0.9) * n);
  const lazySent: { type: string; body: unknown }[] = [];
  const lazyProver = new PowProver({ backend: { name: 'lazy', async solve() { return lazy; }, async close() {} }, send: (type, body) => lazySent.push({ type, body }) });
  let caught = 0;
  const trials = 200;
  for (let i = 0; i < trials; i++) {
    lazySent.length = 0;
    await lazyProver.challenge({ type: 'pow', challengeId: `lazy${i}`, seed, size: n, products: 1, deadline: Date.now() + 60_000 });
    const lazyPicks = pickRows(1, n, k);
    await lazyProver.open({ type: 'pow-open', challengeId: `lazy${i}`, rows: lazyPicks, deadline: Date.now() + 60_000 });
    const rows = (lazySent.find((m) => m.type === 'pow-answer')!.body as { rows: OpenedRow[] }).rows;
    if (!verifyOpenings(seed, n, lazySent.filter((m) => m.type === 'pow-commit').map((m) => m.body as PowBatch), lazyPicks, rows).ok) caught++;
  }
  const kb = (x: number) => `${(x / 1024).toFixed(0)} KiB`;
  console.log(`POW ${n}×${n}, one product (solve ${solveMs.toFixed(0)} ms on 1 thread):`);
  console.log(`  ${'protocol'.padEnd(28)} ${'upload/device/block'.padEnd(20)} ${'catch a 10 % skipper'.padEnd(22)} verify vs solve`);
  console.log(`  ${'2: whole product, Freivalds'.padEnd(28)} ${kb(oldBytes).padEnd(20)} ${'1 − 2^-20 (every row)'.padEnd(22)} ${oldVerifyMs.toFixed(2)} ms → ${(solveMs / oldVerifyMs).toFixed(0)}× cheaper`);
  console.log(`  ${`3: commit, open ${k} rows`.padEnd(28)} ${kb(newBytes).padEnd(20)} ${`${(catchProbability(0.1, k) * 100).toFixed(3)} %`.padEnd(22)} ${newVerifyMs.toFixed(2)} ms → ${(solveMs / newVerifyMs).toFixed(0)}× cheaper`);
  console.log(`  upload ${(oldBytes / newBytes).toFixed(1)}× smaller (goal < 1 MB: ${newBytes < 1024 * 1024 ? 'met' : 'MISSED'}); ` +
    `a worker skipping 10 % of its rows was caught in ${caught} of ${trials} blocks (expected ${(catchProbability(0.1, k) * 100).toFixed(2)} %)`);
}

function benchBlock(): void {
  const count = 100_000;
  const models = [['GPU', 4], ['GPU', 1.5], ['GPU', 0.5], ['CPU', 0.1]] as const;
  const devices = Array.from({ length: count }, (_, i) => {
    const [type, multiplier] = models[i % models.length];
    return {
      id: `dev-${i.toString(16).padStart(16, '0')}`, type, multiplier, quantity: 1 + (i % 8), tier: 1 + (i % 4),
      hired: i % 10 === 0, uptime: i % 7 === 0 ? 3600 : 6 * 3600, wallet: i % 13 === 0 ? null : 'w',
      potl: i % 50 === 0 ? 1 : 3, pow: i % 97 !== 0,
    };
  });
  const t = process.hrtime.bigint();
  const entries: BlockEntry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const d = devices[i];
    const hardware = { processorType: d.type, model: 'x', quantity: d.quantity, multiplier: d.multiplier };
    const facts = { wallet: d.wallet, hardware, tier: d.tier, continuousUptimeSeconds: d.uptime, proofsPassed: true, paused: null, blocked: false };
    // As the coordinator does: the checklist's sentences only for devices that fail a rule.
    const eligible = !failingRules(facts, DEFAULT_PARAMS) || eligibility(facts, DEFAULT_PARAMS).eligible;
    const passed = eligible && d.pow && d.potl / 3 >= DEFAULT_PARAMS.potl.passShare;
    entries[i] = { deviceId: d.id, processorType: d.type, base: baseScore({ tier: d.tier, multiplier: d.multiplier, quantity: d.quantity, wasHired: d.hired }, DEFAULT_PARAMS), passed };
  }
  const { scores, distributed } = scoreBlock(entries, DEFAULT_PARAMS);
  const computeMs = ms(t);
  const store = new DevnetStore(null);
  const w = process.hrtime.bigint();
  store.tx(() => {
    for (const s of scores) {
      store.run('INSERT INTO block_devices (block_id, device_id, base, normalized, reward, status) VALUES (1, ?, ?, ?, ?, ?)', s.deviceId, s.base, s.normalized, s.reward, s.reward > 0 ? 'Completed' : 'Failed');
    }
  });
  const writeMs = ms(w);
  store.close();
  console.log(`Block for ${count.toLocaleString('en')} devices: eligibility + scores + rewards in ${computeMs.toFixed(0)} ms ` +
    `(${(1000 / computeMs).toFixed(1)}× under the 1 s goal), stored in ${writeMs.toFixed(0)} ms; ` +
    `${distributed.toFixed(2)} of ${DEFAULT_PARAMS.blockEmission} distributed`);
}

interface SimWorker {
  ws: WebSocket;
  signer: Signer;
  /** The network binding its envelopes name. */
  net: string;
  seq: number;
}

/** CPU seconds a process has used so far (Linux /proc), or null elsewhere. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return null;
  }
}

async function startCoordinator(dataDir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  // One process, one event loop: Node runs the coordinator on one core. Not pinned: on a shared
  // machine a pinned process waits behind whatever else landed on that core.
  // Thousands of simulated workers register from loopback: lift the per-source cap for the bench only.
  const paramsFile = path.join(dataDir, 'bench-params.json');
  fs.mkdirSync(dataDir, { recursive: true });
  // Simulated workers do not answer the link measurement: its timeouts must not land inside the timed windows.
  fs.writeFileSync(paramsFile, JSON.stringify({ limits: { registrationsPerSourcePerHour: 1_000_000 }, link: { timeoutSeconds: 3600 } }));
  const args = [process.execPath, path.join(ROOT, 'bin/io-worker.mjs'), 'coordinator', '--port', '0', '--data-dir', dataDir, '--params', paramsFile];
  const child = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coordinator did not start:\n${text}`)), 15_000);
    const poll = setInterval(() => {
      const m = text.match(/listening on (http:\/\/\S+?) /);
      if (m) { clearInterval(poll); clearTimeout(timer); resolve(m[1]); }
    }, 50);
  });
  return {
    url,
    pid: child.pid!,
    stop: () => new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => { clearTimeout(timer); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}

async function connectWorker(url: string, pending: Map<string, (m: { type: string }) => void>): Promise<SimWorker> {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const signer: Signer = { id: idFromPublicKey('dev', publicKeyPem), sign: (m) => crypto.sign(null, Buffer.from(m), privateKey) };
  const info = (await (await fetch(`${url}/v1/info`)).json()) as { networkId: string; coordinatorKey: string };
  const net = networkBinding(info.networkId, info.coordinatorKey);
  const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/session`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.on('message', (data) => {
    // Every coordinator message is a signed envelope; the reply's nonce is inside its payload.
    const m = JSON.parse((JSON.parse(String(data)) as { payload: string }).payload) as { type: string; nonce?: string };
    if (m.nonce && pending.has(m.nonce)) { pending.get(m.nonce)!(m); pending.delete(m.nonce); }
  });
  const request = (type: string, body: unknown) => new Promise<{ type: string }>((resolve) => {
    const env = seal(signer, net, type, body);
    pending.set(env.nonce, resolve);
    ws.send(JSON.stringify(env));
  });
  const reg = await request('register', {
    publicKeyPem, ownerPublicKeyPem: publicKeyPem, ownerSig: signer.sign(`own:${signer.id}`).toString('base64'), name: 'sim', wallet: 'w',
    inventory: { hostname: 'sim', os: 'linux', cpu: { brand: 'Sim', threads: 8 }, memoryBytes: 1e10, gpus: [{ model: 'NVIDIA H100', vramMiB: 81559 }] },
  });
  if (reg.type !== 'ack') throw new Error(`registration refused: ${JSON.stringify(reg)}`);
  await new Promise<void>((resolve) => {
    ws.once('message', () => resolve()); // welcome
    ws.send(JSON.stringify(seal(signer, net, 'hello', { sessionStartedAt: Date.now(), lastBlock: 0, paused: null, version: 'bench' })));
  });
  return { ws, signer, net, seq: 0 };
}

/** The network's link measurement (link-measure.ts): what one costs a device, and how long, on loopback and a paced link. */
async function benchLink(): Promise<void> {
  const c = await Coordinator.start({ dataDir: null, params: DEFAULT_PARAMS });
  const proxy = await startPacedProxy({ host: '127.0.0.1', port: c.port }, 100);
  const clients: WorkerClient[] = [];
  try {
    const { bytes, everySeconds } = DEFAULT_PARAMS.link;
    const mib = (x: number) => `${(x / 1048576).toFixed(0)} MiB`;
    console.log(`Link measurement: ${mib(2 * bytes)} per device per measurement (${mib(bytes)} each way + 5 pings), every ${everySeconds} s ` +
      `= ${((2 * bytes * 8) / everySeconds / 1000).toFixed(1)} kbit/s on average`);
    for (const [label, url] of [['loopback', c.url], ['paced to 100 Mbit/s', proxy.url]] as const) {
      const secrets = memoryStore('bench');
      const identity = await loadOrCreateIdentity(secrets);
      const client = new WorkerClient({
        network: url, identity, account: await loadOrCreateAccount(secrets), name: () => 'bench', wallet: () => 'w',
        inventory: async () => ({ hostname: 'b', os: 'linux', cpu: { brand: 'Bench CPU', threads: 2 }, memoryBytes: 8e9, gpus: [] }), speedTestBytes: 64 * 1024,
      });
      clients.push(client);
      client.start();
      await client.waitFor((s) => s.connection === 'online', 10_000);
      // The one at joining first, then one timed alone.
      for (let i = 0; i < 200 && !c.link.record(identity.deviceId); i++) await new Promise((r) => setTimeout(r, 50));
      const t = process.hrtime.bigint();
      const m = await c.link.measure(identity.deviceId);
      console.log(`  ${label.padEnd(20)} ${ms(t).toFixed(0).padStart(5)} ms: down ${m.downMbps.toFixed(0)} Mbit/s, up ${m.upMbps.toFixed(0)} Mbit/s, ` +
        `latency ${m.latencyMs.toFixed(2)} ms → tier ${c.devices.get(identity.deviceId)?.tier}`);
    }
  } finally {
    await Promise.all(clients.map((cl) => cl.stop()));
    await proxy.close();
    await c.close();
  }
}

async function benchHeartbeats(deadline: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-bench-'));
  const coordinator = await startCoordinator(dir);
  const pending = new Map<string, (m: { type: string }) => void>();
  const fleet: SimWorker[] = [];
  let best = 0;
  let msPerBeat: number | null = null;
  try {
    for (const target of [2500, 5000, 10_000, 15_000]) {
      if (Date.now() > deadline - 8000) break;
      const t = process.hrtime.bigint();
      while (fleet.length < target) {
        const batch = Math.min(500, target - fleet.length);
        fleet.push(...(await Promise.all(Array.from({ length: batch }, () => connectWorker(coordinator.url, pending)))));
        if (Date.now() > deadline - 7000) break;
      }
      if (fleet.length < target) { console.log(`  (stopped adding workers at ${fleet.length}: out of benchmark time)`); break; }
      const joinS = ms(t) / 1000;
      // N workers beating every 30 s is N/30 beats a second, spread evenly: that rate for 5 s.
      const windowS = 5;
      const rate = target / 30;
      const latencies: number[] = [];
      const cpuBefore = cpuSeconds(coordinator.pid);
      const start = performance.now();
      let sent = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const due = Math.floor(((performance.now() - start) / 1000) * rate);
          for (; sent < due && sent < rate * windowS; sent++) {
            const w = fleet[(sent * 7919) % fleet.length];
            const env = seal(w.signer, w.net, 'heartbeat', {
              seq: w.seq++, sampledAt: Date.now(), buffered: false,
              telemetry: { cpuPct: 12, gpuPct: 97, gpuTempC: 71, powerW: 640 }, traffic: { rxBytes: 1e9, txBytes: 2e8 },
              services: [{ name: 'Monitor', state: 'running', detail: 'Heartbeats every 30 s.' }], paused: null,
            });
            const sentAt = performance.now();
            pending.set(env.nonce, () => latencies.push(performance.now() - sentAt));
            w.ws.send(JSON.stringify(env));
          }
          if (sent >= rate * windowS) { clearInterval(timer); setTimeout(resolve, 1000); }
        }, 5);
      });
      const cpuAfter = cpuSeconds(coordinator.pid);
      const busy = cpuBefore !== null && cpuAfter !== null ? `, coordinator CPU ${(((cpuAfter - cpuBefore) / ((performance.now() - start) / 1000)) * 100).toFixed(0)}% of a core` : '';
      latencies.sort((a, b) => a - b);
      const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Infinity;
      const lost = sent - latencies.length;
      console.log(`  ${target.toLocaleString('en')} workers (joined in ${joinS.toFixed(1)} s): ${rate.toFixed(0)} beats/s, p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms${busy}${lost ? `, ${lost} unanswered` : ''}`);
      if (p(0.99) < 50 && lost === 0) best = target;
      if (cpuBefore !== null && cpuAfter !== null) msPerBeat = ((cpuAfter - cpuBefore) * 1000) / Math.max(1, latencies.length);
      // Go on while the coordinator still has headroom: a slow step on a shared machine is noise, not capacity.
      const cpu = cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) / ((performance.now() - start) / 1000) : 0;
      if (cpu > 0.8 || p(0.99) > 500) break;
    }
  } finally {
    for (const w of fleet) w.ws.terminate();
    await coordinator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`Heartbeats: one coordinator core holds ${best.toLocaleString('en')} workers at a 30 s interval with p99 < 50 ms ` +
    `(${(best / 10_000).toFixed(2)}× the 10,000 goal)`);
  if (msPerBeat !== null) {
    console.log(`  coordinator CPU per heartbeat ${msPerBeat.toFixed(2)} ms (verify, parse, store, ack) → one busy core would carry ` +
      `${Math.floor(30_000 / msPerBeat).toLocaleString('en')} workers at 30 s; latency above that is this machine's other load (${os.loadavg()[0].toFixed(1)} load on ${os.availableParallelism()} cores)`);
  }
}

export async function run(): Promise<void> {
  const deadline = Date.now() + 58_000;
  await benchPow(512); // half the default, to show how the ratio grows with the size
  await benchPow(DEFAULT_PARAMS.pow.size); // the network's default challenge
  benchBlock();
  await benchLink();
  await benchHeartbeats(deadline);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
