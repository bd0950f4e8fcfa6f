// Composition root: builds the worker core from its parts. No electron here: the app's shell and
// the headless server both wrap this same core, and bind its handlers to their transport.
import { ContractFailure, type Handlers, type Inventory, type Status, type WorkerState } from '../preload/contract.ts';
import { createDispatcher, type Dispatch } from './dispatch.ts';
import { EventBus } from './events.ts';
import { collectInventory, type GpuInventorySource } from './probes/inventory.ts';
import { TelemetrySampler, type GpuSampler } from './probes/sampler.ts';
import type { SecretStore } from './settings/secrets.ts';
import type { SettingsStore } from './settings/store.ts';
import { loadOrCreateIdentity, type DeviceIdentity } from './worker/identity.ts';

export const VERSION = '0.1.0';

export interface CoreOptions {
  dataDir: string;
  runtime: Status['runtime'];
  settings: SettingsStore;
  secrets: SecretStore;
  gpuSamplers?: GpuSampler[];
  gpuInventorySources?: GpuInventorySource[];
  /** Inventory is slow (systeminformation shells out); tests inject a fixed one. */
  inventory?: () => Promise<Inventory>;
  log?: (message: string, error?: unknown) => void;
}

export interface Core {
  readonly handlers: Handlers;
  readonly dispatch: Dispatch;
  readonly events: EventBus;
  readonly identity: DeviceIdentity;
  readonly sampler: TelemetrySampler;
  status(): Status;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[io-worker] ${message}`, error ?? ''));
  const events = new EventBus();
  const identity = await loadOrCreateIdentity(options.secrets);
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

  // Until the network runtime lands, the worker is honestly idle: probing, not connected.
  let state: { state: WorkerState; detail: string; since: number } = {
    state: 'starting',
    detail: 'Detecting hardware…',
    since: Date.now(),
  };
  const status = (): Status => ({
    ...state,
    deviceId: identity.deviceId,
    deviceName: options.settings.get().deviceName,
    version: VERSION,
    secretsBackend: options.secrets.backend,
    runtime: options.runtime,
  });
  const setState = (next: WorkerState, detail: string) => {
    state = { state: next, detail, since: Date.now() };
    events.emit('status', status());
  };

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
  } satisfies Handlers;

  const unsubscribers: (() => void)[] = [];
  return {
    handlers,
    dispatch: createDispatcher(handlers, { log }),
    events,
    identity,
    sampler,
    status,
    async start() {
      unsubscribers.push(sampler.onFrame((frame) => events.emit('telemetry', frame)));
      unsubscribers.push(
        options.settings.onChange((settings) => sampler.setInterval(settings.sampleIntervalMs)),
      );
      sampler.start(options.settings.get().sampleIntervalMs);
      try {
        await getInventory();
        setState('idle', 'Hardware detected. Not connected to a compute network yet.');
      } catch {
        setState('error', 'The hardware inventory could not be read; see the log.');
      }
    },
    async stop() {
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
      await sampler.stop();
    },
  };
}
