// `io-worker serve`: the built dashboard over HTTP and the contract over one WebSocket, on loopback
// by default. Static files carry no data; every data path (WebSocket, /api/rpc) needs the random
// token, and browsers must come from our own origin (no other site, no DNS rebinding).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  MAX_PAYLOAD_BYTES,
  WireRequestSchema,
  eventChannels,
  type WireMessage,
} from '../../preload/contract/index.ts';
import { fail, type Dispatch } from '../dispatch.ts';
import { firstAnswers, withFirstAnswers } from './first-answers.ts';
import type { EventBus } from '../events.ts';
import { TokenBucket } from '../lib/rate-limit.ts';
import { tokensEqual } from '../lib/tokens.ts';
import { STATIC_HEADERS, createStaticFiles } from '../static-files.ts';

export interface HeadlessOptions {
  host: string;
  port: number;
  rendererDir: string;
  dispatch: Dispatch;
  events: EventBus;
  /** The token, or where to read the current one (a rotated token file); by default 32 random bytes per run. */
  token?: string | (() => string);
  /** `GET /metrics` in the Prometheus text format: open to loopback clients, else the bearer token of `metricsToken` or the dashboard's. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  metricsToken?: () => string;
  /** Where a request handler's unexpected error is written (it never ends the process); default stderr. */
  log?: (message: string) => void;
  /** Bytes a dashboard may leave unread before it is dropped (tests set it small). */
  maxUnreadBytes?: number;
}

export interface HeadlessServer {
  url: string;
  token: string;
  port: number;
  /** Dashboards connected now (open WebSockets). */
  dashboards(): number;
  close(): Promise<void>;
}


/** A dashboard page asks a few dozen things at once; a script asking more than this is cut off. */
const REQUEST_BURST = 300;
const REQUESTS_PER_SECOND = 100;
/** Replies and events a dashboard may leave unread before it is dropped. */
const MAX_UNREAD_BYTES = 8 * 1024 * 1024;

export { tokensEqual };

/** Host names a browser may use to reach us; anything else is DNS rebinding or a proxy mistake. */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([host, '127.0.0.1', 'localhost', '[::1]']);
  return new Set([...names].map((name) => `${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${port}`));
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';
/** A client on this machine: Prometheus next to the worker needs no token. */
export const isLoopback = (address: string | undefined) => !!address && /^(127\.|::1$|::ffff:127\.)/.test(address);

function bearer(req: http.IncomingMessage): string | null {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : null;
}

