// Electron's security checklist (electronjs.org/docs/latest/tutorial/security), one test per item,
// each asserting what the code that handles it does. Items that only a running binary can show are
// also covered by e2e/electron.spec.ts; the start-up order (app.enableSandbox before ready, the
// app-wide web-contents-created guard) is shown by running index.ts in index.test.ts.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../security-policy.ts';
import { FakeEmitter, FakeWebContents } from './fakes.test-helpers.ts';
import { EXPECTED_APP_SCHEME, expectStrictCsp, parseCsp } from './hardening.test-helpers.ts';
import { senderProblem } from './ipc.ts';
import { APP_SCHEME_PRIVILEGES, RESPONSE_HEADERS, createAppRequestHandler, registerAppScheme, serveAppScheme } from './protocol.ts';
import { APP_ENTRY_URL, externalUrl, guardSession, guardWebContents, secureWebPreferences } from './security.ts';
import { MainWindow, mainWindowOptions, type WindowLike } from './window.ts';

const root = process.cwd();
const prefs = mainWindowOptions({ preload: '/p.cjs', devTools: false }).webPreferences!;
const shellSources = fs
  .readdirSync(path.join(root, 'main/shell'))
  .filter((f) => f.endsWith('.ts') && !f.includes('.test'))
  .map((f) => fs.readFileSync(path.join(root, 'main/shell', f), 'utf8'));
