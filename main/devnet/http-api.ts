// The coordinator's HTTP side (node:http, routed by find-my-way): the explorer, registration and
// signed account calls, the speed test, and the operator's calls. Every refusal is one JSON error.
import crypto from 'node:crypto';
import http from 'node:http';
import FindMyWay from 'find-my-way';
import { z } from 'zod';
import { HireOrderSchema } from '../worker/protocol.ts';
import { MAX_BODY_BYTES, ProtocolError, type Rooms, type Viewer } from './context.ts';
import { hireView } from './explorer.ts';
import { withFleet } from './fleet.ts';
import { drained } from './link-measure.ts';

const MAX_SPEEDTEST_BYTES = 16 * 1024 * 1024;
/** Speed tests running at once, from everyone: each moves up to 16 MiB, so a flood must queue elsewhere. */
const MAX_SPEEDTESTS = 8;
const METHODS = ['GET', 'POST'] as const;

type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
type Query = Record<string, string | string[] | undefined>;
type Handler = (req: http.IncomingMessage, res: http.ServerResponse, params: Record<string, string | undefined>, store: unknown, query: Query) => unknown;

const HireRequestSchema = z.object({
  deviceId: z.string().max(64),
  hours: z.number().positive().max(24 * 30),
  workload: HireOrderSchema.shape.workload,
}).strict();

/** The server, its requests routed; WebSocket upgrades on /v1/session go to the sessions. */
export function createHttpServer(c: Rooms, adminToken: string): http.Server {
  const router = routes(c, adminToken);
  const server = http.createServer((req, res) => {
    // A client that resets mid-request must not surface as an unhandled 'error' event.
    req.on('error', () => {});
    res.on('error', () => {});
    dispatch(router, req, res).catch((error: unknown) => fail(c, res, error));
  });
  server.on('upgrade', (req, socket, head) => {
    // Node drops its own error listener from an upgraded socket: a reset must not crash us.
    socket.on('error', () => socket.destroy());
    if (pathOf(req.url) !== '/v1/session') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    c.sessions.accept(req, socket, head);
  });
  return server;
}

