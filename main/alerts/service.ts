// The alerts room as the core uses it: the Alerter over the owner's channels, the rules that feed
// it, and the contract's alert requests (test alert, secrets, status, schedule check).
import { ContractFailure, type AlertChannelKind, type AlertStatus, type Handlers, type Notice } from '../../preload/contract/index.ts';
import { ALERT_CHANNELS, WATCHDOG_PART_WORDS } from '../../preload/contract/words.ts';
import type { EventBus } from '../events.ts';
import type { Disposable } from '../lib/emitter.ts';
import type { SecretStore } from '../settings/secrets.ts';
import type { SettingsStore } from '../settings/store.ts';
import { checkSchedule } from '../worker/autopilot/schedule.ts';
import type { PauseArbiter } from '../worker/pause.ts';
import type { WatchdogPart } from '../worker/watchdog.ts';
import { Alerter } from './alerter.ts';
import { fetchNetworkRules, IdleUseWatch, type IdleUseThresholds } from './idle-use.ts';
import type { RetryOptions } from './channel.ts';
import { enabledChannels, SECRET_KEYS, setUpChannel } from './setup.ts';
import { startNetworkRegistration, type NetworkRegistration } from './registration.ts';
import { attachAlertSources, tapRewardSink, type SessionView } from './sources.ts';

export interface AlertsOptions {
  settings: SettingsStore;
  secrets: SecretStore;
  events: EventBus;
  pauses: PauseArbiter;
  deviceId: string;
  dataDir: string;
  version: string;
  session: () => SessionView | null;
  /** The coordinator's URL while there is a network session: the channels are registered there for "offline". */
  networkUrl: () => string | null;
  /** While hired, utilization is the hire's, not the machine's own. */
  hired?: () => boolean;
  retry?: RetryOptions;
  log?: (message: string, error?: unknown) => void;
}

type AlertHandlers = Pick<Handlers, 'alerts.test' | 'alerts.secret' | 'alerts.status' | 'schedule.check'>;

export interface AlertsService {
  alerter: Alerter;
  handlers: AlertHandlers;
  /** Block results and payouts pass through to `sink`; failures and payouts become alerts. */
  tapSink<S extends Parameters<typeof tapRewardSink>[1]>(sink: S): S;
  /** The watchdog gave up on a part (cause), or the part is back (null). */
  watchdogFailed(part: WatchdogPart, cause: string | null): void;
  /** Starts the rules; the returned function stops them. */
  start(): Disposable;
}

export function createAlerts(options: AlertsOptions): AlertsService {
  const alertSettings = () => options.settings.live().alerts;
  const alerter = new Alerter({
    settings: alertSettings,
    channels: () => enabledChannels(alertSettings(), options.secrets, options.retry),
    device: () => ({ id: options.deviceId, name: options.settings.live().deviceName }),
    record: (notice: Notice) => options.events.emit('notice', notice),
    log: options.log,
  });
  let registration: NetworkRegistration | null = null;
  // From the network's parameters once a session is up: the idle-use limits and the uptime it asks.
  let thresholds: IdleUseThresholds | null = null;
  let minUptimeSeconds: number | null = null;
  let idleUse: IdleUseWatch | null = null;
  const status = async (): Promise<AlertStatus> => {
    const secrets = {} as Record<AlertChannelKind, boolean>;
    for (const kind of ALERT_CHANNELS) secrets[kind] = (await options.secrets.get(SECRET_KEYS[kind])) !== null;
    return { secrets, registeredWithNetwork: registration?.registered() ?? false, idleUse: idleUse?.current() ?? null };
  };
  const handlers: AlertHandlers = {
    'alerts.test': async ({ channel }) => {
      const setup = await setUpChannel(channel, alertSettings(), options.secrets, options.retry);
      if (!setup.ok) throw new ContractFailure('bad-request', setup.why);
      const started = Date.now();
      const device = { id: options.deviceId, name: options.settings.get().deviceName };
      const sent = await alerter.deliver(
        { cause: 'test', key: `${channel}-${started}`, state: 'raised', level: 'info', title: 'Test alert from IO Worker', body: `If you read this, alerts by ${channel} reach you.`, t: started, deviceId: device.id, deviceName: device.name },
        [setup.channel],
      );
      const { delivery } = sent.deliveries[0];
      return { channel, ok: delivery.ok, detail: delivery.detail, ms: Date.now() - started };
    },
    'alerts.secret': async ({ channel, secret }) => {
      if (secret === null) await options.secrets.delete(SECRET_KEYS[channel]);
      else await options.secrets.set(SECRET_KEYS[channel], secret);
      registration?.changed();
      return status();
    },
    'alerts.status': status,
    'schedule.check': async ({ schedule }) => {
      try {
        return checkSchedule(schedule, minUptimeSeconds ?? 5 * 3600);
      } catch (error) {
        throw new ContractFailure('bad-request', error instanceof Error ? error.message : String(error));
      }
    },
  };
  return {
    alerter,
    handlers,
    tapSink: (sink) => tapRewardSink(alerter, sink),
    watchdogFailed: (part, cause) => {
      const name = WATCHDOG_PART_WORDS[part];
      const title = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
      // Keyed by the part as its notice is (sources.ts): whichever path comes first raises, the other is a no-op.
      if (cause && !alerter.isOpen('watchdog', part)) void alerter.raise('watchdog', part, { level: 'error', title: `${title} failed`, body: `It stalled (${cause}) and its restarts ran out. Restart IO Worker.` });
      else if (!cause) void alerter.resolve('watchdog', part, `${title} is running again.`);
    },
    start: () => {
      const off = attachAlertSources(alerter, { events: options.events, pauses: options.pauses, session: options.session, dataDir: options.dataDir, version: options.version });
      const registered = startNetworkRegistration({
        settings: alertSettings,
        onSettingsChange: (listener) => options.settings.onChange(listener),
        secrets: options.secrets,
        deviceId: options.deviceId,
        network: () => {
          const session = options.session();
          const url = options.networkUrl();
          return session?.connection === 'online' && session.trust && url ? { url, networkId: session.trust.networkId, publicKeyPem: session.trust.publicKeyPem } : null;
        },
        log: (m) => options.log?.(m),
      });
      registration = registered;
      // The network's rules, read once per network; the idle-use warning watches every frame.
      let readFor: string | null = null;
      const watch = new IdleUseWatch({ thresholds: () => thresholds, hired: options.hired ?? (() => false), notice: (n) => options.events.emit('notice', n) });
      idleUse = watch;
      const offFrames = options.events.on('telemetry', (frame) => {
        const url = options.networkUrl();
        if (url && options.session()?.connection === 'online' && readFor !== url) {
          readFor = url;
          void fetchNetworkRules(url).then((found) => {
            thresholds = found.idleUse;
            minUptimeSeconds = found.minUptimeSeconds;
          });
        }
        watch.observe(frame);
      });
      return () => {
        idleUse = null;
        offFrames();
        off();
        registered();
        registration = null;
      };
    },
  };
}
