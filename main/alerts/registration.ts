// Registers the owner's alert channels with the network (a signed account message), so the
// coordinator can say "offline" when this machine cannot. Sent when the session comes online and
// again whenever the channels, the rule's delay or a secret change; retried with backoff.
import type { AlertSettings } from '../../preload/contract/index.ts';
import { backoffDelay } from '../lib/backoff.ts';
import type { Disposable } from '../lib/emitter.ts';
import { every } from '../lib/every.ts';
import type { SecretStore } from '../settings/secrets.ts';
import { loadOrCreateAccount } from '../worker/identity.ts';
import { networkBinding, seal, type AlertChannels } from '../worker/protocol.ts';
import { SECRET_KEYS } from './setup.ts';

/** The channels the network can use (e-mail stays on the machine: the network holds no SMTP password). */
export async function alertChannelsBody(settings: AlertSettings, secrets: SecretStore, deviceId: string): Promise<AlertChannels> {
  const channels: AlertChannels['channels'] = [];
  if (settings.rules.offline !== false) {
    if (settings.webhook.enabled && settings.webhook.url) channels.push({ kind: 'webhook', url: settings.webhook.url, secret: await secrets.get(SECRET_KEYS.webhook) });
    if (settings.ntfy.enabled && settings.ntfy.topic) channels.push({ kind: 'ntfy', baseUrl: settings.ntfy.baseUrl, topic: settings.ntfy.topic, token: await secrets.get(SECRET_KEYS.ntfy) });
    const token = await secrets.get(SECRET_KEYS.telegram);
    if (settings.telegram.enabled && settings.telegram.chatId && token) channels.push({ kind: 'telegram', baseUrl: settings.telegram.baseUrl, token, chatId: settings.telegram.chatId });
  }
  return { deviceId, offlineAfterSeconds: settings.offlineAfterSeconds, channels };
}

export interface RegistrationOptions {
  settings: () => AlertSettings;
  onSettingsChange: (listener: () => void) => Disposable;
  secrets: SecretStore;
  deviceId: string;
  /** The coordinator's URL and the session's trusted pin, while online; null otherwise. */
  network: () => { url: string; networkId: string; publicKeyPem: string } | null;
  everyMs?: number;
  log?: (message: string) => void;
}

export interface NetworkRegistration extends Disposable {
  /** Whether the network has the channels as they are now. */
  registered(): boolean;
  /** A secret changed: send again. */
  changed(): void;
  /** Sends now if something waits (tests, and the poll). */
  poll(): Promise<void>;
}

export function startNetworkRegistration(options: RegistrationOptions): NetworkRegistration {
  let sentFor: string | null = null; // the binding and body last accepted
  let dirty = true;
  let failures = 0;
  let notBefore = 0;
  let busy = false;
  const poll = async () => {
    const network = options.network();
    if (!network || busy || Date.now() < notBefore) return;
    const binding = networkBinding(network.networkId, network.publicKeyPem);
    // Settings and secrets mark it dirty when they change: otherwise nothing new to send, nothing to read.
    if (!dirty && sentFor?.startsWith(`${binding}\n`)) return;
    busy = true;
    try {
      const body = await alertChannelsBody(options.settings(), options.secrets, options.deviceId);
      const what = `${binding}\n${JSON.stringify(body)}`;
      if (!dirty && what === sentFor) return;
      const account = await loadOrCreateAccount(options.secrets);
      const res = await fetch(`${network.url.replace(/\/+$/, '')}/v1/alert-channels`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(seal(account, binding, 'alert-channels', body)),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      sentFor = what;
      dirty = false;
      failures = 0;
    } catch (error) {
      sentFor = null;
      notBefore = Date.now() + backoffDelay(failures++, 2000, 5 * 60_000);
      options.log?.(`alerts: the network did not take the alert channels: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      busy = false;
    }
  };
  let wasOnline = false;
  // On the worker's 1 s timer (no wakeup of its own); a poll with nothing to send returns at once.
  const stopTimer = every(options.everyMs ?? 1000, () => {
    const online = options.network() !== null;
    if (online && !wasOnline) dirty = true; // a new session, perhaps a restarted coordinator
    wasOnline = online;
    void poll();
  });
  const offSettings = options.onSettingsChange(() => (dirty = true));
  return Object.assign(
    () => {
      stopTimer();
      offSettings();
    },
    { registered: () => sentFor !== null && !dirty, changed: () => void (dirty = true), poll },
  );
}
