// The coordinator's new surface attacked by a hostile peer on loopback (real coordinator, real sockets,
// real SQLite): the link measurement (never-read downloads, endless, slow and replayed uploads,
// guessed probes), the public speed test (floods that never read), pairing, wallet changes, fleet
// figures and offline-alert registration. Every case ends with a typed refusal and the coordinator up.
import crypto from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { delegationText, idFromPublicKey, networkBinding, seal, type Signer } from '../worker/protocol.ts';
import { Coordinator } from './coordinator.ts';
import { resolveParams } from './params.ts';

interface Key extends Signer { pem: string }
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-side reads of arbitrary JSON
type Answer = any;
function key(prefix: 'dev' | 'acct'): Key {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return { id: idFromPublicKey(prefix, publicKey), pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), sign: (m) => crypto.sign(null, Buffer.from(m), privateKey) };
}
const machine = () => ({ device: key('dev'), account: key('acct') });
type Machine = ReturnType<typeof machine>;

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function coordinator(override: Record<string, unknown> = {}) {
  const logged: string[] = [];
  const c = await Coordinator.start({ dataDir: null, adminToken: 'op', log: (m) => logged.push(m), params: resolveParams({ blockSeconds: 3600, ...override }) });
  stops.push(() => c.close());
  const info = (await (await fetch(`${c.url}/v1/info`)).json()) as { networkId: string; coordinatorKey: string };
  const binding = networkBinding(info.networkId, info.coordinatorKey);
  const call = async (route: string, body: unknown): Promise<{ status: number; body: Answer }> => {
    const res = await fetch(`${c.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const read = async (signer: Signer, route: string): Promise<{ status: number; body: Answer }> => {
    const auth = Buffer.from(JSON.stringify(seal(signer, binding, 'read', { path: route }))).toString('base64url');
    const res = await fetch(`${c.url}${route}`, { headers: { authorization: `IoWorker ${auth}` } });
    return { status: res.status, body: await res.json() };
  };
  const register = async (m: Machine, name = 'rig') => {
    const answer = await call('/v1/devices', seal(m.device, binding, 'register', {
      publicKeyPem: m.device.pem, ownerPublicKeyPem: m.account.pem, ownerSig: m.account.sign(`own:${m.device.id}`).toString('base64'), name, wallet: 'WalletOne111',
      inventory: { hostname: name, os: 'linux', cpu: { brand: 'cpu', threads: 4 }, memoryBytes: 8e9, gpus: [] },
    }));
    expect(answer.status).toBe(201);
  };
  return { c, logged, binding, call, read, register, port: c.port };
}
type Net = Awaited<ReturnType<typeof coordinator>>;

/** A hostile worker's session: it says hello, answers pings (the socket library does), and keeps what it is told. */
async function session(n: Net, m: Machine) {
  const ws = new WebSocket(`${n.c.url.replace('http', 'ws')}/v1/session`);
  stops.push(() => ws.terminate());
  const heard: Answer[] = [];
  ws.on('message', (d) => heard.push(JSON.parse((JSON.parse(String(d)) as { payload: string }).payload)));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send(JSON.stringify(seal(m.device, n.binding, 'hello', { sessionStartedAt: 1, lastBlock: 0, paused: null, version: 't' })));
  const next = async (type: string, ms = 10_000): Promise<Answer> => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const i = heard.findIndex((h) => h.type === type);
      if (i >= 0) return heard.splice(i, 1)[0];
      await sleep(20);
    }
    throw new Error(`no ${type} within ${ms} ms; heard ${heard.map((h) => h.type).join(', ')}`);
  };
  return { ws, heard, next, send: (type: string, body: unknown) => ws.send(JSON.stringify(seal(m.device, n.binding, type, body))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw connection: what it sends, what came back, and whether (and when) the coordinator closed it. */
function rawSocket(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  stops.push(() => socket.destroy());
  const state = { received: Buffer.alloc(0), bytesIn: 0, closedAt: 0, keep: true };
  socket.on('data', (d: Buffer) => {
    state.bytesIn += d.length;
    if (state.keep && state.received.length < 4096) state.received = Buffer.concat([state.received, d]);
  });
  socket.on('close', () => (state.closedAt = Date.now()));
  socket.on('error', () => {});
  const closed = async (ms: number) => {
    const until = Date.now() + ms;
    while (!state.closedAt && Date.now() < until) await sleep(20);
    return state.closedAt !== 0;
  };
  return { socket, state, closed, status: () => state.received.toString('latin1').split('\r\n')[0] };
}

/** Writes an endless chunked body until the coordinator closes the connection; resolves to the bytes it took. */
async function endlessUpload(port: number, head: string, ms = 4000): Promise<{ status: string; sent: number; closed: boolean }> {
  const r = rawSocket(port);
  await new Promise((resolve) => r.socket.once('connect', resolve));
  r.socket.write(`${head}Transfer-Encoding: chunked\r\n\r\n`);
  const chunk = Buffer.alloc(64 * 1024, 0x41);
  const frame = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
  let sent = 0;
  const until = Date.now() + ms;
  while (!r.state.closedAt && Date.now() < until) {
    if (!r.socket.write(frame)) await Promise.race([new Promise((x) => r.socket.once('drain', x)), sleep(50)]);
    sent += chunk.length;
  }
  return { status: r.status(), sent, closed: await r.closed(500) };
}

/** Asks again while the coordinator says it is busy: the places of the closed connections free up as it notices. */
async function freed(ask: () => Promise<Response>, ms = 5000): Promise<Response> {
  const until = Date.now() + ms;
  for (;;) {
    const res = await ask();
    if (res.status !== 429 || Date.now() > until) return res;
    await res.arrayBuffer();
    await sleep(100);
  }
}

function rss(): number {
  return process.memoryUsage().rss;
}

describe('the link measurement, attacked by the worker it measures', () => {
  const LINK = { bytes: 64 * 1024, everySeconds: 3600, pings: 1, timeoutSeconds: 2 };

  it('a download nobody reads is cut off when the measurement times out, and the probe is gone', async () => {
    const n = await coordinator({ link: { ...LINK, bytes: 16 * 1024 * 1024 } });
    const m = machine();
    await n.register(m);
    const s = await session(n, m);
    const { probeId } = await s.next('link-measure');
    const r = rawSocket(n.port);
    await new Promise((resolve) => r.socket.once('connect', resolve));
    r.state.keep = false;
    r.socket.write(`GET /v1/link/${probeId} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    r.socket.pause(); // never reads: the coordinator's writes stall on a full socket
    await sleep(LINK.timeoutSeconds * 1000 + 500);
    r.socket.resume();
    expect(await r.closed(3000)).toBe(true);
    expect(r.state.bytesIn).toBeLessThan(16 * 1024 * 1024);
    expect(n.logged.join('\n')).toMatch(/link measurement of .* failed: the worker did not fetch and send/);
    expect((await fetch(`${n.c.url}/v1/link/${probeId}`)).status).toBe(404);
  }, 20_000);

  it('an endless upload is refused at the asked size and its connection closed; a slow one ends with the timeout', async () => {
    const n = await coordinator({ link: LINK });
    const m = machine();
    await n.register(m);
    const s = await session(n, m);
    const { probeId, bytes } = await s.next('link-measure');
    const down = Buffer.from(await (await fetch(`${n.c.url}/v1/link/${probeId}`)).arrayBuffer());
    expect(down.length).toBe(bytes);
    // Fetched once only: a replayed download is refused.
    expect(await (await fetch(`${n.c.url}/v1/link/${probeId}`)).json()).toMatchObject({ error: { code: 'unknown-probe' } });
    const tail = down.subarray(down.length - 32).toString('base64url');
    const endless = await endlessUpload(n.port, `POST /v1/link/${probeId} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-link-tail: ${tail}\r\n`);
    expect(endless.status).toMatch(/^HTTP\/1\.1 413 /);
    expect(endless.closed).toBe(true);
    expect(endless.sent).toBeLessThan(32 * 1024 * 1024);
    // The next measurement: an upload that trickles past the timeout is ended by the coordinator.
    const second = n.c.link.measure(m.device.id).catch((e: Error) => e);
    const { probeId: p2 } = await s.next('link-measure');
    const d2 = Buffer.from(await (await fetch(`${n.c.url}/v1/link/${p2}`)).arrayBuffer());
    const r = rawSocket(n.port);
    await new Promise((resolve) => r.socket.once('connect', resolve));
    r.socket.write(`POST /v1/link/${p2} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-link-tail: ${d2.subarray(d2.length - 32).toString('base64url')}\r\nContent-Length: ${bytes}\r\n\r\n`);
    const trickle = setInterval(() => r.socket.write('x'), 100);
    stops.push(() => clearInterval(trickle));
    expect(String(await second)).toMatch(/did not fetch and send/);
    expect(await r.closed(2000)).toBe(true);
    clearInterval(trickle);
  }, 30_000);

  it('refuses guessed probes, a second upload at once, wrong sizes and bodies on a GET, and keeps measuring', async () => {
    const n = await coordinator({ link: LINK });
    const guesses = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${n.c.url}/v1/link/${crypto.randomBytes(18).toString('base64url')}${i % 2 ? '' : '?x=1'}`, { method: i % 2 ? 'GET' : 'POST', body: i % 2 ? undefined : 'x' })));
    expect(new Set(await Promise.all(guesses.map(async (g) => `${g.status} ${((await g.json()) as Answer).error.code}`)))).toEqual(new Set(['404 unknown-probe']));
    const m = machine();
    await n.register(m);
    const s = await session(n, m);
    const { probeId, bytes } = await s.next('link-measure');
    const down = Buffer.from(await (await fetch(`${n.c.url}/v1/link/${probeId}`)).arrayBuffer());
    const tail = down.subarray(down.length - 32).toString('base64url');
    // Two uploads of the one probe at once: the second is refused, not read.
    const first = rawSocket(n.port);
    await new Promise((resolve) => first.socket.once('connect', resolve));
    first.socket.write(`POST /v1/link/${probeId} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-link-tail: ${tail}\r\nContent-Length: ${bytes}\r\n\r\n`);
    await sleep(100);
    const again = await fetch(`${n.c.url}/v1/link/${probeId}`, { method: 'POST', headers: { 'x-link-tail': tail }, body: new Uint8Array(bytes) });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'bad-probe', message: expect.stringMatching(/already/) } });
    first.socket.end(Buffer.alloc(bytes));
    await first.closed(2000);
    // A short upload of the next probe: refused with the size asked for.
    void n.c.link.measure(m.device.id).catch(() => {});
    const { probeId: p2 } = await s.next('link-measure');
    const d2 = Buffer.from(await (await fetch(`${n.c.url}/v1/link/${p2}`)).arrayBuffer());
    const short = await fetch(`${n.c.url}/v1/link/${p2}`, { method: 'POST', headers: { 'x-link-tail': d2.subarray(d2.length - 32).toString('base64url') }, body: new Uint8Array(100) });
    expect(short.status).toBe(400);
    expect(((await short.json()) as Answer).error.message).toMatch(new RegExp(`exactly ${bytes} bytes`));
    // A GET with an endless body is answered and closed, not read forever.
    const get = await endlessUpload(n.port, `GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n`, 2000);
    expect(get.status).toMatch(/^HTTP\/1\.1 200 /);
    expect(get.closed).toBe(true);
    expect((await fetch(`${n.c.url}/v1/info`)).status).toBe(200);
  }, 30_000);
});

describe('the public speed test, flooded', () => {
  it('downloads nobody reads and parallel uploads do not grow the coordinator; past the cap, a typed 429', async () => {
    const n = await coordinator();
    const before = rss();
    const readers = Array.from({ length: 24 }, () => rawSocket(n.port));
    await Promise.all(readers.map((r) => new Promise((resolve) => r.socket.once('connect', resolve))));
    for (const r of readers) {
      r.socket.pause();
      r.socket.write(`GET /v1/speedtest?bytes=${16 * 1024 * 1024} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    }
    await sleep(1500);
    const grown = (rss() - before) / 1024 / 1024;
    expect(grown).toBeLessThan(120);
    // While those hold their places, more are refused in words.
    const refused = await fetch(`${n.c.url}/v1/speedtest?bytes=1000`);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'busy', message: expect.stringMatching(/speed tests/) } });
    for (const r of readers) r.socket.destroy();
    const ok = await freed(() => fetch(`${n.c.url}/v1/speedtest?bytes=1000`));
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBe(1000);
    // Uploads that stall just short of the limit are counted, not kept.
    const big = Buffer.alloc(15 * 1024 * 1024, 1);
    const beforeUploads = rss();
    const uploaders = Array.from({ length: 8 }, () => rawSocket(n.port));
    await Promise.all(uploaders.map((u) => new Promise((resolve) => u.socket.once('connect', resolve))));
    for (const u of uploaders) {
      u.socket.write(`POST /v1/speedtest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${16 * 1024 * 1024}\r\n\r\n`);
      u.socket.write(big); // the one buffer, shared: what grows is the coordinator's side
    }
    await sleep(2000);
    // Kept, they would be 8 × 15 MiB = 120 MiB; counted, what grows is garbage the collector has not taken yet.
    expect((rss() - beforeUploads) / 1024 / 1024).toBeLessThan(90);
    for (const u of uploaders) u.socket.destroy();
    const up = await freed(() => fetch(`${n.c.url}/v1/speedtest`, { method: 'POST', body: new Uint8Array(3 * 1024 * 1024) }));
    expect(await up.json()).toMatchObject({ bytes: 3 * 1024 * 1024 });
    const endless = await endlessUpload(n.port, 'POST /v1/speedtest HTTP/1.1\r\nHost: 127.0.0.1\r\n', 6000);
    expect(endless.status).toMatch(/^HTTP\/1\.1 413 /);
    expect(endless.closed).toBe(true);
  }, 30_000);
});

