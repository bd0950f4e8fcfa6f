// Auto-update: electron-updater on the generic provider (feed URL and channel from the desktop
// preferences), checked at launch and every few hours, downloaded in the background, sha512-checked
// by electron-updater, and installed on quit or at the planned restart right after a block closes.
// The updater is handed in (a seam over electron-updater's AppUpdater), so tests run it for real
// against a local feed, or as a fake.
import { ContractFailure, type Notice, type Settings, type UpdateStatus } from '../../preload/contract/index.ts';
import type { UpdatesProvider } from '../core.ts';
import { planRestart } from './update-schedule.ts';

type DesktopPrefs = Settings['desktop'];

/** The part of electron-updater's AppUpdater the service uses. */
export interface UpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowPrerelease: boolean;
  channel: string | null;
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdates(): Promise<{ updateInfo: { version: string }; downloadPromise?: Promise<unknown> | null } | null>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
  on(event: 'update-available' | 'update-not-available' | 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export type UpdatePhase = 'disabled' | 'idle' | 'checking' | 'up-to-date' | 'downloading' | 'ready' | 'refused' | 'failed';

export interface UpdateServiceStatus {
  phase: UpdatePhase;
  currentVersion: string;
  channel: DesktopPrefs['updateChannel'];
  /** The version found on the feed, while it downloads or waits to be installed. */
  availableVersion: string | null;
  percent: number | null;
  /** When the planned restart installs it (ms), once downloaded. */
  installAt: number | null;
  lastCheckedAt: number | null;
  /** One sentence for the Version Control service and the tray. */
  message: string;
}

type Timer = ReturnType<typeof setTimeout>;
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
}

export interface UpdateServiceOptions {
  updater: UpdaterLike;
  currentVersion: string;
  /** False in development builds: electron-updater only updates an installed app. */
  enabled: boolean;
  prefs: () => Pick<DesktopPrefs, 'updateChannel' | 'updateFeedUrl' | 'updateCheckHours'>;
  /** Until when the worker is hired (ms), or null: read when planning and again before restarting. */
  hiredUntil: () => number | null;
  /** Stops the worker cleanly before the installer replaces the app. */
  beforeRestart: () => Promise<void>;
  notify: (notice: Pick<Notice, 'level' | 'title' | 'body'>) => void;
  onStatus?: (status: UpdateServiceStatus) => void;
  clock?: Clock;
  formatTime?: (t: number) => string;
  blockMs?: number;
  /** The network's block schedule when known (its length and a block's close); else blockMs from the hour. */
  blockSchedule?: () => { blockMs: number; anchorMs: number } | null;
  settleMs?: number;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

/** electron-updater's words for a download that does not match latest*.yml. */
const REFUSED = /sha512 checksum mismatch|size mismatch|ERR_CHECKSUM_MISMATCH|ERR_UPDATER_INVALID_SIGNATURE|not signed/i;

export class UpdateService {
  readonly #o: UpdateServiceOptions;
  readonly #clock: Clock;
  #status: UpdateServiceStatus;
  #checkTimer: Timer | null = null;
  #restartTimer: Timer | null = null;
  #checking: Promise<void> | null = null;
  #answered: Promise<void> = Promise.resolve();
  #restarting = false;
  #ready: { version: string; installAt: number; message: string } | null = null;

