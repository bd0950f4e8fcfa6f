// app://io-worker: the renderer's files served through protocol.handle (never file://), with the
// CSP on every response and nothing outside the renderer folder reachable.
import { STATIC_HEADERS, createStaticFiles, type ReadFile } from '../static-files.ts';
import { APP_HOST, APP_SCHEME } from './security.ts';

export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  // standard: real origins and relative URLs; secure: treated like https (no mixed-content rules tripped);
  // codeCache: V8 keeps the compiled dashboard between launches, as Chromium does for http pages
  // (compiling its 250 KB of script is a large part of a first paint here, bench/dashboard.bench.ts).
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false, codeCache: true },
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


/** The headers of every app:// answer: the same as headless serves. */
export const RESPONSE_HEADERS = STATIC_HEADERS;

const refuse = (status: number, text: string) =>
  new Response(`${text}\n`, { status, headers: { ...RESPONSE_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });

export function createAppRequestHandler(rendererDir: string, readFile?: ReadFile) {
  const files = createStaticFiles(rendererDir, readFile);
  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'Method not allowed.');
    const url = new URL(request.url);
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return refuse(404, 'Unknown host.');
    const answer = await files(url.pathname);
    if (!answer.ok) return refuse(answer.status, answer.text);
    return new Response(request.method === 'HEAD' ? null : (answer.body as Uint8Array<ArrayBuffer>), { status: 200, headers: answer.headers });
  };
}

export function serveAppScheme(protocol: ProtocolHandlerHost, rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppRequestHandler(rendererDir));
}