describe('pairing, attacked', () => {
  it('answers every malformed or forged request with a typed refusal, never a 500, and limits guesses and codes', async () => {
    const n = await coordinator();
    const owner = machine();
    const stranger = machine();
    await n.register(owner);
    const bad: [string, unknown][] = [
      ['/v1/pairing/codes', 'not json'], ['/v1/pairing/codes', null], ['/v1/pairing/codes', []], ['/v1/pairing/codes', { v: 3 }],
      ['/v1/pairing/redeem', 'not json'], ['/v1/pairing/redeem', null], ['/v1/pairing/redeem', { payload: 7 }], ['/v1/pairing/redeem', { payload: '{"publicKeyPem":"x"}' }],
      ['/v1/pairing/confirm', '{'], ['/v1/pairing/confirm', 42],
      ['/v1/pairing/codes', seal(stranger.account, n.binding, 'pair-code', {})], // never registered
      ['/v1/pairing/codes', seal(owner.account, n.binding, 'pair-code', { extra: 'x'.repeat(100_000) })],
      ['/v1/pairing/codes', seal(owner.device, n.binding, 'pair-code', {})], // a device key asks
      ['/v1/pairing/redeem', seal(stranger.account, n.binding, 'pair-redeem', { code: 'x'.repeat(5000), publicKeyPem: stranger.account.pem, deviceId: 'd', name: 'n' })],
      ['/v1/pairing/redeem', seal(stranger.account, n.binding, 'pair-redeem', { code: 'ABCDEFGH', publicKeyPem: owner.account.pem, deviceId: 'd', name: 'n' })],
      ['/v1/pairing/confirm', seal(owner.account, n.binding, 'pair-confirm', { code: 'ABCDEFGH', memberId: 'x', memberPublicKeyPem: 'x', deviceId: 'x', delegationSig: 'x' })],
    ];
    for (const [route, body] of bad) {
      const answer = await n.call(route, body);
      expect(answer.status, `${route} ${JSON.stringify(body).slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.body.error).toMatchObject({ code: expect.stringMatching(/^[a-z-]+$/), message: expect.any(String) });
    }
    expect((await fetch(`${n.c.url}/v1/pairing/pending`)).status).toBe(403);
    expect((await n.read(owner.device, '/v1/pairing/pending')).status).toBe(403);
    // Guessing: ten wrong codes, then "wait".
    const codes: string[] = [];
    for (let i = 0; i < 14; i++) {
      const g = await n.call('/v1/pairing/redeem', seal(stranger.account, n.binding, 'pair-redeem', { code: `ZZZZZZ${'0123456789ABCDEF'[i]}0`, publicKeyPem: stranger.account.pem, deviceId: stranger.device.id, name: 'b' }));
      codes.push(g.body.error.code);
    }
    expect(codes.slice(0, 10).every((c) => c === 'unknown-code')).toBe(true);
    expect(codes.slice(10)).toEqual(['rate-limited', 'rate-limited', 'rate-limited', 'rate-limited']);
    // Codes: eight open at once per account, then "use one".
    const issued = [];
    for (let i = 0; i < 10; i++) issued.push(await n.call('/v1/pairing/codes', seal(owner.account, n.binding, 'pair-code', {})));
    expect(issued.slice(0, 8).every((a) => a.status === 201)).toBe(true);
    expect(issued[8]).toMatchObject({ status: 429, body: { error: { code: 'rate-limited' } } });
    // A replayed code request is refused as such.
    const once = seal(owner.account, n.binding, 'pair-code', {});
    await n.call('/v1/pairing/codes', once);
    expect((await n.call('/v1/pairing/codes', once)).body.error.code).toBe('replay');
    // An endless body to redeem: 413, and the connection closed.
    const endless = await endlessUpload(n.port, 'POST /v1/pairing/redeem HTTP/1.1\r\nHost: 127.0.0.1\r\n', 6000);
    expect(endless.status).toMatch(/^HTTP\/1\.1 413 /);
    expect(endless.closed).toBe(true);
    expect(n.logged.filter((l) => /http error/.test(l))).toEqual([]);
  }, 30_000);
});

describe('wallet changes, fleet figures and offline alerts, attacked', () => {
  async function paired(n: Net) {
    const owner = machine();
    const member = machine();
    await n.register(owner, 'owner rig');
    const { body: { code } } = await n.call('/v1/pairing/codes', seal(owner.account, n.binding, 'pair-code', {}));
    await n.call('/v1/pairing/redeem', seal(member.account, n.binding, 'pair-redeem', { code, publicKeyPem: member.account.pem, deviceId: member.device.id, name: 'member rig' }));
    const sig = owner.account.sign(delegationText(n.binding, owner.account.id, member.account.id, member.device.id, code)).toString('base64');
    expect((await n.call('/v1/pairing/confirm', seal(owner.account, n.binding, 'pair-confirm', { code, memberId: member.account.id, memberPublicKeyPem: member.account.pem, deviceId: member.device.id, delegationSig: sig }))).status).toBe(200);
    await n.register(member, 'member rig');
    return { owner, member };
  }

  it('a wallet change is decided only by another machine of the account; every other try is refused in words', async () => {
    const n = await coordinator({ walletChangeDelaySeconds: 3600 });
    const { owner, member } = await paired(n);
    const thief = machine();
    await n.register(thief);
    expect((await n.call('/v1/signed', seal(owner.device, n.binding, 'set-wallet', { wallet: 'WalletTwo222' }))).status).toBe(200);
    const decide = (by: Signer, body: Record<string, unknown>) => n.call('/v1/signed', seal(by, n.binding, 'wallet-change', { deviceId: owner.device.id, wallet: 'WalletTwo222', decision: 'confirm', ...body }));
    const tries: [string, Signer, Record<string, unknown>, number, string][] = [
      ['another account', thief.device, {}, 403, 'forbidden'],
      ['another account, cancelling', thief.account, { decision: 'cancel' }, 403, 'forbidden'],
      ['the machine that asked', owner.device, {}, 403, 'forbidden'],
      ['the account key', owner.account, {}, 403, 'forbidden'],
      ['a wallet other than the waiting one', member.device, { wallet: 'WalletThief' }, 409, 'conflict'],
      ['an unknown device', member.device, { deviceId: 'dev-0000000000000000' }, 404, 'not-found'],
      ['a wallet of 200 characters', member.device, { wallet: 'W'.repeat(200) }, 400, 'bad-body'],
      ['a made-up decision', member.device, { decision: 'pay-me' }, 400, 'bad-body'],
    ];
    for (const [what, by, body, status, code] of tries) {
      const answer = await decide(by, body);
      expect({ what, status: answer.status, code: answer.body.error?.code }).toEqual({ what, status, code });
    }
    expect(n.c.devices.get(owner.device.id)?.wallet).toBe('WalletOne111');
    // Revoked (its device deleted): the member's key can no longer decide anything.
    expect((await n.call('/v1/signed', seal(owner.account, n.binding, 'delete', { deviceId: member.device.id }))).status).toBe(200);
    const revoked = await n.call('/v1/signed', seal(member.account, n.binding, 'wallet-change', { deviceId: owner.device.id, wallet: 'WalletTwo222', decision: 'cancel' }));
    expect(revoked).toMatchObject({ status: 403, body: { error: { code: 'revoked' } } });
    expect(n.c.devices.get(owner.device.id)?.wallet).toBe('WalletOne111');
  }, 30_000);

  it('absurd fleet figures read as unknown, non-numbers and huge strings are refused, and the session lives on', async () => {
    const n = await coordinator();
    const m = machine();
    await n.register(m);
    const s = await session(n, m);
    await s.next('welcome');
    const beat = (seq: number, telemetry: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      seq, sampledAt: Date.now(), buffered: false, telemetry: { cpuPct: 5, gpuPct: null, gpuTempC: null, powerW: null, ...telemetry }, traffic: { rxBytes: 0, txBytes: 0 }, services: [], paused: null, ...extra,
    });
    // Refused outright: not numbers, or strings past their bound.
    for (const body of [
      beat(1, { gpuTempC: 'hot' }),
      beat(2, {}, { services: [{ name: 'Ray', state: 'running', detail: 'x'.repeat(100_000) }] }),
      beat(3, {}, { services: Array.from({ length: 1000 }, () => ({ name: 'Ray', state: 'running', detail: '' })) }),
    ]) s.send('heartbeat', body);
    // JSON's 1e999 is Infinity once parsed: a raw envelope carries it.
    const inf = seal(m.device, n.binding, 'heartbeat', beat(4, {}));
    inf.payload = inf.payload.replace('"gpuTempC":null', '"gpuTempC":1e999');
    inf.sig = m.device.sign(`io-worker/${inf.v}\n${inf.net}\n${inf.type}\n${inf.signer}\n${inf.ts}\n${inf.nonce}\n${inf.payload}`).toString('base64');
    s.ws.send(JSON.stringify(inf));
    for (let i = 0; i < 4; i++) expect(await s.next('error')).toMatchObject({ code: 'bad-body' });
    // Numbers, but no GPU reads 1e300 °C or draws -5 W: stored, shown as unknown.
    s.send('heartbeat', beat(5, { cpuPct: 4000, gpuPct: -3, gpuTempC: 1e300, powerW: -5 }));
    await s.next('ack');
    const mine = await n.read(m.account, '/v1/devices');
    const row = mine.body.devices.find((d: Answer) => d.id === m.device.id);
    expect(row.fleet.telemetry).toMatchObject({ cpuPct: null, gpuPct: null, gpuTempC: null, powerW: null });
    s.send('heartbeat', beat(6, { cpuPct: 37.5, gpuPct: 99, gpuTempC: 71, powerW: 612 }));
    await s.next('ack');
    const again = (await n.read(m.account, '/v1/devices')).body.devices.find((d: Answer) => d.id === m.device.id);
    expect(again.fleet.telemetry).toMatchObject({ cpuPct: 37.5, gpuPct: 99, gpuTempC: 71, powerW: 612 });
  }, 20_000);

  it('offline alerts: a paired key may register for its account, a stranger or a revoked key may not', async () => {
    const n = await coordinator();
    const { owner, member } = await paired(n);
    const stranger = machine();
    await n.register(stranger);
    const channels = [{ kind: 'webhook', url: 'http://127.0.0.1:9/hook', secret: null }];
    const reg = (by: Signer, body: Record<string, unknown>) => n.call('/v1/alert-channels', seal(by, n.binding, 'alert-channels', { deviceId: owner.device.id, offlineAfterSeconds: 60, channels, ...body }));
    expect((await reg(member.account, {})).status).toBe(200);
    expect(n.c.offlineAlerts.registered(owner.device.id)).toBe(true);
    for (const [by, body, status, code] of [
      [stranger.account, {}, 403, 'forbidden'],
      [stranger.device, {}, 403, 'forbidden'],
      [member.account, { offlineAfterSeconds: 1 }, 400, 'bad-body'],
      [member.account, { channels: [{ kind: 'webhook', url: 'file:///etc/passwd', secret: null }] }, 400, 'bad-body'],
      [member.account, { channels: Array.from({ length: 50 }, () => channels[0]) }, 400, 'bad-body'],
      [member.account, { deviceId: 'x'.repeat(1000) }, 400, 'bad-body'],
    ] as [Signer, Record<string, unknown>, number, string][]) {
      const answer = await reg(by, body);
      expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status, code });
    }
    expect((await n.call('/v1/signed', seal(owner.account, n.binding, 'delete', { deviceId: member.device.id }))).status).toBe(200);
    expect(await reg(member.account, { channels: [] })).toMatchObject({ status: 403, body: { error: { code: 'revoked' } } });
    expect(n.c.offlineAlerts.registered(owner.device.id)).toBe(true);
  }, 20_000);
});
