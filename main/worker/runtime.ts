// The worker runtime as the core sees it: builds the network client from the core's parts
// (identity, inventory, telemetry frames, secrets) and turns its session into a status sentence.
import { ContractFailure, type Inventory, type LendingSettings, type NetworkDevices, type NetworkStatus, type Notice, type Pause, type TelemetryFrame, type WorkerState } from '../../preload/contract/index.ts';
import { formatIOChange } from '../../preload/contract/amounts.ts';
import { NETWORK_JUDGED_CHECKS, PAUSE_SOURCE_WORDS } from '../../preload/contract/words.ts';
import type { SecretStore } from '../settings/secrets.ts';
import { WorkerClient, type ClientState, type RewardSink, type TelemetrySummary } from './client.ts';
import { DevicesResponseSchema } from './explorer-api.ts';
import type { EvidenceObserver } from './block-evidence.ts';
import { createHireRunner, lentInventory, NO_CAPS } from './ray/lending.ts';
import { NetworkTrust } from './trust.ts';
import type { PauseArbiter } from './pause.ts';
import { watchWorkerParts } from './hire-watchdog.ts';
import { loadOrCreateAccount, type DeviceIdentity } from './identity.ts';
import type { InventorySummary, ServiceState } from './protocol.ts';

export interface WorkerRuntimeOptions {
  network: string;
  /** The network as the owner chose it ('embedded' or a URL): where its key pin is kept. */
  place: string;
  dataDir: string;
  identity: DeviceIdentity;
  secrets: SecretStore;
  deviceName: () => string;
  wallet?: () => string | null;
  inventory: () => Promise<Inventory>;
  /** The latest telemetry frame, for the heartbeat summary. */
  frame: () => TelemetryFrame | null;
  sink?: RewardSink;
  /** What the worker saw of each block: challenges, answers, gaps (block-evidence.ts). */
  evidence?: EvidenceObserver;
  /** The updater's state, shown as the Version Control service. */
  updates?: () => { state: string; detail: string } | null;
  onStatus: (state: WorkerState, detail: string) => void;
  /** Where the watchdog's notices go (restarts, failures): the session and a running hire are watched when given. */
  watchdog?: { notice: (notice: Notice) => void };
  /** What the owner lends hires (GPUs, caps, Ray's ports and path); absent: the whole machine. */
  lending?: () => LendingSettings;
  log?: (message: string) => void;
}

export function summarizeInventory(inventory: Inventory): InventorySummary {
  return {
    hostname: inventory.hostname,
    os: `${inventory.os.distro} ${inventory.os.release} (${inventory.os.arch})`,
    cpu: { brand: inventory.cpu.brand, threads: inventory.cpu.threads },
    memoryBytes: inventory.memory.totalBytes,
    gpus: inventory.gpus.map((g) => ({ model: g.model, vramMiB: g.vramMiB })),
  };
}

export function summarizeFrame(frame: TelemetryFrame | null): TelemetrySummary {
  const gpus = frame?.gpus ?? [];
  const numbers = (values: (number | null)[]) => values.filter((v): v is number => v !== null);
  const util = numbers(gpus.map((g) => g.utilizationPct));
  const temps = numbers(gpus.map((g) => g.temperatureC));
  const power = numbers(gpus.map((g) => g.powerW));
  return {
    cpuPct: frame?.cpu.utilizationPct ?? null,
    gpuPct: util.length ? util.reduce((a, b) => a + b, 0) / util.length : null,
    gpuTempC: temps.length ? Math.max(...temps) : null,
    powerW: power.length ? power.reduce((a, b) => a + b, 0) : null,
    rxBytes: frame?.network.rxTotalBytes ?? 0,
    txBytes: frame?.network.txTotalBytes ?? 0,
  };
}

/** What a pause means to the owner, in words: who holds it, why, and how it ends. */
export function pausedDetail(pause: Pause): string {
  const ends = pause.source === 'user' ? 'Not earning until you resume.' : 'Not earning; it resumes by itself when this clears.';
  const who = `${PAUSE_SOURCE_WORDS[pause.source][0]!.toUpperCase()}${PAUSE_SOURCE_WORDS[pause.source].slice(1)}`;
  return `${who}${pause.detail ? `: ${pause.detail}` : ''}. ${ends}`;
}

