// The network's own downtime. A coordinator that was stopped or crashed heard nobody, so a device's
// silence while it was down is the network's, not the device's: it breaks no uptime streak. The
// coordinator notes that it is alive every few seconds; at start, the last note to now is its outage.
import type { DevnetStore } from './store.ts';

const NOTE_EVERY_MS = 5000;

export class OwnOutage {
  readonly #store: DevnetStore;
  /** When the previous run was last known alive, and when this run started: the outage between them. */
  readonly #from: number | null;
  readonly #to: number;
  #notedAt = 0;

  constructor(store: DevnetStore, now = Date.now()) {
    this.#store = store;
    const alive = store.get<{ value: string }>("SELECT value FROM network WHERE key = 'alive_at'");
    const at = alive ? Number(alive.value) : NaN;
    this.#from = Number.isFinite(at) && at < now ? at : null;
    this.#to = now;
    this.noteAlive(now);
  }

  /** Called every second; written every few (the outage may start up to that much early, in the device's favour). */
  noteAlive(now: number): void {
    if (now - this.#notedAt < NOTE_EVERY_MS) return;
    this.#notedAt = now;
    this.#store.run("INSERT OR REPLACE INTO network (key, value) VALUES ('alive_at', ?)", String(now));
  }

  /** The network's last outage (null: none known), for the log and the owner. */
  get last(): { from: number; to: number } | null {
    return this.#from === null ? null : { from: this.#from, to: this.#to };
  }

  /** A device's silence from `since` to `now`, less the part of it when the network itself was down. */
  silence(since: number, now: number): number {
    const overlap = this.#from === null ? 0 : Math.max(0, Math.min(now, this.#to) - Math.max(since, this.#from));
    return now - since - overlap;
  }
}
