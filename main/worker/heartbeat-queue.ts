// Heartbeats the coordinator has not acknowledged yet: sent ones wait for their ack, and while the
// session is down new ones are held (oldest dropped past a bound) and all of them go again on the
// next session; the coordinator ignores duplicates.
import type { Heartbeat } from './protocol.ts';

export class HeartbeatQueue {
  readonly #max: number;
  #held: Heartbeat[] = [];
  readonly #inflight = new Map<string, Heartbeat>();
  #dropped = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** Offline: kept for the next session, marked buffered; past the bound the oldest go. */
  hold(beat: Heartbeat): void {
    this.#held.push({ ...beat, buffered: true });
    if (this.#held.length > this.#max) this.#dropped += this.#held.splice(0, this.#held.length - this.#max).length;
  }

  sent(nonce: string, beat: Heartbeat): void {
    this.#inflight.set(nonce, beat);
  }

  /** The coordinator answered (ack or error) for this nonce: the beat it was, if it was one. */
  answered(nonce: string): Heartbeat | undefined {
    const beat = this.#inflight.get(nonce);
    this.#inflight.delete(nonce);
    return beat;
  }

  /** The session closed: what was sent but never acknowledged goes back in front of the held ones. */
  requeueInflight(): void {
    this.#held.unshift(...[...this.#inflight.values()].map((h) => ({ ...h, buffered: true })));
    this.#inflight.clear();
  }

  /** Everything held, oldest first, to send on the new session. */
  drain(): Heartbeat[] {
    return this.#held.splice(0);
  }

  get held(): number {
    return this.#held.length;
  }

  get dropped(): number {
    return this.#dropped;
  }
}
