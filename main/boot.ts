// One boot for both runtimes: the app's shell and `io-worker serve` open settings, secrets and the
// ledger, choose the network and build the core here. Only what differs per runtime (where
// settings and secrets live, the updater) is passed in.
import { createCore, type Core, type CoreOptions, type UpdatesProvider } from './core.ts';
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
  updates?: UpdatesProvider;
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
  const settings = new SettingsStore(options.settingsBackend);
  for (const what of settings.repaired) options.warn(`settings repaired: ${what}`);
  for (const notice of settings.noticesAtStart) options.warn(`${notice.title}. ${notice.body}`);
  const network = chooseNetwork(options.network, settings.get().network);
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
  return {
    core,
    settings,
    secrets,
    ledger,
    network,
    async close() {
      offSettingsNotices();
      try {
        await core.stop();
      } finally {
        ledger.close();
      }
    },
  };
}
