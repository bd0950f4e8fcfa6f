// app://io-worker: the renderer's files served through protocol.handle (never file://), with the
// CSP on every response and nothing outside the renderer folder reachable.
import fs from 'node:fs/promises';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY, contentType } from '../security-policy.ts';
import { APP_HOST, APP_SCHEME } from './security.ts';

export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  // standard: real origins and relative URLs; secure: treated like https (no mixed-content rules tripped).
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false },
} as const;

export interface SchemeRegistrar {
  registerSchemesAsPrivileged(schemes: (typeof APP_SCHEME_PRIVILEGES)[]): void;
}
export interface ProtocolHandlerHost {
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

/** Must run before the app is ready: Chromium fixes scheme privileges at startup. */
export function registerAppScheme(protocol: SchemeRegistrar): void {
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
}


export const RESPONSE_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;

type ReadFile = (file: string) => Promise<Uint8Array<ArrayBuffer>>;

const refuse = (status: number, text: string) =>
  new Response(`${text}\n`, { status, headers: { ...RESPONSE_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });

export function createAppRequestHandler(rendererDir: string, readFile: ReadFile = (file) => fs.readFile(file)) {
  const root = path.resolve(rendererDir);
  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Method not allowed.');
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refuse(404, 'Unknown host.');
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    } catch {
      return refuse(400, 'Malformed path.');
    }
    if (relative.includes('\0')) return refuse(400, 'Malformed path.');
    const file = path.resolve(root, relative);
    // Encoded dots and slashes (%2e%2e%2f) decode to a path that leaves the folder: refuse it.
    if (!file.startsWith(root + path.sep)) return refuse(403, 'Outside the app.');
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return refuse(404, 'Not found.');
      return refuse(500, 'Could not read the file.');
    }
    const isEntry = path.extname(file) === '.html';
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: {
        ...RESPONSE_HEADERS,
        'content-type': contentType(file),
        // index.html must be fresh after an update; hashed assets never change.
        'cache-control': isEntry ? 'no-store' : 'public, max-age=31536000, immutable',
      },
    });
  };
}

export function serveAppScheme(protocol: ProtocolHandlerHost, rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler(rendererDir));
}
