// The fuzz and abuse suite: a real `io-worker serve` process on loopback, attacked the way a web
// page, a local user and a malicious coordinator would. Every case must end with the process
// alive, a typed refusal, and nothing written outside the data dir. Bounded: each wait has a limit.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { PROTOCOL_VERSION, idFromPublicKey, keyFingerprint, networkBinding, seal } from '../main/worker/protocol.ts';
import { RENDERER_DIR } from '../main/paths.ts';
import { cutOff as cutOffRequest, rawRequest } from './raw-http.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = path.join(ROOT, 'bin/io-worker.mjs');
const built = fs.existsSync(path.join(RENDERER_DIR, 'index.html'));

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-abuse-'));
const dataDir = path.join(root, 'data');
// The child's own temp and home: anything it writes outside the data dir shows up here.
const elsewhere = path.join(root, 'elsewhere');
const engineLog = path.join(root, 'engine-argv.jsonl');
const fakeEngine = path.join(root, 'fake-engine.cjs');

/** What the hostile coordinator heard back: the worker's signed messages, by type. */
const heard: { type: string; body: Record<string, unknown> }[] = [];
let coordinator: http.Server;
let coordinatorUrl = '';
let serve: ChildProcess;
let output = '';
let dashboard = '';
let token = '';

/** A network identity for a test coordinator: an id, a key, and what its envelopes are bound to. */
function networkIdentity() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const id = `net-${crypto.randomBytes(8).toString('hex')}`;
  const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { id, publicKeyPem, binding: networkBinding(id, publicKeyPem), signer: { id, sign: (m: Buffer | string) => crypto.sign(null, Buffer.from(m), privateKey) } };
}
const HOSTILE_NET = networkIdentity();
const IMPOSTOR = networkIdentity();

/** Messages a malicious coordinator sends once the worker says hello. */
const HOSTILE: unknown[] = [
  // A root shell on the host, through docker's own options.
  { type: 'hire', order: { hireId: 'hire-root', hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'container', image: '--privileged', args: ['--pid=host', '-v', '/:/host', 'alpine', 'chroot', '/host', 'id'] } } },
  // A log file written outside the data dir.
  { type: 'hire', order: { hireId: '../../../../tmp/x', hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'benchmark' } } },
  { type: 'hire', order: { hireId: 'hire-nul', hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'container', image: 'alpine', args: ['a\u0000b'] } } },
  { type: 'hire', order: { hireId: 'hire-ray', hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'ray', address: '--head' } } },
  // Memory exhaustion through a POW challenge far past the network's range.
  { type: 'pow', challengeId: 'c1', seed: 'ab', size: 2 ** 20, deadline: Date.now() + 60_000 },
  { type: 'pow', challengeId: 'c2', seed: 'ab', size: -1, deadline: Date.now() + 60_000 },
  'not json at all',
  { type: 'no-such-type' },
  { type: 'hire', order: null },
  // Last, a well-formed hire whose arguments try to become docker's options: it runs, confined.
  { type: 'hire', order: { hireId: 'hire-ok', hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'container', image: 'alpine', args: ['--privileged', '-v', '/:/host'] } } },
];

function waitFor<T>(what: string, probe: () => T | undefined | null | false, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      const value = probe();
      if (value) { clearInterval(poll); resolve(value); } else if (Date.now() - started > ms || serve?.exitCode !== null) {
        clearInterval(poll);
        reject(new Error(`${what}: not within ${ms} ms (serve exit ${serve?.exitCode}); output:\n${output}`));
      }
    }, 50);
  });
}