export async function startHeadlessServer(options: HeadlessOptions): Promise<HeadlessServer> {
  const fixed = typeof options.token === 'string' ? options.token : crypto.randomBytes(32).toString('base64url');
  const currentToken = typeof options.token === 'function' ? options.token : () => fixed;
  const rendererDir = path.resolve(options.rendererDir);
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`The dashboard is not built (${rendererDir}/index.html is missing): run \`npm run build\`.`);
  }
  let hosts = new Set<string>();

  // Bound to every interface, the machine's own addresses are unknown here: the token guards alone.
  const hostAllowed = (req: http.IncomingMessage) => isWildcard(options.host) || hosts.has(req.headers.host ?? '');
  const originAllowed = (req: http.IncomingMessage) => {
    const origin = req.headers.origin;
    // Non-browser clients (curl, scripts) send no Origin; the token still guards them.
    return origin === undefined || origin === `http://${req.headers.host}`;
  };

  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const files = createStaticFiles(rendererDir);
  // The top-level guard: whatever a handler throws or rejects with is logged and answered with a
  // 500; the worker stays up (a crash would take it offline and reset its uptime streak).
  const guarded = (where: string, res: http.ServerResponse | null, run: () => unknown) => {
    const onError = (error: unknown) => {
      log(`io-worker serve: ${where} failed: ${(error as Error)?.stack ?? String(error)}`);
      if (res && !res.headersSent && !res.destroyed) send(res, 500, JSON.stringify(fail('internal', 'The request failed.')), 'application/json');
      else res?.destroy();
    };
    try {
      const result = run();
      if (result instanceof Promise) result.catch(onError);
    } catch (error) {
      onError(error);
    }
  };

  const server = http.createServer((req, res) => guarded(`${req.method} request`, res, () => {
    // A client that resets mid-request must not surface as an unhandled 'error' event.
    req.on('error', () => {});
    res.on('error', () => {});
    if (!hostAllowed(req)) return send(res, 421, 'Unknown host.\n');
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname.startsWith('/api/')) return handleApi(req, res, url);
    if (url.pathname === '/metrics' && options.metrics) return handleMetrics(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.\n');
    return serveStatic(url, req.method === 'HEAD', res);
  }));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    if (!originAllowed(req)) return send(res, 403, JSON.stringify(fail('forbidden', 'Foreign origin.')), 'application/json');
    if (!tokensEqual(bearer(req), currentToken())) {
      return send(res, 401, JSON.stringify(fail('forbidden', 'Missing or wrong token.')), 'application/json');
    }
    const match = /^\/api\/rpc\/([\w.]+)$/.exec(url.pathname);
    if (!match || req.method !== 'POST') return send(res, 404, JSON.stringify(fail('not-found', 'POST /api/rpc/<channel>')), 'application/json');
    const read = await readBody(req, MAX_PAYLOAD_BYTES);
    if ('failed' in read) {
      if (read.failed === 'aborted') return res.destroy(); // the client went away: nobody to answer
      return send(res, 413, JSON.stringify(fail('bad-request', 'Payload too large.')), 'application/json');
    }
    let args: unknown;
    try {
      args = read.text ? JSON.parse(read.text) : {};
    } catch {
      return send(res, 400, JSON.stringify(fail('bad-request', 'Body is not JSON.')), 'application/json');
    }
    const reply = await options.dispatch(match[1], args);
    send(res, reply.ok ? 200 : 400, JSON.stringify(reply), 'application/json');
  }

  async function handleMetrics(req: http.IncomingMessage, res: http.ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.\n');
    const given = bearer(req);
    const open = isLoopback(req.socket.remoteAddress);
    if (!open && !tokensEqual(given, currentToken()) && !(options.metricsToken && tokensEqual(given, options.metricsToken()))) {
      res.setHeader('www-authenticate', 'Bearer');
      return send(res, 401, 'Missing or wrong bearer token.\n');
    }
    const { contentType, body } = await options.metrics!();
    send(res, 200, req.method === 'HEAD' ? '' : body, contentType);
  }

  async function serveStatic(url: URL, headOnly: boolean, res: http.ServerResponse) {
    const answer = await files(url.pathname);
    if (!answer.ok) return send(res, answer.status === 403 ? 404 : answer.status, `${answer.text}\n`);
    let body = answer.body;
    // The page itself, asked for with its token: it comes with the dashboard's first answers.
    const isPage = url.pathname === '/' || url.pathname === '/index.html';
    if (isPage && !headOnly && tokensEqual(url.searchParams.get('token'), currentToken())) {
      body = withFirstAnswers(body, await firstAnswers(options.dispatch));
    }
    res.writeHead(200, answer.headers);
    res.end(headOnly ? undefined : body);
  }

  // Compressed (permessage-deflate): an 8-GPU telemetry frame is 12.5 KB of JSON, and the page
  // receives each chunk of a message as a task of its own (bench/dashboard.bench.ts). `ws` checks
  // maxPayload after inflating, so a compressed message cannot grow past it.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD_BYTES,
    perMessageDeflate: { threshold: 1024, zlibDeflateOptions: { level: 1, memLevel: 7 }, serverMaxWindowBits: 12 },
  });
  server.on('upgrade', (req, socket, head) => guarded('WebSocket upgrade', null, () => {
    // Node drops its own error listener from an upgraded socket: a reset must not crash us.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://local');
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    if (!hostAllowed(req) || !originAllowed(req)) return reject(403, 'Forbidden');
    if (!tokensEqual(url.searchParams.get('token'), currentToken())) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  }));

  function attach(ws: WebSocket) {
    const sendMessage = (message: WireMessage) => {
      if (ws.readyState !== ws.OPEN) return;
      // A dashboard that never reads its replies must not grow the worker: drop it, saying why.
      if (ws.bufferedAmount > (options.maxUnreadBytes ?? MAX_UNREAD_BYTES)) return ws.close(1008, 'The dashboard stopped reading; reload the page.');
      ws.send(JSON.stringify(message));
    };
    const requests = new TokenBucket(REQUEST_BURST, REQUESTS_PER_SECOND);
    const unsubscribe = eventChannels.map((event) =>
      options.events.on(event, (payload) => sendMessage({ kind: 'event', event, payload })),
    );
    // Each request in its own turn of the event loop: a burst (a page's charts asking at once) is
    // answered one by one as each is ready, not all together once the whole burst has run.
    ws.on('message', (data, isBinary) => {
      if (!requests.take()) return ws.close(1008, `Too many requests: at most ${REQUESTS_PER_SECOND} a second.`);
      setImmediate(() => guarded('WebSocket request', null, () => answer(data, isBinary)));
    });
    const answer = async (data: RawData, isBinary: boolean) => {
      let frame: unknown;
      try {
        frame = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        frame = undefined;
      }
      const request = WireRequestSchema.safeParse(frame);
      if (!request.success) {
        return sendMessage({ kind: 'error', error: { code: 'bad-request', message: 'Expected {id, channel, args} as JSON text.' } });
      }
      const reply = await options.dispatch(request.data.channel, request.data.args);
      sendMessage({ kind: 'reply', id: request.data.id, reply });
    };
    ws.on('close', () => unsubscribe.forEach((off) => off()));
    ws.on('error', () => ws.terminate());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(options.host, port);
  const shownHost = isWildcard(options.host) ? '127.0.0.1' : options.host;
  const hostInUrl = shownHost.includes(':') ? `[${shownHost}]` : shownHost;

  const token = currentToken();
  return {
    url: `http://${hostInUrl}:${port}/?token=${token}`,
    token,
    port,
    dashboards: () => wss.clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { ...STATIC_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** A request body as text, up to `limit` bytes; an aborted or reset upload is a value, not a throw. */
async function readBody(req: http.IncomingMessage, limit: number): Promise<{ text: string } | { failed: 'too-big' | 'aborted' }> {
  let text = '';
  req.setEncoding('utf8');
  try {
    for await (const chunk of req) {
      text += chunk;
      if (text.length > limit) return { failed: 'too-big' };
    }
  } catch {
    return { failed: 'aborted' };
  }
  return req.complete ? { text } : { failed: 'aborted' };
}
