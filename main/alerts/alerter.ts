// The alert rules' one outlet: deduplicated and rate-limited per cause and key (one message per
// period, a "resolved" message when it clears), sent at once to every channel that is on, and each
// delivery kept as a notice (the Notifications history) with the channel and the result.
import type { AlertCause, AlertChannelKind, AlertSettings, Notice } from '../../preload/contract/index.ts';
import { ALERT_CHANNEL_WORDS } from '../../preload/contract/words.ts';
import type { AlertChannel, AlertMessage, Delivery } from './channel.ts';

/** Causes that happen once and never "clear": each is its own message, never a resolved one. */
const ONE_SHOT: ReadonlySet<AlertCause> = new Set(['payout-received', 'update-installed', 'test']);

export interface AlerterOptions {
  settings: () => AlertSettings;
  /** The channels that are on now, and those on but not set up (said in the history). */
  channels: () => Promise<{ channels: AlertChannel[]; problems: { kind: AlertChannelKind; why: string }[] }>;
  device: () => { id: string; name: string };
  /** Where each delivery's notice goes (the core's notice event, which the ledger keeps). */
  record: (notice: Notice) => void;
  now?: () => number;
  log?: (message: string, error?: unknown) => void;
}

export interface Raise {
  level: Notice['level'];
  title: string;
  body: string;
  t?: number;
}

export interface SentAlert {
  message: AlertMessage;
  deliveries: { kind: AlertChannelKind; delivery: Delivery }[];
}

export class Alerter {
  readonly #o: AlerterOptions;
  /** Open alerts; `silent`: raised again within the period after a resolve, so neither it nor its resolve is sent. */
  readonly #open = new Map<string, { title: string; sentAt: number; suppressed: number; silent: boolean }>();
  /** When each cause and key last sent a message: a cause that flaps sends one pair per period. */
  readonly #lastSent = new Map<string, number>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #seq = 0;

  constructor(options: AlerterOptions) {
    this.#o = options;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  enabled(cause: AlertCause): boolean {
    return this.#o.settings().rules[cause] !== false;
  }

  /** Raises an alert; the same cause and key again within the period is counted, not sent. */
  raise(cause: AlertCause, key: string, alert: Raise): Promise<SentAlert | null> {
    if (!this.enabled(cause)) return Promise.resolve(null);
    const id = `${cause}:${key}`;
    const now = this.#now();
    const open = this.#open.get(id);
    const period = this.#o.settings().repeatMinutes * 60_000;
    if (open && now - open.sentAt < period) {
      open.suppressed++;
      return Promise.resolve(null);
    }
    const last = this.#lastSent.get(id);
    if (!open && !ONE_SHOT.has(cause) && last !== undefined && now - last < period) {
      this.#open.set(id, { title: alert.title, sentAt: last, suppressed: 1, silent: true });
      return Promise.resolve(null);
    }
    const repeated = open?.suppressed ? ` (${open.suppressed} more time${open.suppressed === 1 ? '' : 's'} since the last message)` : '';
    if (!ONE_SHOT.has(cause)) {
      this.#open.set(id, { title: alert.title, sentAt: now, suppressed: 0, silent: false });
      this.#lastSent.set(id, now);
      if (this.#lastSent.size > 1000) this.#lastSent.delete(this.#lastSent.keys().next().value!);
    }
    return this.#send({ cause, key, state: 'raised', level: alert.level, title: alert.title, body: `${alert.body}${repeated}`, t: alert.t ?? now });
  }

  /** Clears an open alert with a "resolved" message; nothing when none is open. */
  resolve(cause: AlertCause, key: string, body: string): Promise<SentAlert | null> {
    const id = `${cause}:${key}`;
    const open = this.#open.get(id);
    if (!open) return Promise.resolve(null);
    this.#open.delete(id);
    if (open.silent || !this.enabled(cause)) return Promise.resolve(null);
    return this.#send({ cause, key, state: 'resolved', level: 'info', title: open.title, body, t: this.#now() });
  }

  isOpen(cause: AlertCause, key: string): boolean {
    return this.#open.has(`${cause}:${key}`);
  }

  /** Open keys of one cause (to resolve them all when the cause clears as a whole). */
  openKeys(cause: AlertCause): string[] {
    const prefix = `${cause}:`;
    return [...this.#open.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** Sends through the given channels (a test alert) or those that are on; records each result. */
  async deliver(message: AlertMessage, only?: AlertChannel[]): Promise<SentAlert> {
    const { channels, problems } = only ? { channels: only, problems: [] } : await this.#o.channels();
    for (const { kind, why } of problems) this.#record(message, kind, { ok: false, detail: `not set up: ${why}`, attempts: 0 });
    const deliveries = await Promise.all(
      channels.map(async (channel) => {
        const delivery = await channel.send(message).catch((error: unknown) => ({ ok: false, detail: String(error), attempts: 1 }));
        this.#record(message, channel.kind, delivery);
        return { kind: channel.kind, delivery };
      }),
    );
    return { message, deliveries };
  }

  /** Resolves once every send started so far has finished (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #send(partial: Omit<AlertMessage, 'deviceId' | 'deviceName'>): Promise<SentAlert> {
    const device = this.#o.device();
    const sending = this.deliver({ ...partial, deviceId: device.id, deviceName: device.name });
    this.#inFlight.add(sending);
    void sending.catch((error: unknown) => this.#o.log?.('alert failed', error)).finally(() => this.#inFlight.delete(sending));
    return sending;
  }

  #record(message: AlertMessage, kind: AlertChannelKind, delivery: Delivery): void {
    const t = this.#now();
    const text = message.state === 'resolved' ? `Resolved: ${message.title}` : message.title;
    this.#o.record({
      id: `alert-${t}-${this.#seq++}`,
      t,
      level: delivery.ok ? 'info' : 'warning',
      title: delivery.ok ? `Alert sent by ${ALERT_CHANNEL_WORDS[kind]}` : `Alert not sent by ${ALERT_CHANNEL_WORDS[kind]}`,
      body: `“${text}”: ${delivery.detail}`,
    });
  }
}
