// The desktop around the worker: start at login (login items on macOS/Windows, an XDG autostart
// entry on Linux), sleep prevented while hired (powerSaveBlocker), native notifications for
// notices and state changes, and the dock badge. Each over a small seam of the Electron API.
import fs from 'node:fs';
import path from 'node:path';
import type { Notice, Status, WorkerState } from '../../preload/contract/index.ts';

// ---------------------------------------------------------------- start at login
export interface LoginItems {
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; args?: string[] }): void;
  getLoginItemSettings(): { openAtLogin: boolean };
}

/** The flag a login launch carries, so the app starts in the tray instead of opening its window. */
export const HIDDEN_FLAG = '--hidden';

export interface StartAtLoginOptions {
  platform: NodeJS.Platform;
  loginItems: LoginItems;
  /** Linux: ~/.config/autostart (XDG_CONFIG_HOME respected by the caller). */
  autostartDir: string;
  /** The command that starts the app: the AppImage path, or the installed executable. */
  execPath: string;
}

export function autostartEntry(execPath: string): string {
  // Desktop Entry Exec quoting: wrap in double quotes, escape \ " ` $.
  const quoted = `"${execPath.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=IO Worker',
    'Comment=Lend this machine’s GPU/CPU to a compute network',
    `Exec=${quoted} ${HIDDEN_FLAG}`,
    'Icon=io-worker',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function setStartAtLogin(enabled: boolean, options: StartAtLoginOptions): void {
  if (options.platform === 'linux') {
    // Electron's login items do nothing on Linux: the XDG autostart folder is the standard.
    const file = path.join(options.autostartDir, 'io-worker.desktop');
    if (enabled) {
      fs.mkdirSync(options.autostartDir, { recursive: true });
      fs.writeFileSync(file, autostartEntry(options.execPath), { mode: 0o644 });
    } else fs.rmSync(file, { force: true });
    return;
  }
  options.loginItems.setLoginItemSettings({ openAtLogin: enabled, openAsHidden: true, args: [HIDDEN_FLAG] });
}

export function startsAtLogin(options: StartAtLoginOptions): boolean {
  if (options.platform === 'linux') return fs.existsSync(path.join(options.autostartDir, 'io-worker.desktop'));
  return options.loginItems.getLoginItemSettings().openAtLogin;
}

// ---------------------------------------------------------------- sleep while hired
export interface PowerSaveBlockerLike {
  start(type: 'prevent-app-suspension' | 'prevent-display-sleep'): number;
  stop(id: number): void;
  isStarted(id: number): boolean;
}

/** Keeps the machine awake while it is hired (a sleeping machine fails the hire), and only then. */
export class SleepGuard {
  readonly #blocker: PowerSaveBlockerLike;
  #id: number | null = null;

  constructor(blocker: PowerSaveBlockerLike) {
    this.#blocker = blocker;
  }

  get preventing(): boolean {
    return this.#id !== null && this.#blocker.isStarted(this.#id);
  }

  update(state: WorkerState): void {
    const wanted = state === 'hired';
    if (wanted && !this.preventing) this.#id = this.#blocker.start('prevent-app-suspension');
    if (!wanted && this.#id !== null) {
      if (this.#blocker.isStarted(this.#id)) this.#blocker.stop(this.#id);
      this.#id = null;
    }
  }
}

// ---------------------------------------------------------------- notifications
export interface NotificationSink {
  isSupported(): boolean;
  show(notification: { title: string; body: string; urgency: 'low' | 'normal' | 'critical' }): void;
}

/** The state changes worth interrupting someone for, in their words. */
const STATE_NOTICES: Partial<Record<WorkerState, { title: string; urgency: 'normal' | 'critical' }>> = {
  offline: { title: 'Worker offline', urgency: 'critical' },
  error: { title: 'Worker needs attention', urgency: 'critical' },
  hired: { title: 'Your machine was hired', urgency: 'normal' },
};

export class DesktopNotifier {
  readonly #sink: NotificationSink;
  readonly #enabled: () => boolean;
  readonly #seen = new Set<string>();
  #lastState: WorkerState | null = null;

  constructor(sink: NotificationSink, enabled: () => boolean) {
    this.#sink = sink;
    this.#enabled = enabled;
  }

  /** Notices from the core: limit crossed, block failed, payout received, update ready. Once each. */
  notice(notice: Pick<Notice, 'id' | 'level' | 'title' | 'body'>): boolean {
    if (this.#seen.has(notice.id)) return false;
    this.#seen.add(notice.id);
    if (this.#seen.size > 500) this.#seen.delete(this.#seen.values().next().value!);
    return this.#show(notice.title, notice.body, notice.level === 'error' ? 'critical' : notice.level === 'warning' ? 'normal' : 'low');
  }

  /** A status change: notifies on entering offline, error or hired; never on a repeat of the same state. */
  status(status: Pick<Status, 'state' | 'detail'>): boolean {
    const previous = this.#lastState;
    this.#lastState = status.state;
    // The first status after launch is where we start from, not a change.
    if (previous === null || previous === status.state) return false;
    const spec = STATE_NOTICES[status.state];
    return spec ? this.#show(spec.title, status.detail, spec.urgency) : false;
  }

  #show(title: string, body: string, urgency: 'low' | 'normal' | 'critical'): boolean {
    if (!this.#enabled() || !this.#sink.isSupported()) return false;
    this.#sink.show({ title, body, urgency });
    return true;
  }
}

// ---------------------------------------------------------------- dock and taskbar
export interface BadgeSink {
  /** macOS dock badge text; '' clears it. */
  setBadge(text: string): void;
}

const BADGES: Record<WorkerState, string> = {
  starting: '',
  earning: '',
  hired: '●',
  idle: '',
  paused: 'II',
  offline: '!',
  error: '!',
};

export function badgeFor(state: WorkerState): string {
  return BADGES[state];
}
