// A lying coordinator against a real `io-worker serve` on loopback. The coordinator is pinned (trust on
// first use) and signs every lie with its own key, so only the worker's own checks stand between the
// lies and the ledger: absurd, negative and duplicated payouts, floods of new ids, huge arrays, link
// measurements that never end or never stop coming, and pairing and wallet answers that are not what a
// network sends. Every lie is refused with a logged reason, nothing wrong is stored, and serve stays up.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROTOCOL_VERSION, keyFingerprint, networkBinding, seal } from './protocol.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = path.join(ROOT, 'bin/io-worker.mjs');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-liar-'));
const dataDir = path.join(root, 'data');

const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const NET_ID = `net-${crypto.randomBytes(8).toString('hex')}`;
const NET_PEM = publicKey.export({ format: 'pem', type: 'spki' }).toString();
const BINDING = networkBinding(NET_ID, NET_PEM);
const signer = { id: NET_ID, sign: (m: Buffer | string) => crypto.sign(null, Buffer.from(m), privateKey) };
const SIGNATURE = '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW';

let server: http.Server;
let session: WebSocket | null = null;
let serve: ChildProcess;
let output = '';
let dashboard = '';
let token = '';
/** What the worker asked of the link routes, by probe id: requests and the bytes it was sent before it hung up. */
const link = new Map<string, { requests: number; sent: number; closedAt: number }>();
let codesAsked = 0;
let signedAsked = 0;

