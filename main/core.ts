// Composition root: builds the worker core from its parts. No electron here: the app's shell and
// the headless server both wrap this same core, and bind its handlers to their transport.
import { ContractFailure, type Handlers, type Inventory, type Pause, type Status, type TelemetryFrame, type UpdateStatus, type WorkerState } from '../preload/contract/index.ts';
import { WORKER_STATE_WORDS } from '../preload/contract/words.ts';
import { createDispatcher, type Dispatch } from './dispatch.ts';
import { EventBus } from './events.ts';
import { DisposableStore } from './lib/emitter.ts';
import { attachLedger, ledgerHandlers } from './ledger/handlers.ts';
import type { Ledger } from './ledger/ledger.ts';
import { ledgerRewardSink } from './ledger/reward-sink.ts';
import { FaultMonitor } from './probes/faults.ts';
import { ProbeWatch } from './probes/probe-watch.ts';
import { collectInventory, type GpuInventorySource } from './probes/inventory.ts';
import { TelemetrySampler, type GpuSampler } from './probes/sampler.ts';
import type { SecretStore } from './settings/secrets.ts';
import type { SettingsStore } from './settings/store.ts';
import { checkSolanaAddress } from './settings/wallet.ts';
import { loadOrCreateAccount, loadOrCreateIdentity, type DeviceIdentity } from './worker/identity.ts';
import type { Coordinator } from './devnet/coordinator.ts';
import type { RewardSink, WorkerClient } from './worker/client.ts';
import { BlockEvidence } from './worker/block-evidence.ts';
import { PauseArbiter } from './worker/pause.ts';
import { logTheStory, pauseLine, withStoryLines } from './story-log.ts';
import { createAlerts } from './alerts/service.ts';
import { startAutopilot } from './worker/autopilot/index.ts';
import { watchSampler } from './worker/watchdog.ts';
import type { UserActivity } from './worker/autopilot/idle.ts';
import { createWorkerRuntime, networkHandlers } from './worker/runtime.ts';
import { PairingService, pairingHandlers, sessionContext } from './worker/pairing.ts';
import { VERSION } from './version.ts';

export { VERSION } from './version.ts';

export interface CoreOptions {
  dataDir: string;
  runtime: Status['runtime'];
  settings: SettingsStore;
  secrets: SecretStore;
  gpuSamplers?: GpuSampler[];
  gpuInventorySources?: GpuInventorySource[];
  /** Inventory is slow (systeminformation shells out); tests inject a fixed one. */
  inventory?: () => Promise<Inventory>;
  /** The history store; opened and closed by whoever creates the core (absent: history answers 'unavailable'). */
  ledger?: Ledger;
  log?: (message: string, error?: unknown) => void;
  /** A coordinator URL, 'embedded' (a devnet on 127.0.0.1), or null for none; bootWorker chooses it. */
  network: string | null;
  /** Where block rewards, payouts and hires go (the ledger); absent: they are only shown. */
  rewardSink?: RewardSink;
  /** The updater (the app's Version Control service); absent headless, where the core says how to update. */
  updates?: UpdatesProvider;
  /** The desktop's idle time and lock state for the idle rule (main/shell); absent headless. */
  activity?: UserActivity;
}

export interface UpdatesProvider {
  status(): UpdateStatus;
  /** Checks the feed now and answers once it has answered. */
  check(): Promise<UpdateStatus>;
}

/** What a core without an updater answers: this runtime does not replace itself. */
export function selfUpdateUnsupported(runtime: Status['runtime'], channel: UpdateStatus['channel']): UpdateStatus {
  return {
    runtime,
    channel,
    currentVersion: VERSION,
    state: 'unsupported',
    availableVersion: null,
    lastCheckAt: null,
    restartPlannedAt: null,
    detail:
      runtime === 'headless'
        ? `The headless worker does not update itself. Update it the way you installed it: \`git pull && npm ci\` in a source checkout, or your package manager; then restart \`io-worker serve\`.`
        : 'This build does not update itself; install the new version from the releases page.',
  };
}

