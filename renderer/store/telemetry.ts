// High-rate data lives here, outside React state: a ring of recent frames that charts read and
// subscribe to directly. Only the widgets that show a live number re-render on a tick. Only the
// newest frame keeps each GPU's health and processes (what the cards read); older ones are lean.
import type { TelemetryFrame } from '../../preload/contract/index.ts';
import { leanFrame } from '../../preload/contract/lean-frame.ts';

const CAPACITY = 15 * 60 * 4; // 15 minutes at the fastest rate (4 Hz)

export class TelemetryRing {
  readonly #frames: (TelemetryFrame | undefined)[] = new Array(CAPACITY);
  #start = 0;
  #length = 0;
  readonly #listeners = new Set<(frame: TelemetryFrame) => void>();

  push(frame: TelemetryFrame): void {
    const last = this.latest();
    if (last && frame.t <= last.t) return; // a replayed or reordered frame
    // Health and processes are more than half of a GPU's frame (JSON, 8 x H200), and only the newest's are read.
    if (last) this.#frames[(this.#start + this.#length - 1) % CAPACITY] = leanFrame(last);
    this.#frames[(this.#start + this.#length) % CAPACITY] = frame;
    if (this.#length < CAPACITY) this.#length++;
    else this.#start = (this.#start + 1) % CAPACITY;
    for (const listener of this.#listeners) listener(frame);
  }

  /**
   * Merges `telemetry.recent` in after a (re)connect: live frames may already have arrived, so the
   * older ones go before them, in order and without duplicates. Listeners hear only newer frames.
   */
  seed(frames: TelemetryFrame[]): void {
    const newest = this.latest()?.t ?? -Infinity;
    const byTime = new Map<number, TelemetryFrame>();
    this.forEachSince(-Infinity, (f) => byTime.set(f.t, f));
    for (const f of frames) if (!byTime.has(f.t)) byTime.set(f.t, f);
    const merged = [...byTime.values()].sort((a, b) => a.t - b.t).slice(-CAPACITY);
    this.#frames.fill(undefined);
    merged.forEach((f, i) => (this.#frames[i] = i === merged.length - 1 ? f : leanFrame(f)));
    this.#start = 0;
    this.#length = merged.length;
    for (const f of merged) if (f.t > newest) for (const listener of this.#listeners) listener(f);
  }

  latest(): TelemetryFrame | undefined {
    return this.#length ? this.#frames[(this.#start + this.#length - 1) % CAPACITY] : undefined;
  }

  /** Calls `visit` for each frame newer than `since`, oldest first. */
  forEachSince(since: number, visit: (frame: TelemetryFrame) => void): void {
    for (let i = 0; i < this.#length; i++) {
      const frame = this.#frames[(this.#start + i) % CAPACITY]!;
      if (frame.t > since) visit(frame);
    }
  }

  get size(): number {
    return this.#length;
  }

  subscribe(listener: (frame: TelemetryFrame) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
}

export const telemetry = new TelemetryRing();
