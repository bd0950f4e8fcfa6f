// The app's lifecycle end to end in one process, with the Electron module replaced by recording
// fakes: sandbox and scheme before ready, one locked instance, the hardened window on app://,
// the contract bound over IPC, a second launch focusing the window, and a clean stop on quit.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Conf from 'conf';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { IPC_REQUEST_PREFIX, UpdateStatusSchema, requestChannels, type Reply } from '../../preload/contract/index.ts';
import { EXPECTED_APP_SCHEME, expectStrictCsp, expectedWebPreferences, parseCsp } from './hardening.test-helpers.ts';

const fake = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events');
  const calls: string[] = [];
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((r) => (readyResolve = r));
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    paths: new Map<string, string>(),
    setPath(name: string, value: string) {
      calls.push(`setPath:${name}`);
      this.paths.set(name, value);
    },
    getPath(name: string) {
      return this.paths.get(name) ?? '/nonexistent';
    },
    getVersion: () => '0.1.0',
    enableSandbox: () => void calls.push('enableSandbox'),
    requestSingleInstanceLock: () => (calls.push('requestSingleInstanceLock'), true),
    whenReady: () => (calls.push('whenReady'), ready),
    quit: () => {
      calls.push('quit');
      const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
      app.emit('before-quit', event);
      if (!event.defaultPrevented) calls.push('quit:done');
    },
    exit: (code: number) => void calls.push(`exit:${code}`),
    loginItem: { openAtLogin: false },
    setLoginItemSettings(settings: { openAtLogin: boolean }) {
      this.loginItem = { openAtLogin: settings.openAtLogin };
    },
    getLoginItemSettings() {
      return { ...this.loginItem };
    },
  });
  // Every app-wide listener, in order with the calls above: the guards must be in place before ready.
  app.on('newListener', (event: string) => {
    if (event === 'web-contents-created') calls.push(`app.on:${event}`);
  });
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const schemes: unknown[] = [];
  const protocolHandlers = new Map<string, (request: Request) => Response | Promise<Response>>();
  const openedExternally: string[] = [];
  const windows: FakeWindow[] = [];
  const trays: { menu: unknown }[] = [];
  class FakeContents extends EventEmitter {
    id = 41;
    sent: [string, unknown][] = [];
    openHandler: ((d: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      this.openHandler = h;
    }
    isDestroyed = () => false;
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
  }
  class FakeWindow extends EventEmitter {
    webContents = new FakeContents();
    loaded: string[] = [];
    visible = false;
    focused = 0;
    options: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      windows.push(this);
    }
    loadURL = async (url: string) => void this.loaded.push(url);
    show = () => void (this.visible = true);
    hide = () => void (this.visible = false);
    focus = () => void this.focused++;
    restore = () => {};
    isMinimized = () => false;
    isVisible = () => this.visible;
    isDestroyed = () => false;
  }
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle: (channel: string, h: (event: unknown, ...args: unknown[]) => Promise<unknown>) => void handlers.set(channel, h),
      removeHandler: (channel: string) => void handlers.delete(channel),
    },
    protocol: {
      registerSchemesAsPrivileged: (registered: { scheme: string }[]) => {
        calls.push(`registerSchemesAsPrivileged:${registered.map((s) => s.scheme)}`);
        schemes.push(...registered);
      },
      handle: (scheme: string, handler: (request: Request) => Response | Promise<Response>) => {
        calls.push(`protocol.handle:${scheme}`);
        protocolHandlers.set(scheme, handler);
      },
    },
    session: {
      defaultSession: Object.assign(new EventEmitter(), {
        setPermissionRequestHandler: () => void calls.push('setPermissionRequestHandler'),
        setPermissionCheckHandler: () => {},
      }),
    },
    shell: { openExternal: async (url: string) => void openedExternally.push(url) },
    safeStorage: { isAsyncEncryptionAvailable: async () => false, encryptStringAsync: async () => Buffer.alloc(0), decryptStringAsync: async () => ({ result: '', shouldReEncrypt: false }) },
    Menu: { buildFromTemplate: (items: unknown[]) => items },
    Tray: class extends EventEmitter {
      image: string;
      menu: unknown = null;
      constructor(image: string) {
        super();
        this.image = image;
        calls.push('Tray');
        trays.push(this);
      }
      setImage(image: string) {
        this.image = image;
      }
      setToolTip() {}
      setContextMenu(menu: unknown) {
        this.menu = menu;
      }
      destroy() {
        calls.push('Tray.destroy');
      }
    },
    nativeTheme: Object.assign(new EventEmitter(), { shouldUseDarkColors: false }),
    powerSaveBlocker: { start: () => 1, stop: () => {}, isStarted: () => false },
    powerMonitor: Object.assign(new EventEmitter(), { getSystemIdleTime: () => 0, getSystemIdleState: () => 'active' }),
    Notification: { isSupported: () => false },
  };
  return { calls, electron, handlers, windows, trays, schemes, protocolHandlers, openedExternally, FakeContents, ready: () => readyResolve() };
});