/** The core's status for a session state: earning only when connected and every rule passes. */
export function statusFor(state: ClientState): { state: WorkerState; detail: string } {
  if (state.connection === 'connecting') return { state: 'starting', detail: state.detail };
  if (state.connection === 'offline') return { state: 'offline', detail: state.detail };
  if (state.hire) return { state: 'hired', detail: `Hired: running a ${state.hire.kind} workload.` };
  if (state.paused) return { state: 'paused', detail: pausedDetail(state.paused) };
  if (state.eligible) {
    const last = state.lastResult;
    const tail = last ? ` Last block ${last.block}: ${last.status === 'Completed' ? formatIOChange(last.reward) : `failed (${last.reason})`}.` : '';
    return { state: 'earning', detail: `Earning on tier ${state.tier}.${tail}` };
  }
  const failing = state.checks.find((c) => !c.ok);
  return { state: 'idle', detail: failing ? `Connected, not earning yet: ${failing.detail}` : 'Connected; waiting for the network\'s eligibility check.' };
}

/** The updater's state as a service line: an error is failing, no updater (headless) is stopped. */
export function versionControlService(update: { state: string; detail: string } | null): ServiceState {
  if (!update || update.state === 'unsupported') return { name: 'Version Control', state: 'stopped', detail: update?.detail ?? 'This runtime does not update itself.' };
  return { name: 'Version Control', state: update.state === 'error' ? 'failing' : 'running', detail: update.detail.slice(0, 256) };
}

export async function createWorkerRuntime(options: WorkerRuntimeOptions): Promise<WorkerClient> {
  const account = await loadOrCreateAccount(options.secrets);
  const hires = createHireRunner({ dataDir: options.dataDir, deviceId: options.identity.deviceId, lending: () => options.lending?.() ?? NO_CAPS, inventory: options.inventory, log: options.log });
  const client = new WorkerClient({
    network: options.network,
    identity: options.identity,
    account,
    name: options.deviceName,
    wallet: options.wallet ?? (() => null),
    inventory: async () => summarizeInventory(lentInventory(await options.inventory(), options.lending?.() ?? NO_CAPS)),
    telemetry: () => summarizeFrame(options.frame()),
    sink: options.sink,
    evidence: options.evidence,
    versionControl: () => versionControlService(options.updates?.() ?? null),
    // A hire reserves this machine within what the owner lends (Settings' lending caps).
    hires,
    log: options.log,
    trust: new NetworkTrust(options.secrets, options.place),
    onState: (state) => {
      options.evidence?.state(state);
      const s = statusFor(state);
      options.onStatus(s.state, s.detail);
    },
  });
  if (options.watchdog) {
    // The session and its hires under the watchdog; it stops before the client does, so a stopping session is never 'restarted'.
    const off = watchWorkerParts(client, hires, { ...options.watchdog, frame: options.frame, log: options.log });
    const stop = client.stop.bind(client);
    client.stop = async () => {
      off();
      await stop();
    };
  }
  return client;
}


/**
 * The network's checks as the pages show them. Between judgements the uptime countdown runs; while the
 * network is unreachable the rules only it judges are 'unknown since' their last judgement and the
 * countdown stops; a local pause is said at once (the network hears of it a moment later).
 */
export function shownChecks(state: ClientState, pause: Pause | null, now: number): NetworkStatus['checks'] {
  const online = state.connection === 'online';
  const judgedUntil = online ? now : Math.min(now, state.offline?.since ?? now);
  return state.checks.map((c) => {
    const id = c.id as (typeof NETWORK_JUDGED_CHECKS)[number];
    const unknown = !online && NETWORK_JUDGED_CHECKS.includes(id);
    let check: NetworkStatus['checks'][number] = {
      id: c.id,
      ok: c.ok,
      state: c.required === false ? 'not-required' : unknown ? 'unknown' : c.pending ? 'pending' : c.ok ? 'ok' : 'failing',
      knownAt: state.checksAt,
      detail: c.detail,
      ...(c.remainingSeconds === undefined || state.checksAt === null
        ? {}
        : { remainingSeconds: Math.max(0, c.remainingSeconds - Math.max(0, judgedUntil - state.checksAt) / 1000) }),
    };
    if (c.id === 'running' && pause) check = { ...check, ok: false, state: 'failing', detail: pausedDetail(pause) };
    return check;
  });
}

/** The network's streak now: it grows while the session is up and stands still from the moment it broke. */
export function shownStreak(state: ClientState, now: number): NetworkStatus['streak'] {
  if (!state.streak) return null;
  const running = state.connection === 'online';
  const until = running ? now : Math.max(state.streak.at, state.offline?.since ?? state.streak.at);
  return { seconds: state.streak.seconds + Math.max(0, until - state.streak.at) / 1000, at: now, running };
}

