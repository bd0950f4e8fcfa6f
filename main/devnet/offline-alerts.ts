// "Offline" is judged by the network: a dead or frozen machine cannot report itself. The owner's
// account registers alert channels per device (a signed 'alert-channels' message); this room sends
// "offline" when the device's heartbeats stop for the rule's delay and "back online" when they
// return. It sends through the same channel code as the worker (main/alerts).
import type { AlertMessage } from '../alerts/channel.ts';
import type { AlertChannel } from '../alerts/channel.ts';
import { ntfyChannel } from '../alerts/ntfy.ts';
import { telegramChannel } from '../alerts/telegram.ts';
import { webhookChannel } from '../alerts/webhook.ts';
import type { AlertChannels } from '../worker/protocol.ts';
import { ProtocolError, type Rooms } from './context.ts';

interface Registration {
  deviceId: string;
  offlineAfterMs: number;
  channels: AlertChannels['channels'];
  registeredAt: number;
  /** When "offline" was sent; null while the device is judged online. */
  offlineSince: number | null;
}

export interface OfflineAlertsOptions {
  /** Tests shorten the channels' retry waits. */
  retry?: { initialMs: number; maxMs: number };
}

export class OfflineAlerts {
  readonly #c: Rooms;
  readonly #o: OfflineAlertsOptions;
  readonly #registrations = new Map<string, Registration>();
  readonly #sending = new Set<Promise<unknown>>();

  constructor(rooms: Rooms, options: OfflineAlertsOptions = {}) {
    this.#c = rooms;
    this.#o = options;
    for (const row of rooms.store.all<{ device_id: string; offline_after_ms: number; channels: string; registered_at: number; offline_since: number | null }>('SELECT * FROM alert_channels')) {
      this.#registrations.set(row.device_id, { deviceId: row.device_id, offlineAfterMs: row.offline_after_ms, channels: JSON.parse(row.channels) as AlertChannels['channels'], registeredAt: row.registered_at, offlineSince: row.offline_since });
    }
  }

  /** A signed 'alert-channels' message from the device's account (or the device itself). */
  register(raw: unknown): { deviceId: string; channels: number; offlineAfterSeconds: number } {
    const { devices, store, params } = this.#c;
    const { env, body } = devices.open(raw, 'alert-channels');
    const device = devices.must(body.deviceId);
    // A paired machine's key acts for the account it joined (pairing.ts), as for every account request.
    if (env.signer !== device.id && this.#c.pairing.accountOf(env.signer) !== device.account_id) throw new ProtocolError('forbidden', 'Only the device or its account may set its alert channels.', 403);
    // Never sooner than two missed heartbeats: a slow beat is not an outage.
    const floor = (params.heartbeat.intervalSeconds * 2 + 1) * 1000;
    const offlineAfterMs = Math.max(body.offlineAfterSeconds * 1000, floor);
    if (body.channels.length === 0) {
      this.#registrations.delete(device.id);
      store.run('DELETE FROM alert_channels WHERE device_id = ?', device.id);
    } else {
      const previous = this.#registrations.get(device.id);
      const registration: Registration = { deviceId: device.id, offlineAfterMs, channels: body.channels, registeredAt: Date.now(), offlineSince: previous?.offlineSince ?? null };
      this.#registrations.set(device.id, registration);
      store.run('INSERT OR REPLACE INTO alert_channels VALUES (?, ?, ?, ?, ?)', device.id, offlineAfterMs, JSON.stringify(body.channels), registration.registeredAt, registration.offlineSince);
    }
    this.#c.log(`alert channels for ${device.id}: ${body.channels.length} channel(s), "offline" after ${Math.round(offlineAfterMs / 1000)} s`);
    return { deviceId: device.id, channels: body.channels.length, offlineAfterSeconds: Math.round(offlineAfterMs / 1000) };
  }

  registered(deviceId: string): boolean {
    return this.#registrations.has(deviceId);
  }

  /** Judges every registered device once (the coordinator calls this every second). */
  tick(now: number): void {
    for (const r of this.#registrations.values()) {
      const device = this.#c.devices.get(r.deviceId);
      if (!device) continue;
      const lastBeat = device.last_beat_at ?? r.registeredAt;
      const silentMs = now - lastBeat;
      if (r.offlineSince === null && silentMs >= r.offlineAfterMs) {
        r.offlineSince = now;
        this.#save(r);
        this.#send(r, device.name, {
          state: 'raised',
          level: 'error',
          title: `${device.name} is offline`,
          body: `The network has had no heartbeat from ${device.name} for ${Math.round(silentMs / 1000)} s (last at ${new Date(lastBeat).toISOString()}). It may have crashed, lost power or its network.`,
          t: now,
        });
      } else if (r.offlineSince !== null && silentMs < r.offlineAfterMs) {
        const down = Math.round((now - r.offlineSince + r.offlineAfterMs) / 1000);
        r.offlineSince = null;
        this.#save(r);
        this.#send(r, device.name, { state: 'resolved', level: 'info', title: `${device.name} is back online`, body: `Heartbeats arrive again after about ${down} s without.`, t: now });
      }
    }
  }

  /** Resolves when every alert begun so far has been delivered or given up. */
  async settled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.allSettled([...this.#sending]);
  }

  #save(r: Registration): void {
    this.#c.store.run('UPDATE alert_channels SET offline_since = ? WHERE device_id = ?', r.offlineSince, r.deviceId);
  }

  #send(r: Registration, name: string, m: Pick<AlertMessage, 'state' | 'level' | 'title' | 'body' | 't'>): void {
    const message: AlertMessage = { cause: 'offline', key: r.deviceId, deviceId: r.deviceId, deviceName: name, ...m };
    for (const channel of this.#channels(r)) {
      const sending = channel
        .send(message)
        .then((d) => this.#c.log(`alert "${m.title}" by ${channel.kind}: ${d.detail}`))
        .finally(() => this.#sending.delete(sending));
      this.#sending.add(sending);
    }
  }

  #channels(r: Registration): AlertChannel[] {
    const retry = this.#o.retry;
    return r.channels.map((c) => {
      if (c.kind === 'webhook') return webhookChannel({ url: c.url, secret: c.secret, retry });
      if (c.kind === 'ntfy') return ntfyChannel({ baseUrl: c.baseUrl, topic: c.topic, token: c.token, retry });
      return telegramChannel({ baseUrl: c.baseUrl, token: c.token, chatId: c.chatId, retry });
    });
  }
}
