// The rules every web contents and session of the app obeys: hardened webPreferences, no new
// windows, navigation only inside app://io-worker, no webviews, no downloads, permissions denied.
// Imports only types from electron: the Electron objects are handed in, so tests pass fakes.
import type { WebPreferences } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'io-worker';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Schemes a link in the dashboard may hand to the user's browser or mail client. */
const EXTERNAL_PROTOCOLS = new Set(['https:', 'http:', 'mailto:']);

/** True only for our own renderer: app://io-worker, no credentials, no port. */
export function isAppUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && !url.username && !url.password && !url.port;
}

/** A link the OS may open, re-serialised so odd encodings cannot smuggle arguments; else null. */
export function externalUrl(raw: string): string | null {
  try {
    const url = new URL(raw);
    return EXTERNAL_PROTOCOLS.has(url.protocol) ? url.toString() : null;
  } catch {
    return null;
  }
}

/** devTools only in development builds: a packaged app has no use for them and they widen the surface. */
export function secureWebPreferences(preload: string, options: { devTools: boolean }): WebPreferences {
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
    devTools: options.devTools,
  };
}

/** What a prevented navigation looks like to the handlers below. */
export interface PreventableEvent {
  preventDefault(): void;
}

/** The part of Electron's WebContents these rules use. */
export interface GuardedContents {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
}

export interface GuardOptions {
  /** shell.openExternal, called only with an http(s)/mailto address re-serialised by externalUrl. */
  openExternal: (url: string) => Promise<void> | void;
  log?: (message: string) => void;
}

const guarded = new WeakSet<GuardedContents>();

/** Idempotent: the app-wide web-contents-created hook and the window both call it. */
export function guardWebContents(contents: GuardedContents, options: GuardOptions): void {
  if (guarded.has(contents)) return;
  guarded.add(contents);
  const log = options.log ?? ((message: string) => console.warn(`[io-worker] ${message}`));
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrl(url);
    if (external) void Promise.resolve(options.openExternal(external)).catch(() => log(`could not open ${external}`));
    else log(`refused to open a window for ${url.slice(0, 200)}`);
    return { action: 'deny' };
  });
  const keepInsideApp = (event: PreventableEvent, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    log(`refused navigation to ${url.slice(0, 200)}`);
  };
  contents.on('will-navigate', keepInsideApp);
  contents.on('will-redirect', keepInsideApp);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('refused to attach a <webview>');
  });
}

/** The part of Electron's Session these rules use. */
export interface GuardedSession {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
  on(event: 'will-download', listener: (event: PreventableEvent) => void): unknown;
}

export function guardSession(session: GuardedSession, log: (message: string) => void = (m) => console.warn(`[io-worker] ${m}`)): void {
  // The dashboard needs no camera, notifications from the page, geolocation, or anything else.
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`denied the ${permission} permission`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.on('will-download', (event) => event.preventDefault());
}