const send = (m: { type: string }) => session!.send(JSON.stringify(seal(signer, BINDING, m.type, m)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end || serve?.exitCode !== null) throw new Error(`${what}: not within ${ms} ms (serve exit ${serve?.exitCode}); output:\n${output.slice(-4000)}`);
    await sleep(50);
  }
}
async function rpc(channel: string, args: unknown = {}): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  const res = await fetch(`${dashboard}/api/rpc/${channel}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(args) });
  return (await res.json()) as never;
}
const payout = (n: number, over: Record<string, unknown> = {}) => ({
  id: `po-${n.toString(16).padStart(16, '0')}`, at: Date.now() - 1000, amount: 2, share: 1.5, wallet: 'WalletOne111', cluster: 'devnet', settlement: 'simulated', blocks: 3, signature: SIGNATURE, ...over,
});

/** The lying network's HTTP side: info, registration, link routes that misbehave, pairing and wallet answers that lie. */
function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  const probe = /^\/v1\/link\/([\w-]+)/.exec(url)?.[1];
  if (probe && req.method === 'GET') {
    const seen = link.get(probe) ?? { requests: 0, sent: 0, closedAt: 0 };
    link.set(probe, { ...seen, requests: seen.requests + 1 });
    res.on('close', () => (link.get(probe)!.closedAt = Date.now()));
    if (probe.startsWith('flood')) return void setTimeout(() => res.writeHead(404).end(), 300);
    res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no length: it never says when it ends
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = () => {
      if (res.destroyed) return;
      const piece = probe === 'slow' ? chunk.subarray(0, 1) : chunk;
      link.get(probe)!.sent += piece.length;
      if (res.write(piece) && probe !== 'slow') setImmediate(pump);
      else if (probe === 'slow') setTimeout(pump, 100);
      else res.once('drain', pump);
    };
    return pump();
  }
  req.resume();
  req.on('end', () => {
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url === '/v1/info') {
      return json(200, { protocol: PROTOCOL_VERSION, networkId: NET_ID, coordinatorKey: NET_PEM, fingerprint: keyFingerprint(NET_PEM), blockSeconds: 3600, heartbeatSeconds: 30, serverTime: Date.now() });
    }
    if (url === '/v1/devices' && req.method === 'POST') return json(201, {});
    // A code of a megabyte, for another account, valid for ten years.
    // First a code of a megabyte; then a well-formed code, but for another account; then one valid for ten years.
    const codes = [
      { code: 'X'.repeat(1_000_000), expiresAt: Date.now() + 600_000, account: 'acct-0123456789abcdef' },
      { code: '7K3MQ9TX', expiresAt: Date.now() + 600_000, account: 'acct-0123456789abcdef' },
      { code: '7K3MQ9TX', expiresAt: Date.now() + 10 * 365 * 86_400_000, account: 'acct-0123456789abcdef' },
    ];
    if (url === '/v1/pairing/codes') return json(201, codes[Math.min(codesAsked++, 2)]);
    if (url === '/v1/pairing/redeem') return json(200, { state: 'joined', account: '../../etc', expiresAt: 'soon' });
    // A refusal whose words come after 10 kB of padding, then one of 5 MB.
    if (url === '/v1/signed') return json(403, { padding: 'p'.repeat(signedAsked++ ? 5_000_000 : 10_000), error: { code: 'forbidden', message: 'Only a machine of this device\'s account may confirm its wallet change.' } });
    json(404, { error: { code: 'not-found', message: 'no' } });
  });
}

beforeAll(async () => {
  server = http.createServer(handle);
  const wss = new WebSocketServer({ server, path: '/v1/session' });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const envelope = JSON.parse(String(data)) as { type: string };
      if (envelope.type !== 'hello') return;
      session = ws;
      send({ type: 'welcome', deviceId: 'dev-x', heartbeatSeconds: 30, blockSeconds: 3600, serverTime: Date.now() } as never);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const network = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--secrets-file', '--network', network], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, IO_WORKER_NVIDIA_SMI: '/nonexistent', HOME: root },
  });
  serve.stdout!.on('data', (d) => (output += d));
  serve.stderr!.on('data', (d) => (output += d));
  const found = await until('the dashboard link', () => /Open the dashboard: (http:\/\/\S+)\/\?token=(\S+)/.exec(output), 40_000);
  dashboard = found[1];
  token = found[2];
  await until('the session', () => session, 20_000);
}, 60_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (serve.exitCode === null) serve.kill('SIGKILL');
  }
  server?.closeAllConnections();
  server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a lying coordinator against a real serve', () => {
  it('refuses absurd, negative, future and wrongly signed payouts and schedules; keeps the first of a duplicated id', async () => {
    send({ type: 'payout-schedule', schedule: { everySeconds: 86_400, minimum: 1, nextAt: Date.now() + 3_600_000, cluster: 'devnet', settlement: 'simulated' } } as never);
    for (const schedule of [
      { everySeconds: 1e12, minimum: 1, nextAt: Date.now() + 1000 },
      { everySeconds: 60, minimum: -1, nextAt: Date.now() + 1000 },
      { everySeconds: 60, minimum: 1e15, nextAt: Date.now() + 1000 },
      { everySeconds: 60, minimum: 1, nextAt: Date.now() + 365 * 86_400_000 },
    ]) send({ type: 'payout-schedule', schedule: { cluster: 'devnet', settlement: 'simulated', ...schedule } } as never);
    const lies = [
      payout(1, { amount: -5, share: 0 }), payout(2, { amount: 1e300, share: 1 }), payout(3, { share: 50 }), payout(4, { at: Date.now() + 30 * 86_400_000 }),
      payout(5, { signature: '0xdeadbeef' }), payout(6, { signature: Buffer.alloc(64, 255).toString('base64') }), payout(7, { blocks: -1 }),
      payout(8, { wallet: 'W'.repeat(1_000_000) }), { ...payout(9), id: '../../x' },
    ];
    for (const p of lies) send({ type: 'reward-payout', payout: p } as never);
    send({ type: 'reward-payout', payout: payout(100) } as never);
    send({ type: 'reward-payout', payout: payout(100, { amount: 9999, share: 9999 }) } as never); // the same id, a bigger sum
    send({ type: 'payout', hireId: 'hire-1', amount: -500, hours: 1, at: Date.now() } as never);
    send({ type: 'status', eligible: true, checks: Array.from({ length: 100_000 }, (_, i) => ({ id: `c${i}`, ok: true, detail: '' })), tier: 4 } as never);
    send({ type: 'error', nonce: null, code: 'x', message: 'y'.repeat(5_000_000) } as never);
    const list = await until('the one true payout', async () => {
      const answer = await rpc('payouts.list', { limit: 500 });
      return (answer.result as { id: string }[]).some((p) => p.id === payout(100).id) && answer;
    }, 10_000);
    const kept = list.result as { id: string; amount: number; share: number }[];
    expect(kept.map((p) => [p.id, p.amount, p.share])).toEqual([[payout(100).id, 2, 1.5]]);
    expect((await rpc('payouts.schedule')).result).toMatchObject({ everySeconds: 86_400, minimum: 1 });
    expect(output).toMatch(/refused payout po-0000000000000003 from the network: this machine's share \(50\) is more than the whole payout \(2\)/);
    expect(output).toMatch(/refused payout po-0000000000000004 from the network: it is dated .* ahead of this machine's clock/);
    expect(output).toMatch(/refused the payout schedule from the network: its next run .* is more than one period/);
    expect(output).toMatch(/bad message from coordinator: payout\.amount/);
    expect(output).toMatch(/bad message from coordinator: checks: /);
    expect(output).not.toMatch(/y{3000}/); // a 5 MB error is refused, not logged
    expect(fs.readFileSync(path.join(dataDir, 'ledger.db')).includes('W'.repeat(1000))).toBe(false);
    expect(serve.exitCode).toBeNull();
  }, 30_000);

  it('a flood of new payout ids is stored only up to the allowance, said once', async () => {
    for (let i = 1000; i < 1400; i++) send({ type: 'reward-payout', payout: payout(i) } as never);
    await until('the flood refused', () => /more new payouts than a network sends/.test(output), 10_000);
    await sleep(500);
    const kept = ((await rpc('payouts.list', { limit: 500 })).result as unknown[]).length;
    expect(kept).toBeGreaterThanOrEqual(90);
    expect(kept).toBeLessThanOrEqual(110);
    expect(output.match(/more new payouts than a network sends/g)).toHaveLength(1);
  }, 20_000);

  it('a link download that never ends is cut at the size asked; one that trickles is cut at its time; a flood of them is skipped', async () => {
    send({ type: 'link-measure', probeId: 'big', bytes: 1024 * 1024, timeoutMs: 20_000 } as never);
    await until('the endless download cut off', () => link.get('big')?.closedAt, 10_000);
    expect(link.get('big')!.sent).toBeLessThan(16 * 1024 * 1024);
    await until('the reason logged', () => /link measurement failed: the network sent more than the 1048576 bytes it asked for/.test(output), 5000);
    const started = Date.now();
    send({ type: 'link-measure', probeId: 'slow', bytes: 1024 * 1024, timeoutMs: 1500 } as never);
    await until('the trickle cut off', () => link.get('slow')?.closedAt, 6000);
    expect(link.get('slow')!.closedAt - started).toBeLessThan(4000);
    expect(output).toMatch(/link measurement failed: the measurement ran past its time/);
    for (let i = 0; i < 50; i++) send({ type: 'link-measure', probeId: `flood-${i}`, bytes: 65_536, timeoutMs: 5000 } as never);
    await sleep(2000);
    const asked = [...link.keys()].filter((k) => k.startsWith('flood')).length;
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(asked).toBeLessThanOrEqual(2);
    expect(output).toMatch(/link measurement flood-\d+ skipped: one is already under way/);
    expect(serve.exitCode).toBeNull();
  }, 30_000);

  it('the local API: lying pairing and wallet answers become typed errors in words, and nothing is kept', async () => {
    expect(await rpc('pairing.code')).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/answer was larger than 262144 bytes/) } });
    expect(await rpc('pairing.code')).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/made a code for account acct-0123456789abcdef, not this one .*nothing was kept/) } });
    const code = await rpc('pairing.code');
    expect(code).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/not what a network sends \(expiresAt: an expiry more than a day away\); nothing was kept/) } });
    expect(code.error!.message.length).toBeLessThan(400);
    expect(fs.existsSync(path.join(dataDir, 'pairing-codes.json'))).toBe(false);
    const join = await rpc('pairing.join', { code: '7K3M-Q9TX' });
    expect(join).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/not what a network sends/) } });
    expect(fs.existsSync(path.join(dataDir, 'pairing.json'))).toBe(false);
    for (const args of [{ code: 'x'.repeat(10_000) }, { code: 42 }, {}]) expect((await rpc('pairing.join', args)).error?.code).toBe('bad-request');
    const wallet = await rpc('network.device', { action: 'confirm-wallet', deviceId: 'dev-0123456789abcdef', wallet: 'WalletTwo222' });
    expect(wallet.error?.message).toMatch(/Only a machine of this device's account may confirm its wallet change/);
    expect(wallet.error!.message.length).toBeLessThan(500);
    const huge = await rpc('network.device', { action: 'cancel-wallet', deviceId: 'dev-0123456789abcdef', wallet: 'WalletTwo222' });
    expect(huge.error?.message).toMatch(/the network refused to wallet-change dev-0123456789abcdef \(403\): the network answered HTTP 403/);
    for (const args of [{ action: 'confirm-wallet', deviceId: '', wallet: 'w' }, { action: 'steal', deviceId: 'd', wallet: 'w' }, { action: 'cancel-wallet', deviceId: 'd', wallet: 'w'.repeat(500) }]) {
      expect((await rpc('network.device', args)).error?.code).toBe('bad-request');
    }
    for (const args of [{ days: 1e9 }, { days: -1 }, { days: 'all' }, { timeZone: 'Mars/Olympus' }]) expect((await rpc('traffic.days', args)).error?.code).toBe('bad-request');
    expect((await rpc('traffic.days', { days: 3 })).ok).toBe(true);
    expect((await rpc('pairing.status')).ok).toBe(true);
    expect(serve.exitCode).toBeNull();
  }, 30_000);
});
