import { describe, expect, it, vi } from 'vitest';
import { FakeEmitter, FakeWebContents } from './fakes.test-helpers.ts';
import { expectedWebPreferences } from './hardening.test-helpers.ts';
import { externalUrl, guardSession, guardWebContents, isAppUrl, secureWebPreferences } from './security.ts';

describe('secureWebPreferences', () => {
  it('isolates, sandboxes and turns off node, webviews and insecure content', () => {
    const prefs = secureWebPreferences('/app/preload.cjs', { devTools: false });
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      devTools: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });

  it('is exactly the hardened set: no key added (plugins, navigateOnDragDrop) or relaxed (safeDialogs)', () => {
    expect(secureWebPreferences('/app/preload.cjs', { devTools: false })).toStrictEqual(expectedWebPreferences('/app/preload.cjs', false));
    expect(secureWebPreferences('/app/preload.cjs', { devTools: true })).toStrictEqual(expectedWebPreferences('/app/preload.cjs', true));
  });
});

describe('isAppUrl', () => {
  it.each([
    ['app://io-worker/index.html', true],
    ['app://io-worker/', true],
    ['app://other/index.html', false],
    ['app://io-worker:8080/', false],
    ['app://user@io-worker/', false],
    ['file:///etc/passwd', false],
    ['https://io-worker/', false],
    ['http://127.0.0.1:7420/', false],
    ['not a url', false],
  ])('%s -> %s', (url, expected) => expect(isAppUrl(url)).toBe(expected));
});

describe('externalUrl', () => {
  it('passes http(s) and mailto re-serialised, refuses everything else', () => {
    expect(externalUrl('https://explorer.io.net/a b')).toBe('https://explorer.io.net/a%20b');
    expect(externalUrl('mailto:support@example.com')).toBe('mailto:support@example.com');
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'app://io-worker/', 'ms-settings:']) {
      expect(externalUrl(bad)).toBeNull();
    }
  });
});

describe('guardWebContents', () => {
  const setup = () => {
    const contents = new FakeWebContents();
    const openExternal = vi.fn();
    guardWebContents(contents, { openExternal, log: () => {} });
    return { contents, openExternal };
  };

  it('denies every window.open and sends only web links to the browser', () => {
    const { contents, openExternal } = setup();
    expect(contents.windowOpenHandler?.({ url: 'https://io.net/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://io-worker/index.html' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://io.net/']]);
  });

  it('keeps navigation and redirects inside app://io-worker', () => {
    const { contents } = setup();
    expect(contents.emitPreventable('will-navigate', 'app://io-worker/index.html')).toBe(false);
    expect(contents.emitPreventable('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.emitPreventable('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(contents.emitPreventable('will-redirect', 'http://127.0.0.1:1/')).toBe(true);
  });

  it('refuses to attach a webview', () => {
    const { contents } = setup();
    expect(contents.emitPreventable('will-attach-webview', {}, {})).toBe(true);
  });

  it('guards each contents once, however often it is asked', () => {
    const contents = new FakeWebContents();
    guardWebContents(contents, { openExternal: () => {}, log: () => {} });
    guardWebContents(contents, { openExternal: () => {}, log: () => {} });
    expect(contents.listeners.get('will-navigate')).toHaveLength(1);
  });
});

describe('guardSession', () => {
  it('denies every permission request and check, and every download', () => {
    const session = new (class extends FakeEmitter {
      request: ((c: unknown, p: string, cb: (granted: boolean) => void) => void) | null = null;
      check: ((c: unknown, p: string) => boolean) | null = null;
      setPermissionRequestHandler(h: NonNullable<this['request']>) {
        this.request = h;
      }
      setPermissionCheckHandler(h: NonNullable<this['check']>) {
        this.check = h;
      }
    })();
    guardSession(session, () => {});
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      session.request?.(null, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(session.check?.(null, permission)).toBe(false);
    }
    expect(session.emitPreventable('will-download', {})).toBe(true);
  });
});
