// What the shell's hardening must look like, written out in full once for every test that checks
// it: tests compare what the code hands to Electron against these with exact equality, so a key
// added, removed or changed anywhere (plugins, bypassCSP, a relaxed CSP directive) fails a test.
// Never derive these from the production constants: a test that compares the code with itself
// cannot fail.
import { expect } from 'vitest';

/** The complete webPreferences of the dashboard window; nothing more, nothing less. */
export function expectedWebPreferences(preload: unknown, devTools: boolean): Record<string, unknown> {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools,
  };
}

/** The complete registration of app://: standard and secure, and no CSP bypass or other extra. */
export const EXPECTED_APP_SCHEME = {
  scheme: 'app',
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false, codeCache: true },
};

/** A Content-Security-Policy header as a browser reads it: directive name -> each occurrence's sources. */
export function parseCsp(header: string | null): Map<string, string[][]> {
  const directives = new Map<string, string[][]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/).filter(Boolean);
    if (!name) continue;
    const key = name.toLowerCase();
    directives.set(key, [...(directives.get(key) ?? []), sources]);
  }
  return directives;
}

/** The directives that keep the dashboard locked down, each exactly as it must be served. */
const STRICT_DIRECTIVES: Record<string, string[]> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** Asserts a served CSP header: the strict directives exactly, each directive once, no unsafe or remote sources. */
export function expectStrictCsp(header: string | null): void {
  expect(header, 'a Content-Security-Policy header').toBeTruthy();
  const directives = parseCsp(header);
  for (const [name, sources] of Object.entries(STRICT_DIRECTIVES)) {
    expect(directives.get(name), `CSP ${name}`).toEqual([sources]);
  }
  for (const [name, occurrences] of directives) {
    expect(occurrences, `CSP ${name} appears once`).toHaveLength(1);
    for (const source of occurrences[0]) {
      expect(source, `CSP ${name} source`).not.toMatch(/^'unsafe-|\*|^https?:|^(ws|wss|blob|filesystem):/);
    }
  }
}