beforeAll(async () => {
  if (!built) return;
  fs.mkdirSync(elsewhere, { recursive: true });
  // A container engine that records how it was called, then runs "the container" for a while.
  fs.writeFileSync(fakeEngine, `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(engineLog)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nsetTimeout(() => {}, 20000);\n`, { mode: 0o755 });

  // A malicious coordinator the worker trusts on first use: it signs its hostile messages with its
  // own (pinned) key, so only the worker's checks of each field stand between them and the machine.
  const info = JSON.stringify({ protocol: PROTOCOL_VERSION, networkId: HOSTILE_NET.id, coordinatorKey: HOSTILE_NET.publicKeyPem, fingerprint: keyFingerprint(HOSTILE_NET.publicKeyPem), blockSeconds: 3600, heartbeatSeconds: 30, serverTime: Date.now() });
  coordinator = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = req.url === '/v1/devices' ? 201 : req.url === '/v1/info' ? 200 : 404;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(req.url === '/v1/info' ? info : '{}');
    });
  });
  const wss = new WebSocketServer({ server: coordinator, path: '/v1/session' });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const envelope = JSON.parse(String(data)) as { type: string; payload: string };
      heard.push({ type: envelope.type, body: JSON.parse(envelope.payload) });
      if (envelope.type !== 'hello') return;
      const signed = (m: { type: string }, by = HOSTILE_NET) => JSON.stringify(seal(by.signer, HOSTILE_NET.binding, m.type, m));
      ws.send(signed({ type: 'welcome', deviceId: 'dev-x', heartbeatSeconds: 30, blockSeconds: 3600, serverTime: Date.now() } as never));
      // A well-formed hire that is not signed, and one signed by a key this worker never pinned: never run.
      const sneaky = (hireId: string) => ({ type: 'hire', order: { hireId, hours: 1, endsAt: Date.now() + 3_600_000, workload: { kind: 'container', image: 'alpine', args: [] } } });
      ws.send(JSON.stringify(sneaky('hire-unsigned')));
      ws.send(signed(sneaky('hire-impostor'), IMPOSTOR));
      for (const message of HOSTILE) ws.send(typeof message === 'string' ? message : signed(message as { type: string }));
    });
  });
  await new Promise<void>((resolve) => coordinator.listen(0, '127.0.0.1', resolve));
  coordinatorUrl = `http://127.0.0.1:${(coordinator.address() as AddressInfo).port}`;

  serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--secrets-file', '--network', coordinatorUrl], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, TMPDIR: elsewhere, HOME: elsewhere, XDG_CONFIG_HOME: elsewhere, XDG_DATA_HOME: elsewhere,
      IO_WORKER_NVIDIA_SMI: '/nonexistent', IO_WORKER_CONTAINER: fakeEngine, IO_WORKER_RAY: fakeEngine,
    },
  });
  serve.stdout!.on('data', (d) => (output += d));
  serve.stderr!.on('data', (d) => (output += d));
  const link = await waitFor('the dashboard link', () => /Open the dashboard: (http:\/\/\S+)\/\?token=(\S+)/.exec(output), 30_000);
  dashboard = link[1];
  token = link[2];
}, 40_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve.once('exit', resolve));
    serve.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (serve.exitCode === null) serve.kill('SIGKILL');
  }
  coordinator?.closeAllConnections();
  coordinator?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const port = () => Number(new URL(dashboard).port);
const alive = async () => {
  expect(serve.exitCode).toBeNull();
  expect((await fetch(`${dashboard}/`)).status).toBe(200);
};

const raw = (request: string) => rawRequest(port(), request);
const cutOff = (request: string, afterMs?: number) => cutOffRequest(port(), request, afterMs);

const PATHS = [
  '/%', '/%00', '/a%2', '/%E0%A4%A', '/assets/%ff', '/index.html%00.js', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd',
  '/assets/..%5c..%5c..%5cwindows%5cwin.ini', '/%c0%ae%c0%ae/', '/%%%', '/%u0000', '/\u00ff', `/${'%41'.repeat(3000)}`, '/assets/%2f%2f%2f',
  '/api/%', '/api/rpc/%00', '/ws%00',
];

