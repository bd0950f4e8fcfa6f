// The headless transport over real sockets: token and Origin checks on HTTP and WebSocket, the
// contract over the wire, pushed events, and a server that keeps serving after garbage.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UpdateStatusSchema, requestChannels } from '../../preload/contract/index.ts';
import { expectedWithoutNetwork, validArgs } from '../../test/contract-cases.ts';
import { testCore } from '../../test/core-fixture.ts';
import { cutOff, rawRequest } from '../../test/raw-http.ts';
import type { Core } from '../core.ts';
import { startHeadlessServer, tokensEqual, type HeadlessServer } from './server.ts';

let core: Core;
let server: HeadlessServer;
let rendererDir: string;

beforeAll(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>IO Worker</title>');
  fs.mkdirSync(path.join(rendererDir, 'assets'));
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  core = await testCore();
  await core.start();
  server = await startHeadlessServer({ host: '127.0.0.1', port: 0, rendererDir, dispatch: core.dispatch, events: core.events });
});
afterAll(async () => {
  await server.close();
  await core.stop();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${server.port}`;

function connect(query = `?token=${server.token}`, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, channel: string, args: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString());
      if (message.kind === 'reply' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message.reply);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, channel, args }));
  });
}

describe('headless server', () => {
  it('prints a loopback URL that carries a long random token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[\\w-]{43}$`));
  });

  it('serves the dashboard with a strict CSP and no Referer leak, and refuses path traversal', async () => {
    const res = await fetch(`${base()}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(`${base()}/assets/app.js`)).status).toBe(200);
    expect((await fetch(`${base()}/..%2f..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${base()}/assets/../../../../etc/passwd`)).status).toBe(404);
  });

  it('refuses a Host it does not serve (DNS rebinding)', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: server.port, path: '/', headers: { host: `evil.example:${server.port}` } }, (res) => resolve(res.statusCode!));
    });
    expect(status).toBe(421);
  });

  it('refuses WebSocket connections without the right token or from a foreign origin', async () => {
    await expect(connect('')).rejects.toThrow('HTTP 401');
    await expect(connect('?token=wrong')).rejects.toThrow('HTTP 401');
    await expect(connect(`?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    const ws = await connect(`?token=${server.token}`, { origin: base() });
    ws.close();
  });

  it('tells a headless user how to update, for status and for a check alike', async () => {
    const ws = await connect();
    for (const [id, channel] of [[900, 'updates.status'], [901, 'updates.check']] as const) {
      const reply = (await call(ws, id, channel, {})) as { ok: true; result: Record<string, unknown> };
      expect(reply).toMatchObject({ ok: true, result: { runtime: 'headless', state: 'unsupported', channel: 'stable', availableVersion: null } });
      expect(UpdateStatusSchema.parse(reply.result).detail).toMatch(/git pull && npm ci/);
      expect(reply.result.currentVersion).toBe(core.status().version);
    }
    ws.close();
  });

  it('answers every channel over the wire, and refuses malformed frames while staying up', async () => {
    const ws = await connect();
    let id = 1;
    for (const channel of requestChannels) {
      expect(await call(ws, id++, channel, validArgs[channel])).toMatchObject(expectedWithoutNetwork(channel));
      expect(await call(ws, id++, channel, { ...(validArgs[channel] as object), extra: true })).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
    }
    const errors: unknown[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.kind === 'error') errors.push(m.error);
    });
    ws.send('not json');
    ws.send(JSON.stringify({ id: 'x', channel: 'system.status' }));
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await call(ws, id, 'system.ping', { nonce: 'still-here' })).toMatchObject({ ok: true, result: { nonce: 'still-here' } });
    expect(errors).toHaveLength(3);
    ws.close();
  });

  it('closes a socket that sends an oversized frame, and keeps serving others', async () => {
    const ws = await connect();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(200 * 1024));
    expect(await closed).toBe(1009);
    const again = await connect();
    expect(await call(again, 1, 'system.status', {})).toMatchObject({ ok: true });
    again.close();
  });

  it('pushes events to connected dashboards', async () => {
    const ws = await connect();
    const frame = new Promise((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.kind === 'event' && m.event === 'telemetry') resolve(m.payload);
      }),
    );
    const sent = core.sampler.tick();
    expect(await frame).toEqual(sent);
    expect(server.dashboards()).toBe(1); // so the worker lists GPU processes often while it is open
    ws.close();
    for (let waited = 0; server.dashboards() > 0 && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(server.dashboards()).toBe(0);
  });

  it('answers HTTP RPC with the bearer token only', async () => {
    const post = (headers: Record<string, string>, body = '{}') =>
      fetch(`${base()}/api/rpc/system.status`, { method: 'POST', headers, body });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${server.token}` }, 'nope')).status).toBe(400);
    const ok = await post({ authorization: `Bearer ${server.token}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, result: { runtime: 'headless' } });
  });

  it('compares tokens without short-circuiting on length', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abd', 'abc')).toBe(false);
    expect(tokensEqual('', 'abc')).toBe(false);
    expect(tokensEqual(null, 'abc')).toBe(false);
  });
});

