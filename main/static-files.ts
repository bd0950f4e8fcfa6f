// One static file server for the dashboard's files, used by both app:// (the app) and HTTP
// (`io-worker serve`): a hostile path (bad escapes, NUL bytes, encoded dots and slashes) gets a
// refusal, never an exception, and nothing outside the renderer folder is ever read.
import fs from 'node:fs/promises';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY, contentType } from './security-policy.ts';

/** Headers on every answer, file or refusal. */
export const STATIC_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // The headless token travels in the address; never let it leak to another site through Referer.
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
} as const;

export type StaticAnswer =
  | { ok: true; body: Uint8Array; headers: Record<string, string> }
  | { ok: false; status: 400 | 403 | 404 | 500; text: string };

export type ReadFile = (file: string) => Promise<Uint8Array>;

/** The file a URL path names inside `root`, or why not; never throws. */
export function resolveStaticPath(root: string, pathname: string): { file: string } | { status: 400 | 403; text: string } {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname).replace(/^\/+/, '') || 'index.html';
  } catch {
    return { status: 400, text: 'Malformed path.' };
  }
  if (relative.includes('\0')) return { status: 400, text: 'Malformed path.' };
  const file = path.resolve(root, relative);
  // Encoded dots and slashes (%2e%2e%2f) decode to a path that leaves the folder: refuse it.
  if (!file.startsWith(root + path.sep)) return { status: 403, text: 'Outside the dashboard.' };
  return { file };
}

export function createStaticFiles(rendererDir: string, readFile: ReadFile = (file) => fs.readFile(file)) {
  const root = path.resolve(rendererDir);
  return async (pathname: string): Promise<StaticAnswer> => {
    const resolved = resolveStaticPath(root, pathname);
    if (!('file' in resolved)) return { ok: false, ...resolved };
    let body: Uint8Array;
    try {
      body = await readFile(resolved.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return { ok: false, status: 404, text: 'Not found.' };
      return { ok: false, status: 500, text: 'Could not read the file.' };
    }
    const isEntry = path.extname(resolved.file) === '.html';
    return {
      ok: true,
      body,
      headers: {
        ...STATIC_HEADERS,
        'content-type': contentType(resolved.file),
        // index.html must be fresh after an update; hashed assets never change.
        'cache-control': isEntry ? 'no-store' : 'public, max-age=31536000, immutable',
      },
    };
  };
}