  constructor(options: UpdateServiceOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#status = {
      phase: options.enabled ? 'idle' : 'disabled',
      currentVersion: options.currentVersion,
      channel: options.prefs().updateChannel,
      availableVersion: null,
      percent: null,
      installAt: null,
      lastCheckedAt: null,
      message: options.enabled ? 'No update check yet.' : 'Updates are installed by packaged builds only.',
    };
    const u = options.updater;
    u.autoDownload = true;
    u.autoInstallOnAppQuit = true;
    u.on('update-available', (info) => this.#set({ phase: 'downloading', availableVersion: info.version, percent: 0, message: `Downloading ${info.version} in the background.` }));
    u.on('download-progress', (progress) => this.#set({ percent: Math.round(progress.percent) }));
    u.on('update-not-available', () => this.#set({ phase: 'up-to-date', availableVersion: null, percent: null, message: `${options.currentVersion} is the newest ${this.#status.channel} version.` }));
    u.on('update-downloaded', (info) => this.#downloaded(info.version));
    u.on('error', (error) => this.#failed(error));
  }

  get status(): UpdateServiceStatus {
    return { ...this.#status };
  }

  /** Applies the channel and feed from the preferences; call again when they change. */
  configure(): void {
    const prefs = this.#o.prefs();
    const u = this.#o.updater;
    u.allowPrerelease = prefs.updateChannel === 'beta';
    u.channel = prefs.updateChannel === 'beta' ? 'beta' : 'latest';
    if (prefs.updateFeedUrl) u.setFeedURL({ provider: 'generic', url: prefs.updateFeedUrl });
    this.#set({ channel: prefs.updateChannel });
    // A new interval applies from now, not after the one already waiting runs out.
    if (this.#checkTimer) this.#scheduleNextCheck();
  }

  /** Checks now (at launch) and then every updateCheckHours. */
  start(): void {
    if (!this.#o.enabled) return;
    this.configure();
    void this.check();
  }

  /** Resolves when the check and any download it started are done. */
  check(): Promise<void> {
    if (!this.#o.enabled || this.#checking) return this.#checking ?? Promise.resolve();
    this.#set({ phase: 'checking', lastCheckedAt: this.#clock.now(), message: 'Checking for updates…' });
    let answered: () => void = () => {};
    this.#answered = new Promise<void>((resolve) => (answered = resolve));
    this.#checking = (async () => {
      try {
        const result = await this.#o.updater.checkForUpdates().finally(answered);
        await result?.downloadPromise;
      } catch (error) {
        // Also reported through the 'error' event; this keeps the rejection from going unhandled.
        if (this.#status.phase === 'checking' || this.#status.phase === 'downloading') this.#failed(error as Error);
      } finally {
        answered();
        this.#checking = null;
        this.#scheduleNextCheck();
      }
    })();
    return this.#checking;
  }

  /** Starts a check (or joins the running one) and resolves once the feed has answered, not after the download. */
  async checkAnswered(): Promise<UpdateServiceStatus> {
    const running = this.check();
    await Promise.race([running, this.#answered]);
    return this.status;
  }

  /** The user asked for it: restart now, whatever the block. */
  async installNow(): Promise<void> {
    if (!this.#ready) return;
    await this.#restart();
  }

  stop(): void {
    if (this.#checkTimer) this.#clock.clearTimeout(this.#checkTimer);
    if (this.#restartTimer) this.#clock.clearTimeout(this.#restartTimer);
    this.#checkTimer = null;
    this.#restartTimer = null;
  }

  #scheduleNextCheck(): void {
    if (this.#checkTimer) this.#clock.clearTimeout(this.#checkTimer);
    const hours = this.#o.prefs().updateCheckHours;
    this.#checkTimer = this.#clock.setTimeout(() => void this.check(), hours * 60 * 60 * 1000);
  }

  #downloaded(version: string): void {
    // A later periodic check finds the same download again: keep the plan, do not notify twice.
    if (this.#ready && this.#ready.version === version && this.#restartTimer) {
      this.#set({ phase: 'ready', availableVersion: version, percent: 100, installAt: this.#ready.installAt, message: this.#ready.message });
      return;
    }
    const installAt = this.#plan();
    const at = (this.#o.formatTime ?? defaultTime)(installAt);
    this.#set({
      phase: 'ready',
      availableVersion: version,
      percent: 100,
      installAt,
      message: `Update ${version} installs at ${at}, right after this block closes.`,
    });
    this.#ready = { version, installAt, message: this.#status.message };
    this.#o.notify({
      level: 'info',
      title: `IO Worker ${version} is ready`,
      body: `It installs at ${at}, right after the current block closes, so your uptime streak and proofs are kept. Quitting installs it too.`,
    });
  }

  #plan(): number {
    const schedule = this.#o.blockSchedule?.() ?? null;
    const installAt = planRestart(this.#clock.now(), {
      hiredUntil: this.#o.hiredUntil(),
      blockMs: schedule?.blockMs ?? this.#o.blockMs,
      anchorMs: schedule?.anchorMs,
      settleMs: schedule ? Math.min(this.#o.settleMs ?? 90_000, schedule.blockMs / 2) : this.#o.settleMs,
    });
    if (this.#restartTimer) this.#clock.clearTimeout(this.#restartTimer);
    this.#restartTimer = this.#clock.setTimeout(() => void this.#restartIfStillSafe(), Math.max(0, installAt - this.#clock.now()));
    return installAt;
  }

  async #restartIfStillSafe(): Promise<void> {
    this.#restartTimer = null;
    const hiredUntil = this.#o.hiredUntil();
    // A hire that began after the download was planned moves the restart past its end.
    if (hiredUntil !== null && hiredUntil > this.#clock.now()) {
      const installAt = this.#plan();
      this.#set({ installAt, message: `Update ${this.#status.availableVersion} waits for the hire to end; it installs at ${(this.#o.formatTime ?? defaultTime)(installAt)}.` });
      if (this.#ready) this.#ready = { ...this.#ready, installAt, message: this.#status.message };
      return;
    }
    await this.#restart();
  }

  async #restart(): Promise<void> {
    if (this.#restarting) return;
    this.#restarting = true;
    this.stop();
    try {
      await this.#o.beforeRestart();
    } finally {
      this.#o.updater.quitAndInstall(true, true);
    }
  }

  #failed(error: Error): void {
    const message = error?.message ?? String(error);
    if (REFUSED.test(message)) {
      const version = this.#status.availableVersion ?? 'the new version';
      this.#set({ phase: 'refused', percent: null, installAt: null, message: `Update ${version} was refused: the download does not match its published checksum.` });
      this.#o.notify({
        level: 'error',
        title: `Update ${version} refused`,
        body: 'The downloaded file does not match the checksum published with it: it was damaged or tampered with on the way. Nothing was installed; IO Worker keeps running this version and tries again at the next check.',
      });
      return;
    }
    this.#set({ phase: 'failed', percent: null, message: `The update check failed: ${message.split('\n')[0].slice(0, 200)}` });
  }

  #set(patch: Partial<UpdateServiceStatus>): void {
    this.#status = { ...this.#status, ...patch };
    this.#o.onStatus?.(this.status);
  }
}

function defaultTime(t: number): string {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

const CONTRACT_STATE: Record<UpdatePhase, UpdateStatus['state']> = {
  disabled: 'unsupported',
  idle: 'idle',
  checking: 'checking',
  'up-to-date': 'idle',
  downloading: 'downloading',
  ready: 'ready',
  refused: 'error',
  failed: 'error',
};

/** The service's status as the contract's `updates.status` answers it. */
export function contractUpdateStatus(status: UpdateServiceStatus): UpdateStatus {
  return {
    runtime: 'electron',
    channel: status.channel,
    currentVersion: status.currentVersion,
    state: CONTRACT_STATE[status.phase],
    availableVersion: status.availableVersion,
    lastCheckAt: status.lastCheckedAt,
    restartPlannedAt: status.installAt,
    detail: status.message,
  };
}

/** The core's `updates` provider over an update service (filled in by main/shell/index.ts). */
export function updatesProvider(service: () => UpdateService | null): UpdatesProvider {
  const current = () => {
    const s = service();
    if (!s) throw new ContractFailure('unavailable', 'The updater is still starting; try again in a moment.');
    return s;
  };
  return {
    status: () => contractUpdateStatus(current().status),
    check: async () => contractUpdateStatus(await current().checkAnswered()),
  };
}