export interface Core {
  readonly handlers: Handlers;
  readonly dispatch: Dispatch;
  readonly events: EventBus;
  readonly identity: DeviceIdentity;
  readonly sampler: TelemetrySampler;
  /** The network session once started (null with no network). */
  worker(): WorkerClient | null;
  /** The embedded devnet's URL when this core runs one. */
  devnetUrl(): string | null;
  /** A dashboard that may be on screen (a window, a server's WebSocket clients): while one is, GPU processes are listed every 5 s. */
  addViewer(onScreen: () => boolean): () => void;
  status(): Status;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[io-worker] ${message}`, error ?? ''));
  const events = new EventBus();
  const identity = await loadOrCreateIdentity(options.secrets);
  const account = await loadOrCreateAccount(options.secrets);
  const sampler = new TelemetrySampler(options.gpuSamplers ?? []);
  const probeInventory = options.inventory ?? (() => collectInventory(options.gpuInventorySources ?? []));

  let inventory: Promise<Inventory> | null = null;
  const getInventory = (refresh = false) => {
    if (!inventory || refresh) {
      inventory = probeInventory().catch((error: unknown) => {
        inventory = null; // a failed probe is retried by the next request, not cached
        log('inventory failed', error);
        throw new ContractFailure('unavailable', 'The hardware inventory could not be read; see the log.');
      });
    }
    return inventory;
  };

  // Starting until the hardware is known; from then on the network session reports the state.
  let reported: { state: WorkerState; detail: string } = { state: 'starting', detail: 'Detecting hardware…' };
  let state: { state: WorkerState; detail: string; since: number } = { ...reported, since: Date.now() };
  const probeWatch = new ProbeWatch();
  let probeTrouble: string | null = null;
  const offline = () => (state.state === 'offline' ? (client?.state().offline ?? null) : null);
  const status = (): Status => ({
    ...state,
    offline: offline(),
    deviceId: identity.deviceId,
    deviceName: options.settings.get().deviceName,
    version: VERSION,
    secretsBackend: options.secrets.backend,
    runtime: options.runtime,
  });
  // Unsaved history needs attention ('error'): a restart loses what is parked, so a green "Earning" would be a false all-clear.
  const shown = (): { state: WorkerState; detail: string } => {
    let { state: next, detail } = reported;
    const history = options.ledger?.problem;
    if (history && next !== 'starting') {
      const otherwise = next === 'error' ? detail : `Otherwise ${WORKER_STATE_WORDS[next].toLowerCase()}: ${detail}`;
      detail = `History is not being saved: ${history} ${otherwise}`;
      next = 'error';
    }
    if (probeTrouble) detail = `${detail}${/[.!?…]$/.test(detail) ? '' : '.'} ${probeTrouble}`;
    return { state: next, detail };
  };
  let shownRetry: number | null = null;
  const refresh = () => {
    const next = shown();
    // The session reports on every change of its own (a buffered heartbeat too): only a new state
    // restarts "since", and an unchanged report is not news for the dashboard (a new retry time is).
    const retryAt = next.state === 'offline' ? (client?.state().offline?.retryAt ?? null) : null;
    if (next.state === state.state && next.detail === state.detail && retryAt === shownRetry) return;
    shownRetry = retryAt;
    state = { ...next, since: next.state === state.state ? state.since : Date.now() };
    events.emit('status', status());
  };
  const setState = (next: WorkerState, detail: string) => {
    reported = { state: next, detail };
    refresh();
  };

  const pauses = new PauseArbiter();
  // Other machines paired into this account, and this one joining another's (worker/pairing.ts).
  const pairing = new PairingService({
    dataDir: options.dataDir, context: () => sessionContext(client, networkUrl, account), network: () => networkUrl, log,
    device: () => ({ deviceId: identity.deviceId, name: options.settings.get().deviceName }),
  });
  const pairingAccount = () => (sessionContext(client, networkUrl, account) ? account.id : null);
  // Alerts (main/alerts): rules over the core's events, the owner's channels, the test-alert requests.
  const alerts = createAlerts({ settings: options.settings, secrets: options.secrets, events, pauses, deviceId: identity.deviceId, dataDir: options.dataDir, version: VERSION, session: () => client?.state() ?? null, networkUrl: () => networkUrl, hired: () => client?.state().hire != null, log });
  const handlers = {
    'system.inventory': async ({ refresh }) => getInventory(refresh ?? false),
    'system.status': async () => status(),
    'telemetry.recent': async ({ seconds }) => sampler.recent(seconds),
    'settings.get': async () => options.settings.get(),
    'settings.update': async (patch) => options.settings.update(patch),
    'device.rename': async ({ name }) => {
      options.settings.update({ deviceName: name });
      events.emit('status', status());
      return status();
    },
    'system.ping': async ({ nonce }) => ({ nonce, t: Date.now() }),
    'wallet.check': async ({ address }) => checkSolanaAddress(address),
    'wallet.set': async ({ address }) => {
      const check = checkSolanaAddress(address);
      if (!check.ok) throw new ContractFailure('bad-request', check.reason);
      return options.settings.setWallet(check.address).wallet;
    },
    ...ledgerHandlers(options.ledger, identity.deviceId),
    'updates.status': async () => options.updates?.status() ?? selfUpdateUnsupported(options.runtime, options.settings.get().desktop.updateChannel),
    'updates.check': async () => (await options.updates?.check()) ?? selfUpdateUnsupported(options.runtime, options.settings.get().desktop.updateChannel),
    ...alerts.handlers,
    ...networkHandlers(() => (client && networkUrl ? { client, network: networkUrl, place: options.network ?? undefined } : null), pauses),
    ...pairingHandlers(() => pairing, () => networkUrl, () => pairingAccount()),
  } satisfies Handlers;

  // Everything start() subscribes to; stop() ends it all in one call.
  let subscriptions = new DisposableStore();
  let devnet: Coordinator | null = null;
  let client: WorkerClient | null = null;
  let networkUrl: string | null = null;
  // One watcher over the limits: it raises the notices and, while a limit stays exceeded, holds
  // the 'limits' pause. Limits are read per frame, so a change in settings applies at the next tick.
  const faults = new FaultMonitor({ limits: () => options.settings.live().limits });
  const applyPause = () => {
    const pause = pauses.current();
    const now = client?.state().paused ?? null;
    if (now?.source === pause?.source && now?.detail === pause?.detail) return;
    if (pause) client?.pause(pause);
    else client?.resume();
  };
  pauses.onChange(applyPause);
  // The log tells each pause and resume with who held it (the story's other lines: story-log.ts).
  let toldPause: Pause | null = null;
  pauses.onChange(() => {
    const line = pauseLine(toldPause, pauses.current());
    toldPause = pauses.current();
    if (line) log(line);
  });
  // Listing the GPUs' processes costs two nvidia-smi starts: every 5 s only while someone needs them.
  const viewers = new Set<() => boolean>();
  const processesWatched = () => options.settings.live().autopilot.gaming.enabled || [...viewers].some((onScreen) => onScreen());
  return {
    worker: () => client,
    devnetUrl: () => devnet?.url ?? null,
    addViewer(onScreen) {
      viewers.add(onScreen);
      return () => viewers.delete(onScreen);
    },
    handlers,
    dispatch: createDispatcher(handlers, { log }),
    events,
    identity,
    sampler,
    status,
    async start() {
      // Before this run's first sample: what the ledger saw before it is the previous run.
      const startedAt = Date.now();
      subscriptions.add(sampler.onFrame((frame) => events.emit('telemetry', frame)));
      subscriptions.add(sampler.onFrame(() => sampler.watchProcesses(processesWatched())));
      for (const off of logTheStory(events, (line) => log(line))) subscriptions.add(off);
      if (options.ledger) {
        // Online = runtime up and heartbeats acknowledged; with no network configured, runtime up.
        for (const off of attachLedger(options.ledger, sampler, events, identity.deviceId, log, () => client?.state() ?? null, () => client?.traffic() ?? null)) subscriptions.add(off);
      }
      subscriptions.add(faults.onNotice((notice) => events.emit('notice', notice)));
      subscriptions.add(alerts.start());
      subscriptions.add(watchSampler(sampler, { notice: (n) => events.emit('notice', n), onFailed: alerts.watchdogFailed, log }));
      subscriptions.add(startAutopilot({
        pauses,
        settings: () => options.settings.live().autopilot,
        onSettingsChange: (listener) => options.settings.onChange(listener),
        onFrame: (listener) => sampler.onFrame(listener),
        activity: options.activity,
        hired: () => client?.state().hire != null,
        log,
      }));
      // After the ledger's own listener: a frame it could not save shows in the status of that frame.
      subscriptions.add(
        sampler.onFrame((frame) => {
          probeTrouble = probeWatch.observe(frame);
          refresh();
        }),
      );
      subscriptions.add(
        sampler.onFrame((frame) => {
          faults.observe(frame);
          pauses.set('limits', faults.pauseReason());
        }),
      );
      for (const gpu of options.gpuSamplers ?? []) {
        // A GPU appeared or vanished: take the inventory again (a failure is logged by getInventory).
        const off = gpu.onHardwareChange?.(() => void getInventory(true).catch(() => {}));
        if (off) subscriptions.add(off);
      }
      subscriptions.add(
        options.settings.onChange((settings) => sampler.setInterval(settings.sampleIntervalMs)),
      );
      sampler.start(options.settings.get().sampleIntervalMs);
      try {
        await getInventory();
        setState('idle', 'Hardware detected. Not connected to a compute network yet.');
      } catch {
        setState('error', 'The hardware inventory could not be read; see the log.');
        return;
      }
      const network = options.network;
      if (network) {
        // The devnet (about 5 MiB resident) loads only for --network embedded.
        if (network === 'embedded') devnet = await (await import('./devnet/embedded.ts')).startEmbeddedDevnet(options.dataDir, undefined, (m) => log(`devnet: ${m}`));
        let lastFrame: TelemetryFrame | null = null;
        subscriptions.add(sampler.onFrame((frame) => (lastFrame = frame)));
        networkUrl = devnet ? devnet.url : network;
        client = await createWorkerRuntime({
          network: networkUrl,
          place: network,
          wallet: () => options.settings.get().wallet.address,
          dataDir: options.dataDir,
          identity,
          secrets: options.secrets,
          deviceName: () => options.settings.get().deviceName,
          inventory: () => getInventory(),
          frame: () => lastFrame,
          sink: alertsTap(alerts, withLiveNotices(tellSink(options.rewardSink ?? (options.ledger ? ledgerRewardSink(options.ledger, { log }) : undefined), log), events)),
          evidence: startBlockEvidence(options.ledger, identity.deviceId, startedAt, subscriptions, log),
          updates: () => options.updates?.status() ?? null,
          onStatus: setState,
          lending: () => options.settings.get().lending,
          watchdog: { notice: (n) => events.emit('notice', n) },
          log: (m) => log(`network: ${m}`),
        });
        client.start();
        subscriptions.add(pairing.start());
        applyPause();
        let wallet = options.settings.get().wallet.address;
        subscriptions.add(options.settings.onChange((settings) => {
          if (settings.wallet.address && settings.wallet.address !== wallet) client?.setWallet(settings.wallet.address);
          wallet = settings.wallet.address;
        }));
      }
    },
    async stop() {
      await client?.stop();
      await devnet?.close();
      client = null;
      devnet = null;
      subscriptions.dispose();
      subscriptions = new DisposableStore();
      await sampler.stop();
    },
  };
}

/**
 * The session's notices (disconnected, back online, a network to confirm) go through the event bus:
 * the dashboard shows them live, alerts hear them, and the ledger keeps them (handlers.ts records
 * every notice of the bus). Without a ledger they are still shown.
 */
function withLiveNotices(sink: RewardSink | undefined, events: EventBus): RewardSink | undefined {
  let seq = 0;
  const recordNotice = (notice: { level: 'info' | 'warning' | 'error'; title: string; body: string }) => {
    const t = Date.now();
    events.emit('notice', { id: `network-${t}-${seq++}`, t, ...notice });
  };
  return sink ? { ...sink, recordNotice } : undefined;
}

/** What the worker sees of each block, kept in the ledger (none without one); it stops with the core. */
function startBlockEvidence(ledger: Ledger | undefined, deviceId: string, startedAt: number, subscriptions: DisposableStore, log: (m: string) => void) {
  if (!ledger) return undefined;
  const evidence = new BlockEvidence(ledger, deviceId, { log });
  evidence.start(startedAt);
  subscriptions.add(() => evidence.stop());
  return evidence;
}

/** Block failures and payouts reach the alert rules on their way to the sink. */
function alertsTap(alerts: { tapSink<S extends RewardSink>(sink: S): S }, sink: RewardSink | undefined): RewardSink | undefined {
  return sink ? alerts.tapSink(sink) : undefined;
}

/** The sink, with each block result and payout told in the log. */
function tellSink(sink: RewardSink | undefined, log: (message: string) => void): RewardSink | undefined {
  return sink ? withStoryLines(sink, (line) => log(line)) : undefined;
}