function routes(c: Rooms, adminToken: string): Router {
  const { explorer, devices, hires, params } = c;
  const speedTests = atMost(MAX_SPEEDTESTS);
  const router = FindMyWay({
    // `/v1/devices/` and `/v1//devices` still name `/v1/devices`, as they did before find-my-way.
    ignoreTrailingSlash: true,
    ignoreDuplicateSlashes: true,
    onBadUrl: (path) => {
      throw new ProtocolError('bad-url', `Malformed request URL ${JSON.stringify(path)} (a bad percent-escape?)`, 400);
    },
  });
  // The store of a route is its pattern: a malformed URL's stand-in handle has none.
  const on = (method: (typeof METHODS)[number], path: string, handler: Handler) => router.on(method, path, handler, path);
  const admin = (req: http.IncomingMessage) => requireAdmin(req, adminToken);

  on('GET', '/v1/info', (_, res) => json(res, explorer.info()));
  on('GET', '/v1/params', (_, res) => json(res, params));
  on('GET', '/v1/ping', (_, res) => json(res, { t: Date.now() }));
  on('GET', '/v1/speedtest', (_, res, __, ___, query) => speedTests(async () => {
    const bytes = Math.min(MAX_SPEEDTEST_BYTES, Math.max(1, Number(first(query.bytes)) || 1024 * 1024));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes, 'cache-control': 'no-store' });
    // Written as the reader takes it: a reader that never reads holds one chunk, not the whole test.
    for (let sent = 0; sent < bytes && !res.destroyed; sent += SPEEDTEST_CHUNK.length) {
      if (!res.write(SPEEDTEST_CHUNK.subarray(0, Math.min(SPEEDTEST_CHUNK.length, bytes - sent)))) await drained(res);
    }
    res.end();
  }));
  on('POST', '/v1/speedtest', (req, res) => speedTests(async () => {
    const started = process.hrtime.bigint();
    // Counted, not kept: the bytes only prove the upload.
    const bytes = await countBody(req, MAX_SPEEDTEST_BYTES);
    json(res, { bytes, ms: Number(process.hrtime.bigint() - started) / 1e6 });
  }));
  // The network's link measurement (link-measure.ts): the worker fetches, then sends back, what it was told to.
  on('GET', '/v1/link/:probe', (_, res, p) => c.link.download(res, p.probe!));
  on('POST', '/v1/link/:probe', (req, res, p) => c.link.upload(req, res, p.probe!));
  const viewer = (req: http.IncomingMessage) => viewerOf(c, req, adminToken);
  on('GET', '/v1/devices', (req, res) => json(res, withFleet(c, explorer.devices(viewer(req)))));
  on('POST', '/v1/devices', async (req, res) => json(res, explorer.deviceView(devices.register(await readJson(req), req.socket.remoteAddress ?? 'unknown')), 201));
  on('GET', '/v1/devices/:id', (req, res, p) => json(res, explorer.device(p.id!, viewer(req))));
  on('GET', '/v1/devices/:id/heartbeats', (req, res, p) => json(res, explorer.heartbeats(p.id!, viewer(req))));
  on('POST', '/v1/signed', async (req, res) => json(res, devices.accountOp(await readJson(req))));
  // Pairing another machine into an account (pairing.ts, docs/protocol.md "Pairing").
  on('POST', '/v1/pairing/codes', async (req, res) => json(res, c.pairing.issue(await readJson(req)), 201));
  on('POST', '/v1/pairing/redeem', async (req, res) => json(res, c.pairing.redeem(await readJson(req), req.socket.remoteAddress ?? 'unknown')));
  on('GET', '/v1/pairing/pending', (req, res) => json(res, c.pairing.pending(viewer(req))));
  on('POST', '/v1/pairing/confirm', async (req, res) => json(res, c.pairing.confirm(await readJson(req))));
  on('POST', '/v1/alert-channels', async (req, res) => json(res, c.offlineAlerts.register(await readJson(req))));
  on('GET', '/v1/accounts/:id', (req, res, p) => json(res, explorer.account(p.id!, viewer(req))));
  on('GET', '/v1/blocks', (_, res, __, ___, query) => json(res, explorer.blocks(Math.min(500, Math.max(1, Number(first(query.limit)) || 50)))));
  on('GET', '/v1/blocks/:id', (_, res, p) => json(res, explorer.block(p.id!)));
  on('GET', '/v1/totals', (_, res) => json(res, explorer.totals()));
  on('GET', '/v1/hires', (req, res) => json(res, explorer.hires(viewer(req))));
  for (const action of ['block', 'unblock'] as const) {
    on('POST', `/v1/devices/:id/${action}`, (req, res, p) => {
      admin(req);
      json(res, explorer.deviceView(devices.setBlocked(p.id!, action === 'block')));
    });
  }
  on('POST', '/v1/hires', async (req, res) => {
    admin(req);
    const body = HireRequestSchema.safeParse(await readJson(req));
    if (!body.success) throw new ProtocolError('bad-body', `Bad hire: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    json(res, hireView(hires.hire(body.data.deviceId, body.data.hours, body.data.workload)), 201);
  });
  return router;
}

async function dispatch(router: Router, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const found = (METHODS as readonly string[]).includes(method) ? router.find(method as FindMyWay.HTTPMethod, url) : null;
  if (found) {
    await found.handler(req, res, found.params, found.store, found.searchParams);
    return;
  }
  const path = url.split('?')[0];
  const allowed = METHODS.filter((m) => m !== method && router.find(m, url)?.store);
  if (allowed.length) {
    res.setHeader('allow', allowed.join(', '));
    throw new ProtocolError('method-not-allowed', `${method} is not allowed on ${path}; use ${allowed.join(' or ')}.`, 405);
  }
  if (!/^\/+v1(\/|$)/.test(path)) throw new ProtocolError('not-found', 'Unknown path; the API lives under /v1.', 404);
  throw new ProtocolError('not-found', `No route ${method} ${path}`, 404);
}

function json(res: http.ServerResponse, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  // No CORS header: other sites' pages may not read this API from a visitor's browser.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...unreadBody(res) });
  res.end(text);
}

/** A body we did not read to its end (too large, endless, refused early) ends the connection, or Node reads on to discard it. */
function unreadBody(res: http.ServerResponse): { connection?: string } {
  return res.req.complete ? {} : { connection: 'close' };
}

const SPEEDTEST_CHUNK = Buffer.alloc(64 * 1024, 7);

/** Runs at most `slots` requests at once; the rest are told to come back (429), in words. */
function atMost(slots: number) {
  let running = 0;
  return async (run: () => Promise<void>): Promise<void> => {
    if (running >= slots) throw new ProtocolError('busy', `The coordinator is running ${running} speed tests already; try again in a minute.`, 429);
    running++;
    try {
      await run();
    } finally {
      running--;
    }
  };
}

function fail(c: Rooms, res: http.ServerResponse, error: unknown): void {
  const e = error instanceof ProtocolError ? error : new ProtocolError('internal', 'Internal error; see the coordinator log.', 500);
  if (e.code === 'internal') c.log(`http error: ${(error as Error)?.stack ?? error}`);
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify({ error: { code: e.code, message: e.message } });
  res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...unreadBody(res) });
  res.end(text);
}

/**
 * Who is reading: the operator (the admin token), an owner (a device or account that signed a `read`
 * of this very path: `Authorization: IoWorker <base64url envelope>`), or the public. A bad
 * signature is refused, not read as public, so a broken client finds out.
 */
function viewerOf(c: Rooms, req: http.IncomingMessage, adminToken: string): Viewer {
  const header = req.headers.authorization ?? '';
  if (header.startsWith('Bearer ')) {
    requireAdmin(req, adminToken);
    return { kind: 'operator' };
  }
  const signed = /^IoWorker ([\w-]+)$/.exec(header)?.[1];
  if (!signed) return { kind: 'public' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(signed, 'base64url').toString('utf8'));
  } catch {
    throw new ProtocolError('bad-envelope', 'The IoWorker authorization is not a base64url JSON envelope.', 401);
  }
  const { env, body } = c.devices.open(raw, 'read');
  if (body.path !== pathOf(req.url)) throw new ProtocolError('forbidden', 'This signed read is for another path.', 403);
  // A paired machine's key reads as the owner's account (pairing.ts); a revoked one is refused there.
  return { kind: 'owner', signer: c.pairing.accountOf(env.signer) };
}

function requireAdmin(req: http.IncomingMessage, adminToken: string): void {
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(adminToken);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    throw new ProtocolError('forbidden', 'This call needs the coordinator\'s admin token (Authorization: Bearer …).', 403);
  }
}

/** The path of a request target, or null when it is no URL at all. */
function pathOf(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://x').pathname;
  } catch {
    return null;
  }
}

/** A repeated query parameter counts by its first value, as URLSearchParams.get reads it. */
function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ProtocolError('too-large', `Body over ${limit} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function countBody(req: http.IncomingMessage, limit: number): Promise<number> {
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ProtocolError('too-large', `Body over ${limit} bytes`, 413);
  }
  return size;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProtocolError('bad-body', 'The body is not JSON.');
  }
}