vi.mock('electron', () => fake.electron);
// electron-store is conf with Electron's folder: conf in the test profile is the same files.
vi.mock('electron-store', () => ({
  default: class extends Conf<Record<string, unknown>> {
    constructor(options: { name: string }) {
      super({ cwd: fake.electron.app.getPath('userData'), configName: options.name, projectName: 'io-worker' });
    }
  },
}));
vi.mock('electron-updater', () => ({
  default: { autoUpdater: Object.assign(new EventEmitter(), { setFeedURL() {}, checkForUpdates: async () => null, quitAndInstall() {} }) },
}));
// Keep the keychain of the machine running the tests out of it.
vi.mock('../settings/secrets.ts', async (original) => ({
  ...(await original<typeof import('../settings/secrets.ts')>()),
  loadKeytar: () => null,
}));

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-lifecycle-'));
const mainFrame = { url: 'app://io-worker/index.html', parent: null };
const invoke = (channel: string, args: unknown, frame: object = mainFrame) =>
  fake.handlers.get(IPC_REQUEST_PREFIX + channel)!({ sender: { id: 41 }, senderFrame: frame }, args) as Promise<Reply>;

// Whatever the environment says, index.ts must not be talked out of its hardening. While its top
// level runs, every variable it reads itself that is not set answers '1' (as if someone had
// exported ELECTRON_DISABLE_SANDBOX=1, IO_WORKER_NO_SANDBOX=1, IO_WORKER_DEV=1, ...), and the
// name is recorded. Reads by anything else (its imports, Vitest) see the real environment.
const indexFile = fileURLToPath(new URL('./index.ts', import.meta.url));
const envReadByIndex = new Set<string>();
const SUSPICIOUS = '1';
function envWhereEverySwitchIsOn(real: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Frame 0 is the Error, 1 this helper, 2 the get trap, 3 whoever read process.env.
  const readByIndex = () => {
    const caller = new Error().stack?.split('\n')[3] ?? '';
    return caller.includes(indexFile) || caller.includes(pathToFileURL(indexFile).href);
  };
  return new Proxy(real, {
    get(target, key) {
      if (typeof key !== 'string' || !readByIndex()) return Reflect.get(target, key);
      envReadByIndex.add(key);
      return key in target ? target[key] : SUSPICIOUS;
    },
  });
}

const xdgConfigHome = process.env.XDG_CONFIG_HOME;
beforeAll(async () => {
  process.env.IO_WORKER_USER_DATA = profile;
  // The mock above cannot reach openSecretStore's own keytar load: without a session bus, keytar
  // answers at once that no keychain is there, so this test never touches (or waits on) a real one.
  delete process.env.DBUS_SESSION_BUS_ADDRESS;
  // Start at login writes an XDG autostart entry on Linux: into the test profile, not the user's.
  process.env.XDG_CONFIG_HOME = profile;
  const realEnv = process.env;
  process.env = envWhereEverySwitchIsOn(realEnv);
  try {
    await import('./index.ts');
  } finally {
    process.env = realEnv;
  }
  fake.ready();
  await vi.waitFor(() => expect(fake.windows).toHaveLength(1), { timeout: 10_000 });
  await vi.waitFor(() => expect(fake.handlers.size).toBe(requestChannels.length), { timeout: 10_000 });
}, 20_000);

afterAll(() => {
  delete process.env.IO_WORKER_USER_DATA;
  if (xdgConfigHome === undefined) delete process.env.XDG_CONFIG_HOME;
  else process.env.XDG_CONFIG_HOME = xdgConfigHome;
  fs.rmSync(profile, { recursive: true, force: true });
});