describe.skipIf(!built)('io-worker serve attacked on loopback', () => {
  it.each(PATHS)('refuses the path %s and stays up', async (target) => {
    const status = await raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nConnection: close\r\n\r\n`);
    expect(status).toMatch(/^HTTP\/1\.1 (400|401|403|404) /);
    await alive();
  });

  it('survives bodies cut off by a reset, slow bodies and broken requests', async () => {
    const post = (length: number) =>
      `POST /api/rpc/system.status HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{`;
    for (let i = 0; i < 5; i++) await cutOff(post(100));
    await cutOff(post(10_000_000), 200); // a slow upload that never finishes
    await cutOff(`GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`);
    expect(await raw('\u0000\u0001\u0002 garbage\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`POST /api/rpc/system.status HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nAuthorization: Bearer ${token}\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"a":`)).toMatch(/^HTTP\/1\.1 400 /);
    await alive();
    const reply = await fetch(`${dashboard}/api/rpc/system.status`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
    expect(await reply.json()).toMatchObject({ ok: true });
  });

  it('answers a WebSocket flood of malformed frames with typed errors and stays up', async () => {
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port()}/ws?token=${token}`);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    const codes: string[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.kind === 'error') codes.push(m.error.code);
      if (m.kind === 'reply' && !m.reply.ok) codes.push(m.reply.error.code);
    });
    const garbage = ['', '{', 'null', '[]', '{"id":1}', '{"id":1,"channel":"__proto__","args":{}}', '{"id":1,"channel":"system.status","args":{"__proto__":{"x":1}}}', '{"id":1,"channel":"no.such","args":{}}'];
    for (let i = 0; i < 25; i++) for (const g of garbage) ws.send(g);
    await waitFor('typed refusals', () => codes.length >= 25 * garbage.length, 10_000);
    expect([...new Set(codes)].sort()).toEqual(['bad-request', 'unknown-channel']);
    ws.close();
    await alive();
  });

  it('refuses every hostile order of a malicious coordinator, and runs nothing it should not', async () => {
    const reports = () => heard.filter((h) => h.type === 'hire-report').map((h) => h.body as { hireId: string; state: string; detail: string });
    await waitFor('reports on the hostile hires', () => reports().some((r) => r.hireId === 'hire-ok' && r.state === 'running'), 15_000);
    const refused = (id: string) => reports().find((r) => r.hireId === id && r.state === 'failed');
    for (const id of ['hire-root', 'hire-nul', 'hire-ray']) expect(refused(id)?.detail, id).toMatch(/^Refused a hire order: /);
    // Unsigned or signed by an unpinned key: dropped before it is even read as an order.
    expect(reports().filter((r) => r.hireId === 'hire-unsigned' || r.hireId === 'hire-impostor')).toEqual([]);
    // The one well-formed order ran confined, its words after `--` and the image.
    const runs = fs.readFileSync(engineLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
    expect(runs).toHaveLength(1);
    const argv = runs[0];
    expect(argv.slice(argv.indexOf('--'))).toEqual(['--', 'alpine', '--privileged', '-v', '/:/host']);
    expect(argv.slice(0, argv.indexOf('--'))).toEqual(expect.arrayContaining(['--cap-drop=ALL', '--security-opt=no-new-privileges']));
    expect(argv.slice(0, argv.indexOf('--'))).not.toContain('--privileged');
    await alive();
  });

  it('wrote nothing outside its data dir', () => {
    expect(fs.existsSync('/tmp/x.log')).toBe(false);
    // (System tools it runs may leave an empty ~/.cache; no file may appear.)
    expect(fs.readdirSync(elsewhere, { recursive: true, withFileTypes: true }).filter((e) => !e.isDirectory()).map((e) => path.join(e.parentPath, e.name))).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'hires'))).toEqual(['hire-ok.log']);
  });
});

