import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { FakeEmitter, FakeWebContents } from './fakes.test-helpers.ts';
import { expectedWebPreferences } from './hardening.test-helpers.ts';
import { MainWindow, mainWindowOptions, type WindowLike } from './window.ts';

class FakeWindow extends FakeEmitter implements WindowLike {
  readonly webContents = new FakeWebContents();
  loaded: string[] = [];
  visible = false;
  minimized = false;
  destroyed = false;
  focused = 0;
  readonly options: BrowserWindowConstructorOptions;
  constructor(options: BrowserWindowConstructorOptions) {
    super();
    this.options = options;
  }
  async loadURL(url: string) {
    this.loaded.push(url);
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {
    this.focused++;
  }
  restore() {
    this.minimized = false;
  }
  isMinimized() {
    return this.minimized;
  }
  isVisible() {
    return this.visible;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

function setup(closeToTray = true) {
  const created: FakeWindow[] = [];
  let toTray = closeToTray;
  const window = new MainWindow({
    create: (options) => {
      const w = new FakeWindow(options);
      created.push(w);
      return w;
    },
    preload: '/out/preload/index.cjs',
    devTools: false,
    closeToTray: () => toTray,
    openExternal: () => {},
    log: () => {},
  });
  return { window, created, setToTray: (value: boolean) => void (toTray = value) };
}

// The complete options a window is built with: exact, so any key added (plugins, navigateOnDragDrop,
// safeDialogs: false, ...) or changed fails here.
const expectedOptions = (preload: string, devTools: boolean, icon?: string): BrowserWindowConstructorOptions => ({
  width: 1280,
  height: 820,
  minWidth: 880,
  minHeight: 560,
  title: 'IO Worker',
  show: false,
  backgroundColor: '#0f1115',
  autoHideMenuBar: true,
  ...(icon ? { icon } : {}),
  webPreferences: expectedWebPreferences(preload, devTools),
});

describe('mainWindowOptions', () => {
  it('hides until ready and carries the hardened webPreferences', () => {
    const options = mainWindowOptions({ preload: '/p.cjs', devTools: false });
    expect(options.show).toBe(false);
    expect(options.webPreferences).toMatchObject({ preload: '/p.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
    expect(options).toStrictEqual(expectedOptions('/p.cjs', false));
    expect(mainWindowOptions({ preload: '/p.cjs', icon: '/icon.png', devTools: true })).toStrictEqual(expectedOptions('/p.cjs', true, '/icon.png'));
  });
});

describe('MainWindow', () => {
  it('loads the app from app://io-worker, never file://, and shows on ready-to-show', () => {
    const { window, created } = setup();
    window.show();
    const [w] = created;
    expect(w.loaded).toEqual(['app://io-worker/index.html']);
    expect(w.visible).toBe(false);
    w.emit('ready-to-show');
    expect(w.visible).toBe(true);
  });

  it('builds the window with exactly the hardened options, webPreferences complete', () => {
    const { window, created } = setup();
    window.show();
    expect(created).toHaveLength(1);
    expect(created[0].options).toStrictEqual(expectedOptions('/out/preload/index.cjs', false));
    expect(created[0].options.webPreferences).toStrictEqual(expectedWebPreferences('/out/preload/index.cjs', false));
  });

  it('guards its contents: window.open denied, navigation refused', () => {
    const { window, created } = setup();
    window.show();
    const contents = created[0].webContents;
    expect(contents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(contents.emitPreventable('will-navigate', 'https://example.com')).toBe(true);
  });

  it('a second show focuses the same window instead of opening another', () => {
    const { window, created } = setup();
    window.show();
    created[0].minimized = true;
    window.show();
    expect(created).toHaveLength(1);
    expect(created[0].minimized).toBe(false);
    expect(created[0].focused).toBe(1);
  });

  it('closing hides to the tray while the setting is on, and really closes when quitting', () => {
    const { window, created, setToTray } = setup();
    window.show();
    const w = created[0];
    w.visible = true;
    expect(w.emitPreventable('close')).toBe(true);
    expect(w.visible).toBe(false);
    setToTray(false);
    expect(w.emitPreventable('close')).toBe(false);
    setToTray(true);
    window.markQuitting();
    expect(w.emitPreventable('close')).toBe(false);
  });

  it('offers its contents to IPC only while the window lives', () => {
    const { window, created } = setup();
    expect(window.contents()).toEqual([]);
    window.show();
    expect(window.contents()).toEqual([created[0].webContents]);
    created[0].destroyed = true;
    expect(window.contents()).toEqual([]);
    created[0].emit('closed');
    window.show();
    expect(created).toHaveLength(2);
  });
});