describe('app lifecycle', () => {
  it('sandboxes, registers app:// and takes the single-instance lock before ready', () => {
    const order = fake.calls;
    expect(order.slice(0, 6)).toEqual([
      'setPath:userData',
      'enableSandbox',
      'registerSchemesAsPrivileged:app',
      'requestSingleInstanceLock',
      'app.on:web-contents-created',
      'whenReady',
    ]);
    expect(fake.electron.app.getPath('userData')).toBe(profile);
  });

  it('enables the sandbox before ready whatever the environment says', () => {
    // The probe works: index.ts's own read of IO_WORKER_USER_DATA was seen (and answered for real).
    expect(envReadByIndex).toContain('IO_WORKER_USER_DATA');
    // Every unset variable index.ts consulted answered '1', and the sandbox was still enabled, once, before ready.
    expect(fake.calls.filter((c) => c === 'enableSandbox')).toHaveLength(1);
    expect(fake.calls.indexOf('enableSandbox')).toBeLessThan(fake.calls.indexOf('whenReady'));
    // Nothing at start-up may hinge on the environment but the profile folder: a new variable read
    // here is a switch someone could flip to weaken the app, so it needs a reviewed change to this list.
    expect([...envReadByIndex], 'environment variables index.ts reads before ready').toEqual(['IO_WORKER_USER_DATA']);
  });

  it('registers app:// with exactly its privileges: standard, secure, no CSP bypass', () => {
    expect(fake.schemes).toStrictEqual([EXPECTED_APP_SCHEME]);
  });

  it('guards every web contents the app creates: window.open denied, navigation away refused', () => {
    const listeners = fake.electron.app.listeners('web-contents-created');
    expect(listeners.length).toBeGreaterThan(0);
    // A contents the window code never saw (a devtools host, a future window): only the app-wide hook guards it.
    const contents = new fake.FakeContents();
    fake.electron.app.emit('web-contents-created', {}, contents);
    const preventable = () => ({ defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } });
    const openedBefore = fake.openedExternally.length;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    onTestFinished(() => warn.mockRestore());

    expect(contents.openHandler?.({ url: 'https://docs.io.net/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'app://io-worker/index.html' })).toEqual({ action: 'deny' });
    // Only the web link went to the user's browser, through shell.openExternal.
    expect(fake.openedExternally.slice(openedBefore)).toEqual(['https://docs.io.net/']);

    for (const [event, url] of [
      ['will-navigate', 'https://evil.example/'],
      ['will-navigate', 'file:///etc/passwd'],
      ['will-redirect', 'http://127.0.0.1:1/'],
    ]) {
      const e = preventable();
      contents.emit(event, e, url);
      expect(e.defaultPrevented, `${event} ${url}`).toBe(true);
    }
    const inside = preventable();
    contents.emit('will-navigate', inside, 'app://io-worker/index.html');
    expect(inside.defaultPrevented).toBe(false);
    const webview = preventable();
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
    expect(warn.mock.calls.map(([m]) => String(m))).toContain('[io-worker] refused to attach a <webview>');
  });

  it('denies permissions, serves app:// and opens one hardened window on it', () => {
    expect(fake.calls).toContain('setPermissionRequestHandler');
    expect(fake.calls).toContain('protocol.handle:app');
    const [window] = fake.windows;
    expect(window.loaded).toEqual(['app://io-worker/index.html']);
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    expect(String((window.options.webPreferences as { preload: string }).preload)).toMatch(/preload[/\\]index\.cjs$/);
    expect(window.webContents.openHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });

  it('builds the window with exactly the hardened webPreferences (devTools only unpackaged)', () => {
    const [window] = fake.windows;
    // The complete object: a key added (plugins, navigateOnDragDrop) or relaxed (safeDialogs) fails.
    expect(window.options.webPreferences).toStrictEqual(expectedWebPreferences(expect.stringMatching(/preload[/\\]index\.cjs$/), true));
  });

  it('serves app:// with the strict CSP: frame-ancestors none, on a real request to the registered handler', async () => {
    const handler = fake.protocolHandlers.get('app');
    expect(handler).toBeTypeOf('function');
    for (const url of ['app://io-worker/index.html', 'app://io-worker/missing.js']) {
      const response = await handler!(new Request(url));
      const csp = response.headers.get('content-security-policy');
      expectStrictCsp(csp);
      expect(parseCsp(csp).get('frame-ancestors'), url).toEqual([["'none'"]]);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('answers the contract over IPC for the window and refuses a subframe', async () => {
    const status = await invoke('system.status', {});
    expect(status).toMatchObject({ ok: true, result: { runtime: 'electron', secretsBackend: 'memory' } });
    const refused = await invoke('system.status', {}, { url: 'app://io-worker/index.html', parent: mainFrame });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('keeps settings in the profile through electron-store', async () => {
    await invoke('device.rename', { name: 'Lifecycle rig' });
    const onDisk = JSON.parse(fs.readFileSync(path.join(profile, 'settings.json'), 'utf8'));
    expect(onDisk.deviceName).toBe('Lifecycle rig');
    // One settings file: the desktop preferences are its `desktop` group.
    expect(onDisk.desktop).toMatchObject({ closeToTray: true, startAtLogin: false, notifications: true });
    expect(fs.existsSync(path.join(profile, 'desktop.json'))).toBe(false);
  });

  it('answers updates.status from the updater (a development build does not update itself)', async () => {
    const reply = (await invoke('updates.status', {})) as { ok: true; result: unknown };
    expect(reply.ok).toBe(true);
    expect(UpdateStatusSchema.parse(reply.result)).toMatchObject({
      runtime: 'electron',
      state: 'unsupported',
      channel: 'stable',
      currentVersion: '0.1.0',
      detail: 'Updates are installed by packaged builds only.',
    });
    expect(await invoke('updates.check', {})).toEqual(reply);
    await invoke('settings.update', { desktop: { updateChannel: 'beta' } });
    expect(await invoke('updates.status', {})).toMatchObject({ ok: true, result: { channel: 'beta' } });
  });

  it('applies start at login from the settings page to the OS and the tray menu', async () => {
    const startsAtLogin = () =>
      process.platform === 'linux'
        ? fs.existsSync(path.join(profile, 'autostart', 'io-worker.desktop'))
        : fake.electron.app.getLoginItemSettings().openAtLogin;
    expect(startsAtLogin()).toBe(false);
    await invoke('settings.update', { desktop: { startAtLogin: true } });
    expect(startsAtLogin()).toBe(true);
    const menu = fake.trays.at(-1)!.menu as { id: string; checked?: boolean; click?: () => void }[];
    const item = menu.find((i) => i.id === 'start-at-login')!;
    expect(item.checked).toBe(true);
    // And the tray's item writes the setting back.
    item.click!();
    expect(startsAtLogin()).toBe(false);
    expect(((await invoke('settings.get', {})) as { ok: true; result: { desktop: { startAtLogin: boolean } } }).result.desktop.startAtLogin).toBe(false);
  });

  it('closes for real when the user turned close-to-tray off', async () => {
    const [window] = fake.windows;
    await invoke('settings.update', { desktop: { closeToTray: false } });
    const close = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    window.emit('close', close);
    expect(close.defaultPrevented).toBe(false);
    await invoke('settings.update', { desktop: { closeToTray: true } });
  });

  it('shows a tray and focuses the same window on a second launch', () => {
    expect(fake.calls).toContain('Tray');
    fake.electron.app.emit('second-instance');
    expect(fake.windows).toHaveLength(1);
    expect(fake.windows[0].focused).toBeGreaterThan(0);
  });

  it('hides to the tray on close, and quits only after the worker stopped', async () => {
    const [window] = fake.windows;
    const close = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    window.visible = true;
    window.emit('close', close);
    expect(close.defaultPrevented).toBe(true);
    expect(window.visible).toBe(false);

    fake.electron.app.quit();
    expect(fake.calls.at(-1)).toBe('quit');
    await vi.waitFor(() => expect(fake.calls).toContain('quit:done'), { timeout: 10_000 });
    expect(fake.handlers.size).toBe(0);
    expect(fake.calls).toContain('Tray.destroy');
    const afterQuit = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    window.emit('close', afterQuit);
    expect(afterQuit.defaultPrevented).toBe(false);
  });
});
