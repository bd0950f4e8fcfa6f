// The app's lifecycle end to end in one process, with the Electron module replaced by recording
// fakes: sandbox and scheme before ready, one locked instance, the hardened window on app://,
// the contract bound over IPC, a second launch focusing the window, and a clean stop on quit.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_REQUEST_PREFIX, UpdateStatusSchema, requestChannels, type Reply } from '../../preload/contract/index.ts';

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
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
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
      registerSchemesAsPrivileged: (schemes: { scheme: string }[]) => void calls.push(`registerSchemesAsPrivileged:${schemes.map((s) => s.scheme)}`),
      handle: (scheme: string) => void calls.push(`protocol.handle:${scheme}`),
    },
    session: {
      defaultSession: Object.assign(new EventEmitter(), {
        setPermissionRequestHandler: () => void calls.push('setPermissionRequestHandler'),
        setPermissionCheckHandler: () => {},
      }),
    },
    shell: { openExternal: async () => {} },
    safeStorage: { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => '' },
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
    Notification: { isSupported: () => false },
  };
  return { calls, electron, handlers, windows, trays, ready: () => readyResolve() };
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

const xdgConfigHome = process.env.XDG_CONFIG_HOME;
beforeAll(async () => {
  process.env.IO_WORKER_USER_DATA = profile;
  // The mock above cannot reach openSecretStore's own keytar load: without a session bus, keytar
  // answers at once that no keychain is there, so this test never touches (or waits on) a real one.
  delete process.env.DBUS_SESSION_BUS_ADDRESS;
  // Start at login writes an XDG autostart entry on Linux: into the test profile, not the user's.
  process.env.XDG_CONFIG_HOME = profile;
  await import('./index.ts');
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
    expect(order.slice(0, 5)).toEqual([
      'setPath:userData',
      'enableSandbox',
      'registerSchemesAsPrivileged:app',
      'requestSingleInstanceLock',
      'whenReady',
    ]);
    expect(fake.electron.app.getPath('userData')).toBe(profile);
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