/** A real `io-worker coordinator` process on loopback; resolves once it listens. */
async function startCoordinatorProcess(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'coordinator', '--port', '0', '--data-dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const started = Date.now();
  while (!/listening on (http:\/\/\S+) /.test(text)) {
    if (Date.now() - started > 20_000 || child.exitCode !== null) throw new Error(`coordinator did not start:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: /listening on (http:\/\/\S+) /.exec(text)![1], child };
}

describe('two real coordinators and a forger', () => {
  const coordinators: ChildProcess[] = [];
  afterAll(() => {
    for (const c of coordinators) c.kill('SIGKILL');
  });

  it('refuses envelopes replayed across networks, beats dated ahead, oversized bodies and bad paths, and stays up', async () => {
    const a = await startCoordinatorProcess(path.join(root, 'coord-a'));
    const b = await startCoordinatorProcess(path.join(root, 'coord-b'));
    coordinators.push(a.child, b.child);
    const bindingOf = async (url: string) => {
      const info = (await (await fetch(`${url}/v1/info`)).json()) as { networkId: string; coordinatorKey: string };
      return networkBinding(info.networkId, info.coordinatorKey);
    };
    const netA = await bindingOf(a.url);
    const keys = crypto.generateKeyPairSync('ed25519');
    const publicKeyPem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const signer = { id: idFromPublicKey('dev', publicKeyPem), sign: (m: Buffer | string) => crypto.sign(null, Buffer.from(m), keys.privateKey) };
    const register = seal(signer, netA, 'register', {
      publicKeyPem, ownerPublicKeyPem: publicKeyPem, ownerSig: signer.sign(`own:${signer.id}`).toString('base64'), name: 'rig', wallet: null,
      inventory: { hostname: 'x', os: 'x', cpu: { brand: 'x', threads: 1 }, memoryBytes: 1, gpus: [] },
    });
    const post = (url: string, p: string, body: string) => fetch(`${url}${p}`, { method: 'POST', body });
    const codeOf = async (res: Response) => ((await res.json()) as { error?: { code: string } }).error?.code ?? String(res.status);
    expect((await post(a.url, '/v1/devices', JSON.stringify(register))).status).toBe(201);
    // The same register, and a wallet change signed for A, replayed to B: refused there.
    expect(await codeOf(await post(b.url, '/v1/devices', JSON.stringify(register)))).toBe('wrong-network');
    expect(await codeOf(await post(b.url, '/v1/signed', JSON.stringify(seal(signer, netA, 'set-wallet', { wallet: 'thief' }))))).toBe('wrong-network');
    // A heartbeat dated a year ahead: refused, signed by the network, in words.
    const ws = new WebSocket(`${a.url.replace('http', 'ws')}/v1/session`);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const replies: { type: string; code?: string }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse((JSON.parse(String(d)) as { payload: string }).payload)));
    ws.send(JSON.stringify(seal(signer, netA, 'hello', { sessionStartedAt: 1, lastBlock: 0, paused: null, version: 't' })));
    ws.send(JSON.stringify(seal(signer, netA, 'heartbeat', {
      seq: 1, sampledAt: Date.now() + 365 * 86_400_000, buffered: false, telemetry: { cpuPct: 1, gpuPct: null, gpuTempC: null, powerW: null }, traffic: { rxBytes: 0, txBytes: 0 }, services: [], paused: null,
    })));
    const started = Date.now();
    while (!replies.some((r) => r.type === 'error') && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
    expect(replies.find((r) => r.type === 'error')?.code).toBe('clock');
    ws.close();
    // An oversized body, a malformed path, an upload cut off: typed refusals, and both stay up.
    const port = Number(new URL(a.url).port);
    const oversized = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`POST /v1/signed HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${9 * 1024 * 1024}\r\nConnection: close\r\n\r\n`);
        socket.write(Buffer.alloc(8 * 1024 * 1024 + 4096, 120));
      });
      let reply = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (reply += chunk));
      socket.on('close', () => resolve(reply.split('\r\n')[0]));
      socket.on('error', () => {});
      socket.setTimeout(10_000, () => socket.destroy());
    });
    expect(oversized).toMatch(/^HTTP\/1\.1 413 /);
    expect(await rawRequest(port, `GET /v1/devices/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 400 /);
    await cutOffRequest(port, `POST /v1/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{`);
    for (const c of [a, b]) {
      expect(c.child.exitCode).toBeNull();
      expect((await fetch(`${c.url}/v1/info`)).status).toBe(200);
    }
  }, 60_000);
});
