import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../security-policy.ts';
import { EXPECTED_APP_SCHEME, expectStrictCsp } from './hardening.test-helpers.ts';
import { APP_SCHEME_PRIVILEGES, createAppRequestHandler, registerAppScheme, serveAppScheme } from './protocol.ts';

let root: string;
let rendererDir: string;
let handler: ReturnType<typeof createAppRequestHandler>;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-protocol-'));
  rendererDir = path.join(root, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>IO Worker</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'index-abc.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'device key');
  handler = createAppRequestHandler(rendererDir);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

describe('app:// scheme', () => {
  it('is registered privileged, standard and secure before ready', () => {
    const registered: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (schemes) => registered.push(...schemes) });
    expect(registered).toEqual([APP_SCHEME_PRIVILEGES]);
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true } });
  });

  it('is registered with exactly its privileges: no bypassCSP or any other extra', () => {
    const registered: unknown[][] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (schemes) => void registered.push(schemes) });
    expect(registered).toStrictEqual([[EXPECTED_APP_SCHEME]]);
  });

  it('is served through protocol.handle', async () => {
    const handled: [string, (request: Request) => Response | Promise<Response>][] = [];
    serveAppScheme({ handle: (scheme, h) => void handled.push([scheme, h]) }, rendererDir);
    expect(handled.map(([scheme]) => scheme)).toEqual(['app']);
    // The handler it registers is the one that serves the files, with the strict CSP.
    const response = await handled[0][1](new Request('app://io-worker/index.html'));
    expect(response.status).toBe(200);
    expectStrictCsp(response.headers.get('content-security-policy'));
  });

  it('serves the entry page with the strict CSP and no caching', async () => {
    const response = await get('app://io-worker/index.html');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('IO Worker');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expectStrictCsp(response.headers.get('content-security-policy'));
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('app://io-worker/')).status).toBe(200);
  });

  it('serves hashed assets as immutable scripts', async () => {
    const response = await get('app://io-worker/assets/index-abc.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toContain('immutable');
  });

  it.each([
    'app://io-worker/%2e%2e/secret.txt',
    'app://io-worker/..%2fsecret.txt',
    'app://io-worker/assets/..%2f..%2fsecret.txt',
    'app://io-worker/%2E%2E%5Csecret.txt',
  ])('refuses path traversal: %s', async (url) => {
    const response = await get(url);
    expect([403, 404]).toContain(response.status);
    expect(await response.text()).not.toContain('device key');
  });

  it('answers 404 for missing files and directories, 400 for broken encodings', async () => {
    expect((await get('app://io-worker/nope.js')).status).toBe(404);
    expect((await get('app://io-worker/assets')).status).toBe(404);
    expect((await get('app://io-worker/%E0%A4%A')).status).toBe(400);
    expect((await get('app://io-worker/a%00b')).status).toBe(400);
  });

  it('refuses other hosts and methods', async () => {
    expect((await get('app://other-host/index.html')).status).toBe(404);
    expect((await handler(new Request('app://io-worker/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('keeps the CSP on refusals too', async () => {
    const response = await get('app://io-worker/nope.js');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expectStrictCsp(response.headers.get('content-security-policy'));
  });

  it('serves a CSP that forbids framing the dashboard anywhere: frame-ancestors exactly none', async () => {
    for (const url of ['app://io-worker/index.html', 'app://io-worker/assets/index-abc.js', 'app://io-worker/nope.js', 'app://other-host/']) {
      const header = (await get(url)).headers.get('content-security-policy');
      const frameAncestors = (header ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter(([name]) => name?.toLowerCase() === 'frame-ancestors');
      expect(frameAncestors, url).toEqual([['frame-ancestors', "'none'"]]);
    }
  });

  it('turns an unreadable file into a 500 without details', async () => {
    const broken = createAppRequestHandler(rendererDir, async () => {
      throw Object.assign(new Error('EACCES: /home/user/secret'), { code: 'EACCES' });
    });
    const response = await broken(new Request('app://io-worker/index.html'));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('/home/user');
  });
});
