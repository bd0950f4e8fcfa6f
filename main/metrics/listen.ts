// `--metrics-listen HOST:PORT` (and the app's metrics setting): /metrics on an address of its own,
// for a Prometheus on another host. Every scrape carries the metrics bearer token, loopback too:
// this port may be forwarded, and it shows nothing but /metrics.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tokensEqual } from '../lib/tokens.ts';
import type { MetricsExporter } from './exporter.ts';

export interface MetricsListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

export class ListenAddressError extends Error {}

/** `HOST:PORT`, `[v6]:PORT` or `:PORT` (loopback) into its parts, or a clear error. */
export function parseListenAddress(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new ListenAddressError(`--metrics-listen must be HOST:PORT (e.g. 0.0.0.0:9400 or 127.0.0.1:9400), not ${text}`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

export async function startMetricsListener(options: {
  host: string;
  port: number;
  exporter: Pick<MetricsExporter, 'scrape'>;
  /** The bearer token every scrape must carry; null: none (a loopback address the owner chose). */
  token: (() => string) | null;
  log?: (message: string) => void;
}): Promise<MetricsListener> {
  const server = http.createServer((req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://local');
    const answer = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
      res.end(text);
    };
    if (url.pathname !== '/metrics') return answer(404, 'Only /metrics here.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'Method not allowed.\n');
    const header = req.headers.authorization;
    if (options.token && !tokensEqual(header?.startsWith('Bearer ') ? header.slice(7) : null, options.token())) {
      return answer(401, 'Missing or wrong bearer token (see the metrics-token file in the data dir).\n', { 'www-authenticate': 'Bearer' });
    }
    options.exporter.scrape().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        options.log?.(`metrics scrape failed: ${(error as Error)?.message ?? String(error)}`);
        answer(500, 'The scrape failed; see the worker log.\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
