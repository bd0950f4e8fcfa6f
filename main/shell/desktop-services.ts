// Wires the desktop services to the running core: tray, auto-update, notifications, sleep guard,
// start at login and the dock badge. Each service is tested on its own through its seam; this file
// only hands them the real Electron objects and connects them to the core's events and to the
// desktop group of the core's settings (the one settings schema, shared with headless).
import os from 'node:os';
import path from 'node:path';
import { Menu, Notification, Tray, app, nativeTheme, powerSaveBlocker, type MenuItemConstructorOptions } from 'electron';
import electronUpdater from 'electron-updater';
import type { Core } from '../core.ts';
import { DesktopNotifier, SleepGuard, badgeFor, setStartAtLogin, startsAtLogin, type StartAtLoginOptions } from './desktop.ts';
import type { SettingsStore } from '../settings/store.ts';
import { TrayService, hottestGpu, trayIconName } from './tray.ts';
import { UpdateService, type UpdaterLike } from './updater.ts';
import type { MainWindow } from './window.ts';
import { DisposableStore } from '../lib/emitter.ts';
import { formatIO } from '../../preload/contract/amounts.ts';

export interface DesktopServicesOptions {
  core: Core;
  window: MainWindow;
  /** The core's settings: the shell reads and writes their `desktop` group. */
  settings: SettingsStore;
  resourcesDir: string;
  log: (message: string, error?: unknown) => void;
}

export interface DesktopServices {
  readonly trayShown: boolean;
  /** The Version Control service, for the core's `updates` provider. */
  readonly updater: UpdateService;
  stop(): void;
}

export function startDesktopServices(options: DesktopServicesOptions): DesktopServices {
  const { core, window, settings, log } = options;
  const desktop = () => settings.get().desktop;
  const subscriptions = new DisposableStore();
  let noticeSeq = 0;
  const emitNotice = (notice: { level: 'info' | 'warning' | 'error'; title: string; body: string }) =>
    core.events.emit('notice', { id: `shell-${Date.now()}-${++noticeSeq}`, t: Date.now(), ...notice });

  const login: StartAtLoginOptions = {
    platform: process.platform,
    loginItems: app,
    autostartDir: path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'autostart'),
    // Inside an AppImage the executable is a temporary mount: autostart must run the AppImage itself.
    execPath: process.env.APPIMAGE || process.execPath,
  };

  let trayShown = false;
  const updater = new UpdateService({
    updater: electronUpdater.autoUpdater as unknown as UpdaterLike,
    currentVersion: app.getVersion(),
    enabled: app.isPackaged,
    prefs: desktop,
    // The hire's own end, from its order; a hire with no known end is replanned after each block.
    hiredUntil: () => core.worker()?.state().hire?.endsAt ?? (core.status().state === 'hired' ? Date.now() + 1 : null),
    blockSchedule: () => core.worker()?.blockSchedule() ?? null,
    beforeRestart: () => core.stop(),
    notify: emitNotice,
    onStatus: (status) =>
      trayShown &&
      tray.update({
        updateNote: status.phase === 'ready' || status.phase === 'refused' ? status.message : null,
        updateReady: status.installAt !== null ? status.availableVersion : null,
      }),
  });

  const tray = new TrayService({
    createTray: (icon) => new Tray(icon),
    buildMenu: (items) => Menu.buildFromTemplate(items.map((item) => ({ ...item }) as MenuItemConstructorOptions)),
    iconPath: (state, variant) => path.join(options.resourcesDir, 'tray', trayIconName(state, variant)),
    variant: () => (nativeTheme.shouldUseDarkColors ? 'dark' : 'light'),
    actions: {
      openDashboard: () => window.show(),
      // The owner's own pause, as the Home button sets it (a limit's or the autopilot's pause stays).
      setPaused: (paused) => void core.handlers['worker.pause']({ paused }).catch((error: unknown) => log('pause from the tray failed', error)),
      setStartAtLogin: (enabled) => {
        try {
          setStartAtLogin(enabled, login);
          settings.update({ desktop: { startAtLogin: enabled } });
        } catch (error) {
          log('start at login could not be changed', error);
        }
        tray.update({ startAtLogin: startsAtLogin(login) });
      },
      checkForUpdates: () => void (updater.status.installAt !== null ? updater.installNow() : updater.check()),
      quit: () => app.quit(),
    },
  });

  try {
    tray.update({ state: core.status().state, startAtLogin: startsAtLogin(login) });
    trayShown = true;
  } catch (error) {
    // Some Linux desktops have no status area: the window then closes for real.
    log('no tray on this desktop', error);
  }
  const onTheme = () => trayShown && tray.render();
  nativeTheme.on('updated', onTheme);
  subscriptions.add(() => nativeTheme.off('updated', onTheme));

  const sleep = new SleepGuard(powerSaveBlocker);
  const notifier = new DesktopNotifier(
    {
      isSupported: () => Notification.isSupported(),
      show: ({ title, body, urgency }) => {
        const notification = new Notification({ title, body, urgency, icon: path.join(options.resourcesDir, 'icon.png') });
        notification.on('click', () => window.show());
        notification.show();
      },
    },
    () => desktop().notifications,
  );

  // Today's earnings from the ledger, in the one amount format: after each status change (a block
  // closed, a payout) and each minute, so the tray's line is never older than that.
  let earnedAsked = 0;
  const refreshEarned = (force = false) => {
    if (!trayShown || (!force && Date.now() - earnedAsked < 5_000)) return;
    earnedAsked = Date.now();
    core.handlers['rewards.summary']({ days: 1, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone })
      .then((summary) => tray.update({ earnedToday: summary.totals.today > 0 ? formatIO(summary.totals.today) : null }))
      .catch(() => {}); // no ledger: the line says "nothing yet"
  };
  const earnedTimer = setInterval(() => refreshEarned(true), 60_000);
  subscriptions.add(() => clearInterval(earnedTimer));
  const onStatus = (status: ReturnType<Core['status']>) => {
    if (trayShown) tray.update({ state: status.state, pausedBy: status.state === 'paused' ? (core.worker()?.state().paused?.source ?? null) : null });
    refreshEarned();
    sleep.update(status.state);
    notifier.status(status);
    app.dock?.setBadge(badgeFor(status.state));
  };
  onStatus(core.status());
  subscriptions.add(core.events.on('status', onStatus));
  subscriptions.add(core.events.on('notice', (notice) => void notifier.notice(notice)));
  subscriptions.add(core.events.on('telemetry', (frame) => trayShown && tray.update({ hottestGpuC: hottestGpu(frame) })));
  subscriptions.add(core.addViewer(() => window.isOpen));
  // The Settings page (or the tray) changed the desktop group: apply what changed.
  let applied = desktop();
  subscriptions.add(
    settings.onChange(({ desktop: next }) => {
      const before = applied;
      applied = next;
      if (next.updateChannel !== before.updateChannel || next.updateFeedUrl !== before.updateFeedUrl || next.updateCheckHours !== before.updateCheckHours) {
        updater.configure();
      }
      if (next.startAtLogin !== before.startAtLogin && next.startAtLogin !== startsAtLogin(login)) {
        try {
          setStartAtLogin(next.startAtLogin, login);
        } catch (error) {
          log('start at login could not be changed', error);
        }
        if (trayShown) tray.update({ startAtLogin: startsAtLogin(login) });
      }
    }),
  );

  updater.start();

  return {
    get trayShown() {
      return trayShown;
    },
    updater,
    stop() {
      updater.stop();
      sleep.update('idle');
      subscriptions.dispose();
      tray.destroy();
    },
  };
}
