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
} from '../../preload/contract.ts';
import { fail, type Dispatch } from '../dispatch.ts';
import type { EventBus } from '../events.ts';
import { CONTENT_SECURITY_POLICY, contentType } from '../security-policy.ts';

export interface HeadlessOptions {
  host: string;
  port: number;
  rendererDir: string;
  dispatch: Dispatch;
  events: EventBus;
  /** Fixed token for tests; by default 32 random bytes per run. */
  token?: string;
}

export interface HeadlessServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}


const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // The token travels in the address; never let it leak to another site through Referer.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export function tokensEqual(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** Host names a browser may use to reach us; anything else is DNS rebinding or a proxy mistake. */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([host, '127.0.0.1', 'localhost', '[::1]']);
  return new Set([...names].map((name) => `${name.includes(':') && !name.startsWith('[') ? `[${name}]` : name}:${port}`));
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

function bearer(req: http.IncomingMessage): string | null {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7) : null;
}

export async function startHeadlessServer(options: HeadlessOptions): Promise<HeadlessServer> {
  const token = options.token ?? crypto.randomBytes(32).toString('base64url');
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

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req)) return send(res, 421, 'Unknown host.\n');
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname.startsWith('/api/')) return void handleApi(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.\n');
    serveStatic(url.pathname, res);
  });

  async function handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
    if (!originAllowed(req)) return send(res, 403, JSON.stringify(fail('forbidden', 'Foreign origin.')), 'application/json');
    if (!tokensEqual(bearer(req), token)) {
      return send(res, 401, JSON.stringify(fail('forbidden', 'Missing or wrong token.')), 'application/json');
    }
    const match = /^\/api\/rpc\/([\w.]+)$/.exec(url.pathname);
    if (!match || req.method !== 'POST') return send(res, 404, JSON.stringify(fail('not-found', 'POST /api/rpc/<channel>')), 'application/json');
    let body = '';
    let tooBig = false;
    req.setEncoding('utf8');
    for await (const chunk of req) {
      body += chunk;
      if (body.length > MAX_PAYLOAD_BYTES) {
        tooBig = true;
        break;
      }
    }
    if (tooBig) return send(res, 413, JSON.stringify(fail('bad-request', 'Payload too large.')), 'application/json');
    let args: unknown;
    try {
      args = body ? JSON.parse(body) : {};
    } catch {
      return send(res, 400, JSON.stringify(fail('bad-request', 'Body is not JSON.')), 'application/json');
    }
    const reply = await options.dispatch(match[1], args);
    send(res, reply.ok ? 200 : 400, JSON.stringify(reply), 'application/json');
  }

  function serveStatic(pathname: string, res: http.ServerResponse) {
    const relative = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(rendererDir, relative);
    if (!file.startsWith(rendererDir + path.sep)) return send(res, 404, 'Not found.\n');
    fs.readFile(file, (error, data) => {
      if (error) return send(res, 404, 'Not found.\n');
      const type = contentType(file);
      // Hashed assets are immutable; index.html must always be fresh after an update.
      const cache = file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable';
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': cache });
      res.end(data);
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return reject(404, 'Not Found');
    if (!hostAllowed(req) || !originAllowed(req)) return reject(403, 'Forbidden');
    if (!tokensEqual(url.searchParams.get('token'), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket) {
    const sendMessage = (message: WireMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const unsubscribe = eventChannels.map((event) =>
      options.events.on(event, (payload) => sendMessage({ kind: 'event', event, payload })),
    );
    // Each request in its own turn of the event loop: a burst (a page's charts asking at once) is
    // answered one by one as each is ready, not all together once the whole burst has run.
    ws.on('message', (data, isBinary) => setImmediate(() => void answer(data, isBinary)));
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

  return {
    url: `http://${hostInUrl}:${port}/?token=${token}`,
    token,
    port,
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
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
