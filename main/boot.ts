// One boot for both runtimes: the app's shell and `io-worker serve` open settings, secrets and the
// ledger, choose the network and build the core here. Only what differs per runtime (where
// settings and secrets live, the updater) is passed in.
import os from 'node:os';
import { createCore, type Core, type CoreOptions, type UpdatesProvider } from './core.ts';
import { DataDirLockedError, acquireDataDirLock, type DataDirLock } from './lib/data-dir-lock.ts';
import { startWorkerMetrics, type WorkerMetrics } from './metrics/start.ts';
import { defaultDeviceName } from './settings/device-name.ts';
import { Ledger } from './ledger/ledger.ts';
import { describeDamage } from './ledger/damaged.ts';
import { createProbes } from './probes/index.ts';
import type { SecretStore } from './settings/secrets.ts';
import { SettingsStore, type SettingsBackend } from './settings/store.ts';

export interface BootOptions {
  runtime: CoreOptions['runtime'];
  dataDir: string;
  /** Where settings are kept: electron-store in the app, conf headless. */
  settingsBackend: SettingsBackend;
  /** Opens the secret store: the OS keychain, with the runtime's own fallback. */
  openSecrets: () => Promise<SecretStore>;
  /** A network named for this run (`--network`, IO_WORKER_NETWORK); wins over Settings. */
  network?: string;
  /** `--metrics-listen HOST:PORT`: /metrics on an address of its own, behind a bearer token. */
  metricsListen?: string;
  updates?: UpdatesProvider;
  /** The desktop's idle time and lock state (the shell's powerMonitor); absent headless. */
  activity?: CoreOptions['activity'];
  /** Probes for tests; the machine's own by default. */
  probes?: Pick<CoreOptions, 'gpuSamplers' | 'gpuInventorySources' | 'inventory'>;
  /** Things the user should know at start (history not saved, settings repaired). */
  warn: (message: string) => void;
  log?: CoreOptions['log'];
}

export interface BootedWorker {
  core: Core;
  settings: SettingsStore;
  secrets: SecretStore;
  ledger: Ledger;
  /** 'embedded' or the coordinator URL this worker joins. */
  network: string;
  /** This process's hold on the data dir (serve adds where its dashboard is). */
  lock: DataDirLock;
  /** The Prometheus exporter, and its own listener where one was asked for. */
  metrics: WorkerMetrics;
  /** Stops the core, then closes the ledger. */
  close(): Promise<void>;
}

export class NetworkChoiceError extends Error {}

/** The one place the network is decided: this run's choice, else Settings (out of the box 'embedded'). */
export function chooseNetwork(forThisRun: string | undefined, fromSettings: string): string {
  const network = forThisRun === undefined || forThisRun === '' ? fromSettings : forThisRun;
  if (network !== 'embedded' && !/^https?:\/\/[^/]+/.test(network)) {
    throw new NetworkChoiceError(`The network must be an http(s):// URL or "embedded", not ${network}`);
  }
  return network;
}

export async function bootWorker(options: BootOptions): Promise<BootedWorker> {
  // First: a second worker on this folder must stop before it touches anything in it.
  const lock = lockDataDir(options.dataDir, options.warn);
  try {
    // Read before the store writes its first file: a device with no stored name is a new one.
    const firstStart = !hasStoredName(options.settingsBackend);
    const settings = new SettingsStore(options.settingsBackend);
    for (const what of settings.repaired) options.warn(`settings repaired: ${what}`);
    for (const notice of settings.noticesAtStart) options.warn(`${notice.title}. ${notice.body}`);
    const network = chooseNetwork(options.network, settings.get().network);
    return await bootLocked(options, settings, network, lock, firstStart);
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** A second worker on the same folder stops here; a disk that cannot take the lock file does not stop this one. */
function lockDataDir(dataDir: string, warn: (message: string) => void): DataDirLock {
  try {
    return acquireDataDirLock(dataDir);
  } catch (error) {
    if (error instanceof DataDirLockedError) throw error;
    warn(`the data dir could not be locked (${(error as Error).message}); make sure no other worker uses ${dataDir}`);
    return { file: '', update: () => {}, release: () => {} };
  }
}

async function bootLocked(options: BootOptions, settings: SettingsStore, network: string, lock: DataDirLock, firstStart: boolean): Promise<BootedWorker> {
  const secrets = await options.openSecrets();
  // A full or read-only disk does not stop the worker: the ledger says so and retries on its own.
  const ledger = Ledger.open({ dataDir: options.dataDir });
  if (ledger.problem) options.warn(`history is not being saved: ${ledger.problem}`);
  if (ledger.damaged) options.warn(`${describeDamage(ledger.damaged, Date.now())}; a new history file was started`);
  // The Notifications tab lists the ledger's notices: the damaged file's is there already, these join it.
  for (const notice of settings.noticesAtStart) ledger.recordNotice(notice);
  let core: Core;
  try {
    core = await createCore({
      dataDir: options.dataDir,
      runtime: options.runtime,
      settings,
      secrets,
      ledger,
      network,
      updates: options.updates,
      activity: options.activity,
      log: options.log,
      ...(options.probes ?? createProbes()),
    });
  } catch (error) {
    ledger.close();
    throw error;
  }
  // A refused save later on is said once, live and in the notifications (the core records what it shows).
  const offSettingsNotices = settings.onNotice((notice) => {
    options.warn(`${notice.title}. ${notice.body}`);
    core.events.emit('notice', notice);
  });
  if (firstStart) nameNewDevice(core, settings);
  let metrics: WorkerMetrics;
  try {
    metrics = await startWorkerMetrics({ core, ledger, settings, dataDir: options.dataDir, listen: options.metricsListen, warn: options.warn });
  } catch (error) {
    offSettingsNotices();
    ledger.close();
    throw error;
  }
  return {
    core,
    settings,
    secrets,
    ledger,
    network,
    lock,
    metrics,
    async close() {
      offSettingsNotices();
      try {
        await metrics.close();
        await core.stop();
      } finally {
        ledger.close();
        lock.release();
      }
    },
  };
}

function hasStoredName(backend: SettingsBackend): boolean {
  try {
    const raw = backend.read() as { deviceName?: unknown } | undefined;
    return typeof raw?.deviceName === 'string';
  } catch {
    return true; // unreadable settings: the store repairs them; the name is not ours to choose
  }
}

/** A new device gets a name that tells it apart: host, then GPU model (once the inventory says) and a short id. */
function nameNewDevice(core: Core, settings: SettingsStore): void {
  const hostname = os.hostname();
  const named = defaultDeviceName(hostname, null, core.identity.deviceId);
  settings.update({ deviceName: named });
  core.handlers['system.inventory']({}).then(
    (inventory) => {
      const gpu = inventory.gpus[0]?.model ?? null;
      if (gpu && settings.get().deviceName === named) settings.update({ deviceName: defaultDeviceName(hostname, gpu, core.identity.deviceId) });
    },
    () => {}, // no inventory: the name without a GPU stays
  );
}
