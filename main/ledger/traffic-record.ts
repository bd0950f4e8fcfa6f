// What this worker itself sent and received over the network, per hour and run (table
// traffic_hours), read back per local day: the Device page's traffic figure covers this run only,
// the ledger keeps every day. Each run's hour row holds its absolute bytes, so a coalesced or
// repeated write never counts twice; a run's last unflushed seconds are lost with a crash.
import type { LedgerStore } from './store.ts';
import { checkDevice, checkTime } from './checks.ts';
import { checkTimeZone, systemTimeZone } from './uptime.ts';

const HOUR = 3_600_000;

export interface TrafficTotal {
  sentBytes: number;
  receivedBytes: number;
}

export interface TrafficDay {
  /** The local day, YYYY-MM-DD. */
  day: string;
  device: string;
  sentBytes: number;
  receivedBytes: number;
}

export class TrafficRecord {
  readonly #store: LedgerStore;
  #last: TrafficTotal | null = null;
  #hour: { device: string; hourMs: number; sent: number; received: number } | null = null;

  constructor(store: LedgerStore) {
    this.#store = store;
  }

  /** The worker's running totals since it started (traffic.ts); the ledger keeps what each hour added. */
  record(device: string, t: number, total: TrafficTotal): void {
    const store = this.#store;
    store.requireWriter();
    checkDevice(device);
    checkTime('t', t);
    const last = this.#last;
    this.#last = { sentBytes: total.sentBytes, receivedBytes: total.receivedBytes };
    // A smaller total is a new meter (a new session object): its count starts from zero.
    const fresh = !last || total.sentBytes < last.sentBytes || total.receivedBytes < last.receivedBytes;
    const sent = fresh ? total.sentBytes : total.sentBytes - last.sentBytes;
    const received = fresh ? total.receivedBytes : total.receivedBytes - last.receivedBytes;
    const hourMs = Math.floor(t / HOUR) * HOUR;
    if (!this.#hour || this.#hour.hourMs !== hourMs || this.#hour.device !== device) this.#hour = { device, hourMs, sent: 0, received: 0 };
    if (sent === 0 && received === 0) return;
    const hour = this.#hour;
    hour.sent += sent;
    hour.received += received;
    const row = [device, hourMs, store.session, hour.sent, hour.received] as const;
    store.enqueue(`traffic:${device}:${hourMs}`, (db) =>
      store.statement(db, 'INSERT OR REPLACE INTO traffic_hours (device, hour_ms, run, sent_bytes, received_bytes) VALUES (?, ?, ?, ?, ?)').run(...row),
    );
  }

  /** Bytes per local day between two instants, oldest first; hours are placed by their start (half-hour zones approximate). */
  days(from: number, to: number, options: { device?: string; timeZone?: string } = {}): TrafficDay[] {
    const timeZone = checkTimeZone(options.timeZone ?? systemTimeZone());
    const db = this.#store.readDb();
    const rows = db
      .prepare(
        `SELECT device, hour_ms, SUM(sent_bytes) AS sent, SUM(received_bytes) AS received FROM traffic_hours
         WHERE hour_ms >= ? AND hour_ms < ? ${options.device ? 'AND device = ?' : ''} GROUP BY device, hour_ms ORDER BY hour_ms`,
      )
      .all(...[Math.floor(from / HOUR) * HOUR, to, ...(options.device ? [options.device] : [])]) as { device: string; hour_ms: number; sent: number; received: number }[];
    const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const days = new Map<string, TrafficDay>();
    for (const r of rows) {
      const day = dayOf.format(r.hour_ms);
      const key = `${day}\u0000${r.device}`;
      const entry = days.get(key) ?? { day, device: r.device, sentBytes: 0, receivedBytes: 0 };
      entry.sentBytes += r.sent;
      entry.receivedBytes += r.received;
      days.set(key, entry);
    }
    return [...days.values()];
  }
}
