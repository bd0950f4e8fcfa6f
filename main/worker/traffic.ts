// What this worker itself sent and received over the network since it started: its session's socket
// (frames, TLS and all, as TCP counted them) and its HTTP exchanges with the network, never the
// machine's interface counters since boot (those hold every other program's traffic too).
import type { Socket } from 'node:net';

export interface Traffic {
  sentBytes: number;
  receivedBytes: number;
  /** When the counting began: this worker's start (ms). */
  since: number;
}

export class TrafficMeter {
  readonly #since = Date.now();
  #sent = 0;
  #received = 0;
  #live: Socket | null = null;

  /** The session's socket from its upgrade on; the previous one's bytes are kept. */
  attach(socket: Socket): void {
    this.settle();
    this.#live = socket;
  }

  /** The session ended: its socket's bytes join the total. */
  settle(): void {
    if (!this.#live) return;
    this.#sent += this.#live.bytesWritten;
    this.#received += this.#live.bytesRead;
    this.#live = null;
  }

  /** An HTTP exchange (registration, a speed test, an owner's read): its bodies. */
  add(sentBytes: number, receivedBytes: number): void {
    this.#sent += sentBytes;
    this.#received += receivedBytes;
  }

  total(): Traffic {
    return {
      sentBytes: this.#sent + (this.#live?.bytesWritten ?? 0),
      receivedBytes: this.#received + (this.#live?.bytesRead ?? 0),
      since: this.#since,
    };
  }
}