/** The contract's network channels, answered from the running session (or saying there is none). */
export function networkHandlers(
  session: () => { client: WorkerClient; network: string; place?: string } | null,
  pauses: PauseArbiter,
) {
  const view = (): NetworkStatus => {
    const s = session();
    if (!s) {
      return {
        network: null, place: null, connection: 'none', detail: 'This worker runs without a network.', eligible: null, tier: null, checks: [], offline: null, streak: null, minUptimeSeconds: null, traffic: null, blockSeconds: null,
        paused: pauses.current(), pausedBy: pauses.holds(), bufferedHeartbeats: 0, services: [], lastBlock: null, trust: null, trustPending: null,
      };
    }
    const state = s.client.state();
    const now = Date.now();
    const last = state.lastResult;
    return {
      network: s.network,
      place: s.place ?? s.network,
      connection: state.connection,
      detail: statusFor(state).detail,
      eligible: state.eligible,
      tier: state.tier,
      checks: shownChecks(state, pauses.current(), now),
      offline: state.connection === 'online' ? null : state.offline,
      streak: shownStreak(state, now),
      minUptimeSeconds: state.minUptimeSeconds,
      traffic: s.client.traffic(),
      blockSeconds: s.client.blockSeconds(),
      paused: pauses.current(),
      pausedBy: pauses.holds(),
      bufferedHeartbeats: state.buffered,
      services: state.services,
      lastBlock: last ? { block: last.block, status: last.status, reason: last.reason, reward: last.reward, closedAt: last.closedAt } : null,
      trust: state.trust ? { networkId: state.trust.networkId, fingerprint: state.trust.fingerprint, pinnedAt: state.trust.pinnedAt } : null,
      trustPending: state.trustPending
        ? { reason: state.trustPending.reason, networkId: state.trustPending.offered.networkId, fingerprint: state.trustPending.offered.fingerprint, pinnedFingerprint: state.trustPending.pinned?.fingerprint ?? null }
        : null,
      walletChanges: state.walletChanges?.map(({ requestedBy, ...c }) => ({ ...c, mine: requestedBy === s.client.deviceId })),
    };
  };
  return {
    'worker.eligibility': async () => view(),
    // The owner's own pause only: resuming leaves a limit's (or the autopilot's) pause in place.
    // Without a network the choice is kept and applies once a session starts.
    'worker.pause': async ({ paused, reason }: { paused: boolean; reason?: string }) => {
      pauses.set('user', paused ? (reason ?? '') : null);
      return view();
    },
    // The owner accepts the network or key now waiting, named exactly (Settings, after reading it).
    'network.trust': async ({ networkId, fingerprint }: { networkId: string; fingerprint: string }) => {
      const s = session();
      if (!s) throw new ContractFailure('unavailable', 'This worker runs without a network.');
      if (!(await s.client.confirmTrust(networkId, fingerprint))) {
        throw new ContractFailure('not-found', 'Nothing waits for confirmation with that network and key; reload and read them again.');
      }
      return view();
    },
    'network.device': async (args: { action: 'rename'; deviceId: string; name: string } | { action: 'delete'; deviceId: string } | { action: 'confirm-wallet' | 'cancel-wallet'; deviceId: string; wallet: string }) => {
      const s = session();
      if (!s) throw new ContractFailure('unavailable', 'This worker runs without a network.');
      try {
        if (args.action === 'confirm-wallet' || args.action === 'cancel-wallet') {
          await s.client.deviceRequest('wallet-change', { deviceId: args.deviceId, wallet: args.wallet, decision: args.action === 'confirm-wallet' ? 'confirm' : 'cancel' });
        } else await s.client.accountOp(args.action, args.action === 'rename' ? { deviceId: args.deviceId, name: args.name } : { deviceId: args.deviceId });
      } catch (error) {
        throw new ContractFailure('unavailable', (error as Error).message);
      }
      return { ok: true as const };
    },
    'network.devices': async (): Promise<NetworkDevices> => {
      const s = session();
      if (!s) return { devices: [], totals: { gpus: { total: 0, hired: 0, idle: 0 }, cpus: { total: 0, hired: 0, idle: 0 }, devices: 0, online: 0, coinsDistributed: 0, hirePayments: 0, blocks: 0 } };
      try {
        // Signed by this owner's account: its own devices come with their names, the others' without.
        // The explorer's own schema; the dispatcher then trims the answer to the contract's fields.
        return DevicesResponseSchema.parse(await s.client.ownerRead('/v1/devices'));
      } catch (error) {
        throw new ContractFailure('unavailable', `The network at ${s.network} did not answer: ${(error as Error).message}`);
      }
    },
  };
}
