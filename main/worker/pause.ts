// One pause arbiter: each source (the owner, a limit, and the autopilot's idle, schedule and gaming
// rules to come) holds or releases its own pause; the worker is paused while any source holds. A
// hire is not a pause. What a pause does to uptime and eligibility: docs/protocol.md, "Pauses".
import type { Pause, PauseSource } from '../../preload/contract/index.ts';
import { PAUSE_SOURCES } from '../../preload/contract/words.ts';
import { Emitter, type Disposable } from '../lib/emitter.ts';

export class PauseArbiter {
  readonly #holds = new Map<PauseSource, string>();
  readonly #changes = new Emitter<Pause | null>();
  #shown: Pause | null = null;

  /** Holds this source's pause with its detail, or releases it (null). */
  set(source: PauseSource, detail: string | null): void {
    if (detail === null) this.#holds.delete(source);
    else this.#holds.set(source, detail.slice(0, 256));
    const next = this.current();
    if (next?.source === this.#shown?.source && next?.detail === this.#shown?.detail) return;
    this.#shown = next;
    this.#changes.emit(next);
  }

  /** The pause shown to people and the network: the first holding source in PAUSE_SOURCES' order. */
  current(): Pause | null {
    for (const source of PAUSE_SOURCES) {
      const detail = this.#holds.get(source);
      if (detail !== undefined) return { source, detail };
    }
    return null;
  }

  /** Every source holding now, in order: resuming one leaves the others' pauses in place. */
  holds(): Pause[] {
    return PAUSE_SOURCES.filter((s) => this.#holds.has(s)).map((source) => ({ source, detail: this.#holds.get(source)! }));
  }

  holding(source: PauseSource): boolean {
    return this.#holds.has(source);
  }

  onChange(listener: (pause: Pause | null) => void): Disposable {
    return this.#changes.on(listener);
  }
}