describe('headless server under hostile input', () => {
  const get = (target: string) => rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);

  it.each(['/%', '/%00', '/a%2', '/%E0%A4%A', '/assets/%ff', '/index.html%00.js', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/..%5c..%5cwindows', `/${'a'.repeat(5000)}`, '/assets/%c0%ae%c0%ae/'])(
    'answers the path %s with a refusal and stays up',
    async (target) => {
      expect(await get(target)).toMatch(/^HTTP\/1\.1 (400|403|404) /);
      expect((await fetch(`${base()}/`)).status).toBe(200);
    },
  );

  it('answers HEAD without a body', async () => {
    const res = await fetch(`${base()}/index.html`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('survives an authenticated request body that is cut off by a reset', async () => {
    for (let i = 0; i < 3; i++) {
      await cutOff(server.port, `POST /api/rpc/system.status HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${server.token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`, 50);
    }
    await new Promise((r) => setTimeout(r, 100));
    const ok = await fetch(`${base()}/api/rpc/system.status`, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body: '{}' });
    expect(ok.status).toBe(200);
  });

  it('survives a WebSocket upgrade reset before the handshake, and garbage instead of HTTP', async () => {
    await cutOff(server.port, `GET /ws?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`);
    expect(await rawRequest(server.port, '\u0000\u0001 not http at all\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${base()}/`)).status).toBe(200);
  });
});

describe('a handler that fails does not end the process', () => {
  let failing: HeadlessServer;
  const logged: string[] = [];
  beforeAll(async () => {
    let n = 0;
    // Throws, rejects, then answers: each path of the guard in turn.
    const dispatch = (async (channel: string) => {
      if (channel === 'system.ping') return { ok: true, result: { nonce: 'up' } };
      if (n++ % 2 === 0) throw new Error('boom in a handler');
      return Promise.reject(new Error('rejected in a handler'));
    }) as unknown as Parameters<typeof startHeadlessServer>[0]['dispatch'];
    const syncThrow = ((channel: string) => {
      if (channel === 'system.version') throw new Error('thrown synchronously');
      return dispatch(channel, {});
    }) as typeof dispatch;
    failing = await startHeadlessServer({ host: '127.0.0.1', port: 0, rendererDir, dispatch: syncThrow, events: core.events, log: (m) => logged.push(m) });
  });
  afterAll(() => failing.close());

  it('over HTTP: logs it, answers 500 internal, and keeps serving', async () => {
    const post = (channel: string) => fetch(`http://127.0.0.1:${failing.port}/api/rpc/${channel}`, { method: 'POST', headers: { authorization: `Bearer ${failing.token}` }, body: '{}' });
    for (const channel of ['system.status', 'system.status', 'system.version']) {
      const res = await post(channel);
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'internal' } });
    }
    expect(logged.filter((m) => /failed: Error: (boom|rejected|thrown)/.test(m))).toHaveLength(3);
    expect(await (await post('system.ping')).json()).toMatchObject({ ok: true });
  });

  it('over the WebSocket: logs it and keeps serving the socket', async () => {
    const ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${failing.port}/ws?token=${failing.token}`);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    const before = logged.length;
    ws.send(JSON.stringify({ id: 1, channel: 'system.status', args: {} }));
    ws.send(JSON.stringify({ id: 2, channel: 'system.version', args: {} }));
    expect(await call(ws, 3, 'system.ping', {})).toMatchObject({ ok: true, result: { nonce: 'up' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(logged.length - before).toBe(2);
    ws.close();
  });
});

describe('headless server limits', () => {
  it('closes a WebSocket that floods requests, with the reason, and serves the next one', async () => {
    const ws = await connect();
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    for (let i = 0; i < 2000; i++) ws.send(JSON.stringify({ id: i, channel: 'system.ping', args: { nonce: 'x' } }));
    expect(await closed).toEqual({ code: 1008, reason: 'Too many requests: at most 100 a second.' });
    const again = await connect();
    expect(await call(again, 1, 'system.ping', { nonce: 'next' })).toMatchObject({ ok: true });
    again.close();
  });

  it('drops a dashboard that never reads its replies, so it cannot grow the worker', async () => {
    // Every answer is 200 KB on the wire (random, so compression cannot shrink it): a few hundred
    // unread fill more than the kernel's socket buffers.
    const noise = crypto.randomBytes(150_000).toString('base64');
    const big = (async () => ({ ok: true, result: noise })) as unknown as Parameters<typeof startHeadlessServer>[0]['dispatch'];
    const small = await startHeadlessServer({ host: '127.0.0.1', port: 0, rendererDir, dispatch: big, events: core.events, maxUnreadBytes: 1024 * 1024 });
    try {
      const ws = await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${small.port}/ws?token=${small.token}`);
        socket.once('open', () => resolve(socket));
        socket.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      // Stop reading at the TCP level, then ask for large answers: the server must give up on us.
      (ws as unknown as { _socket: import('node:net').Socket })._socket.pause();
      for (let i = 0; i < 250; i++) ws.send(JSON.stringify({ id: i, channel: 'system.status', args: {} }));
      (ws as unknown as { _socket: import('node:net').Socket })._socket.resume();
      expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open'), 8000))])).toBe(1008);
    } finally {
      await small.close();
    }
  }, 30_000);
});
