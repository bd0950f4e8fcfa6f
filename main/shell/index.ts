// main/shell: the ONLY folder that imports 'electron'. This file is the app's lifecycle: single
// instance, sandbox, app:// scheme, the core, IPC, the window, the desktop services. Each concern
// lives in its own file (security, protocol, ipc, window, settings-store, app-secrets, tray,
// updater, desktop) behind a seam its tests fill with fakes; desktop-services.ts wires them.
// May import: electron, electron-store, ../core.ts and the core's parts; nothing from renderer/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, ipcMain, powerMonitor, protocol, safeStorage, session, shell } from 'electron';
import Store from 'electron-store';
import { bootWorker, type BootedWorker } from '../boot.ts';
import { openAppSecrets } from './app-secrets.ts';
import { HIDDEN_FLAG } from './desktop.ts';
import { startDesktopServices, type DesktopServices } from './desktop-services.ts';
import { bindIpc } from './ipc.ts';
import { registerAppScheme, serveAppScheme } from './protocol.ts';
import { guardSession, guardWebContents } from './security.ts';
import { electronStoreBackend } from './settings-store.ts';
import { updatesProvider } from './updater.ts';
import { powerMonitorActivity } from './user-activity.ts';
import { MainWindow, type WindowLike } from './window.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const PRELOAD = path.join(here, '../preload/index.cjs');
const RENDERER_DIR = path.join(here, '../renderer');
// out/main -> the app root (the asar in a package), where resources/ is packed.
const RESOURCES_DIR = path.join(here, '../../resources');
const log = (message: string, error?: unknown) => console.error(`[io-worker] ${message}`, error ?? '');
const openExternal = (url: string) => shell.openExternal(url);

// Tests and portable runs point the profile elsewhere; must happen before anything reads userData.
if (process.env.IO_WORKER_USER_DATA) app.setPath('userData', path.resolve(process.env.IO_WORKER_USER_DATA));
app.enableSandbox();
registerAppScheme(protocol);

if (!app.requestSingleInstanceLock()) {
  // Another IO Worker runs: it gets our 'second-instance' and shows its window.
  app.quit();
} else {
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, { openExternal }));
  app.whenReady().then(start, (error: unknown) => fatal(error));
}

function fatal(error: unknown): void {
  log('IO Worker could not start', error);
  app.exit(1);
}

async function start(): Promise<void> {
  try {
    guardSession(session.defaultSession);
    serveAppScheme(protocol, RENDERER_DIR);
    const dataDir = app.getPath('userData');
    // The updater starts with the desktop services, after the core: the provider reads it late.
    let services: DesktopServices | null = null;
    const worker = await bootWorker({
      runtime: 'electron',
      dataDir,
      settingsBackend: electronStoreBackend(new Store({ name: 'settings' })),
      openSecrets: () => openAppSecrets({ dataDir, safeStorage }),
      network: process.env.IO_WORKER_NETWORK,
      updates: updatesProvider(() => services?.updater ?? null),
      activity: powerMonitorActivity(powerMonitor),
      warn: (message) => log(message),
      log,
    });
    const { core, settings } = worker;
    log(`secrets are kept in ${worker.secrets.reason}`);

    let trayShown = false;
    const window = new MainWindow({
      create: (options) => new BrowserWindow(options) as unknown as WindowLike,
      preload: PRELOAD,
      icon: path.join(RESOURCES_DIR, 'icon.png'),
      devTools: !app.isPackaged,
      // Hiding to the tray only makes sense when there is a tray to come back from.
      closeToTray: () => trayShown && settings.get().desktop.closeToTray,
      openExternal,
      log,
    });
    const unbind = bindIpc({ ipcMain, dispatch: core.dispatch, events: core.events, windows: () => window.contents() });
    app.on('second-instance', () => window.show());
    app.on('activate', () => window.show());
    app.on('window-all-closed', () => app.quit());
    const started = startDesktopServices({ core, window, settings, resourcesDir: RESOURCES_DIR, log });
    services = started;
    trayShown = started.trayShown;
    stopCleanlyOnQuit(worker, window, () => {
      started.stop();
      unbind();
    });

    // Launched at login: the worker runs in the tray; the window opens from there.
    if (!(trayShown && process.argv.includes(HIDDEN_FLAG))) window.show();
    await core.start();
  } catch (error) {
    fatal(error);
  }
}

/** Quitting waits for the worker to stop (sampler, sockets, ledger) before the process exits. */
function stopCleanlyOnQuit(worker: BootedWorker, window: MainWindow, release: () => void): void {
  let stopping: Promise<void> | null = null;
  app.on('before-quit', (event) => {
    window.markQuitting();
    if (stopping) return;
    event.preventDefault();
    stopping = worker
      .close()
      .catch((error: unknown) => log('the worker did not stop cleanly', error))
      .finally(() => {
        release();
        app.quit();
      });
  });
}
