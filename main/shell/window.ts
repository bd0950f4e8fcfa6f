// The one dashboard window: hardened webPreferences, guarded contents, loaded from app://io-worker.
// Closing it hides it to the tray when the user asked for that; a second launch brings it back.
import type { BrowserWindowConstructorOptions } from 'electron';
import type { EventTarget } from './ipc.ts';
import { APP_ENTRY_URL, guardWebContents, secureWebPreferences, type GuardedContents, type PreventableEvent } from './security.ts';

export interface WindowLike {
  readonly webContents: GuardedContents & EventTarget;
  loadURL(url: string): Promise<void>;
  show(): void;
  hide(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isVisible(): boolean;
  isDestroyed(): boolean;
  on(event: 'close', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
}

export type WindowFactory = (options: BrowserWindowConstructorOptions) => WindowLike;

export interface MainWindowOptions {
  create: WindowFactory;
  preload: string;
  icon?: string;
  devTools: boolean;
  /** Read at each close: the setting may change while the window is open. */
  closeToTray: () => boolean;
  openExternal: (url: string) => Promise<void> | void;
  log?: (message: string) => void;
}

export function mainWindowOptions(options: Pick<MainWindowOptions, 'preload' | 'icon' | 'devTools'>): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 880,
    minHeight: 560,
    title: 'IO Worker',
    // Shown on ready-to-show, so the user never sees an empty white frame.
    show: false,
    backgroundColor: '#0f1115',
    autoHideMenuBar: true,
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: secureWebPreferences(options.preload, { devTools: options.devTools }),
  };
}

export class MainWindow {
  readonly #options: MainWindowOptions;
  #window: WindowLike | null = null;
  #quitting = false;

  constructor(options: MainWindowOptions) {
    this.#options = options;
  }

  /** Opens the window, or brings the existing one to the front (second launch, tray click). */
  show(): WindowLike {
    const existing = this.#window;
    if (existing && !existing.isDestroyed()) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return existing;
    }
    const window = this.#options.create(mainWindowOptions(this.#options));
    guardWebContents(window.webContents, { openExternal: this.#options.openExternal, log: this.#options.log });
    window.once('ready-to-show', () => window.show());
    window.on('close', (event) => {
      if (this.#quitting || !this.#options.closeToTray()) return;
      event.preventDefault();
      window.hide();
    });
    window.on('closed', () => {
      if (this.#window === window) this.#window = null;
    });
    this.#window = window;
    void window.loadURL(APP_ENTRY_URL).catch((error: unknown) => this.#options.log?.(`the dashboard did not load: ${String(error)}`));
    return window;
  }

  /** From now on a close really closes: the app is quitting. */
  markQuitting(): void {
    this.#quitting = true;
  }

  get isOpen(): boolean {
    return this.#window !== null && !this.#window.isDestroyed() && this.#window.isVisible();
  }

  /** The contents that may call the contract and receive its events. */
  contents(): EventTarget[] {
    const window = this.#window;
    return window && !window.isDestroyed() ? [window.webContents] : [];
  }
}