const guarded = () => {
  const contents = new FakeWebContents();
  const openExternal = vi.fn();
  guardWebContents(contents, { openExternal, log: () => {} });
  return { contents, openExternal };
};
const cspDirective = (name: string) => CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `));
/** The CSP header app:// actually serves for the dashboard's entry page. */
const servedCsp = async () => {
  const serve = createAppRequestHandler('/renderer', async () => new TextEncoder().encode('<!doctype html>'));
  const response = await serve(new Request(APP_ENTRY_URL));
  expect(response.status).toBe(200);
  return response.headers.get('content-security-policy');
};

describe('Electron security checklist', () => {
  it('1. only secure content: the app loads from a secure custom scheme, and the CSP allows no http source', async () => {
    expect(APP_ENTRY_URL.startsWith('app://')).toBe(true);
    expect(APP_SCHEME_PRIVILEGES.privileges.secure).toBe(true);
    const registered: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (schemes) => void registered.push(...schemes) });
    expect(registered).toStrictEqual([EXPECTED_APP_SCHEME]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:/);
    expect(await servedCsp()).not.toMatch(/https?:/);
  });

  it('2. no Node.js integration for remote content (or any content)', () => {
    expect(prefs).toMatchObject({ nodeIntegration: false, nodeIntegrationInWorker: false, nodeIntegrationInSubFrames: false });
  });

  it('3. context isolation on', () => {
    expect(prefs.contextIsolation).toBe(true);
  });

  it('4. process sandboxing: sandbox per window (app.enableSandbox() before ready, whatever the environment: index.test.ts)', () => {
    expect(prefs.sandbox).toBe(true);
  });

  it('5. session permission requests denied', () => {
    const session = new (class extends FakeEmitter {
      request?: (c: unknown, p: string, cb: (g: boolean) => void) => void;
      check?: (c: unknown, p: string) => boolean;
      setPermissionRequestHandler(h: NonNullable<this['request']>) {
        this.request = h;
      }
      setPermissionCheckHandler(h: NonNullable<this['check']>) {
        this.check = h;
      }
    })();
    guardSession(session, () => {});
    const granted = vi.fn();
    session.request?.(null, 'media', granted);
    expect(granted).toHaveBeenCalledWith(false);
    expect(session.check?.(null, 'notifications')).toBe(false);
  });

  it('6. webSecurity not disabled', () => {
    expect(prefs.webSecurity).toBe(true);
  });

  it('7. a Content-Security-Policy on every app:// response: no inline script, no eval, no plugins, no framing', async () => {
    expect(RESPONSE_HEADERS['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(cspDirective('default-src')).toBe("default-src 'none'");
    expect(cspDirective('script-src')).toBe("script-src 'self'");
    expect(cspDirective('object-src')).toBe("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    // What a page served by app:// actually gets.
    const served = await servedCsp();
    expectStrictCsp(served);
    expect(parseCsp(served).get('frame-ancestors')).toEqual([["'none'"]]);
  });

  it('8. allowRunningInsecureContent off', () => {
    expect(prefs.allowRunningInsecureContent).toBe(false);
  });

  it('9. experimental features off', () => {
    expect(prefs.experimentalFeatures).toBe(false);
  });

  it('10. no enableBlinkFeatures', () => {
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(shellSources.join('\n')).not.toMatch(/enableBlinkFeatures\s*:/);
  });

  it('11. no <webview> (so no allowpopups): the tag is off', () => {
    expect(prefs.webviewTag).toBe(false);
  });

  it('12. webview options verified: attaching any webview is refused', () => {
    expect(guarded().contents.emitPreventable('will-attach-webview', {}, {})).toBe(true);
  });

  it('13. navigation limited to app://io-worker', () => {
    const { contents } = guarded();
    expect(contents.emitPreventable('will-navigate', 'https://example.com/')).toBe(true);
    expect(contents.emitPreventable('will-navigate', 'app://io-worker/index.html')).toBe(false);
  });

  it('14. new windows denied', () => {
    expect(guarded().contents.windowOpenHandler?.({ url: 'app://io-worker/index.html' })).toEqual({ action: 'deny' });
  });

  it('15. shell.openExternal only with re-serialised http(s)/mailto links', () => {
    const { contents, openExternal } = guarded();
    contents.windowOpenHandler?.({ url: 'file:///C:/Windows/System32/calc.exe' });
    contents.windowOpenHandler?.({ url: 'smb://attacker/share' });
    contents.windowOpenHandler?.({ url: 'https://docs.io.net/' });
    expect(openExternal.mock.calls).toEqual([['https://docs.io.net/']]);
    expect(externalUrl('javascript:alert(1)')).toBeNull();
    // That the app wires this to shell.openExternal is shown by index.test.ts.
  });

  it('16. a current Electron, pinned exactly so an upgrade is a reviewed change', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.devDependencies.electron).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(pkg.devDependencies.electron.split('.')[0])).toBeGreaterThanOrEqual(45);
  });

  it('17. every IPC sender validated: our window, its main frame, our scheme', () => {
    const ids = new Set([1]);
    expect(senderProblem({ sender: { id: 1 }, senderFrame: { url: APP_ENTRY_URL, parent: null } }, ids)).toBeNull();
    expect(senderProblem({ sender: { id: 1 }, senderFrame: { url: 'https://x/', parent: null } }, ids)).not.toBeNull();
    expect(senderProblem({ sender: { id: 2 }, senderFrame: { url: APP_ENTRY_URL, parent: null } }, ids)).not.toBeNull();
  });

  it('18. no file://: the window loads app:// and no shell code loads files into a page', () => {
    const all = shellSources.join('\n');
    expect(all).not.toMatch(/\.loadFile\(/);
    expect(all).not.toMatch(/registerFileProtocol/);
    // The renderer's files are served by protocol.handle on app://, and the window loads that.
    const handled: string[] = [];
    serveAppScheme({ handle: (scheme) => void handled.push(scheme) }, '/renderer');
    expect(handled).toEqual(['app']);
    const loaded: string[] = [];
    new MainWindow({
      create: () =>
        Object.assign(new FakeEmitter(), {
          webContents: new FakeWebContents(),
          loadURL: async (url: string) => void loaded.push(url),
          show() {},
          hide() {},
          focus() {},
          restore() {},
          isMinimized: () => false,
          isVisible: () => false,
          isDestroyed: () => false,
        }) as unknown as WindowLike,
      preload: '/p.cjs',
      devTools: false,
      closeToTray: () => false,
      openExternal: () => {},
      log: () => {},
    }).show();
    expect(loaded).toEqual(['app://io-worker/index.html']);
  });

  it('19. fuses checked: the ones that open the binary to code injection are burnt off', () => {
    const { electronFuses } = createRequire(import.meta.url)(path.join(root, 'build/electron-builder.config.cjs'));
    expect(electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true });
    // Every fuse named, and the schema check, live in packaging.test.ts.
  });

  it('20. no Electron API exposed: the preload exposes one frozen object with invoke and subscribe', () => {
    const preload = fs.readFileSync(path.join(root, 'preload/index.ts'), 'utf8');
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(preload).toMatch(/exposeInMainWorld\('ioWorker', createBridge\(ipcRenderer\)\)/);
    expect(preload).toContain('Object.freeze');
  });

  it('keeps devTools out of packaged builds', () => {
    expect(secureWebPreferences('/p.cjs', { devTools: false }).devTools).toBe(false);
    expect(fs.readFileSync(path.join(root, 'main/shell/index.ts'), 'utf8')).toMatch(/devTools: !app\.isPackaged/);
  });
});
