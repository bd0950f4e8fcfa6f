// Which GPU probe is failing, in the worker status's words. A probe counts once it has stayed
// degraded for a few seconds, so starting up or one unreadable line does not flip the status.
import type { TelemetryFrame } from '../../preload/contract/index.ts';

const FAILED_AFTER_MS = 3000;

export class ProbeWatch {
  readonly #degradedSince = new Map<string, number>();
  readonly #failedAfterMs: number;

  constructor(failedAfterMs = FAILED_AFTER_MS) {
    this.#failedAfterMs = failedAfterMs;
  }

  /** "GPU probe failed: nvidia-smi hung: …; retrying" for each probe failing as of this frame, or null. */
  observe(frame: TelemetryFrame): string | null {
    const failing: string[] = [];
    const seen = new Set<string>();
    for (const health of frame.health) {
      seen.add(health.probe);
      // 'absent' is a tool this machine does not have (or cannot read without root), not a failure.
      if (health.state !== 'degraded') {
        this.#degradedSince.delete(health.probe);
        continue;
      }
      const since = this.#degradedSince.get(health.probe) ?? frame.t;
      this.#degradedSince.set(health.probe, since);
      // A running count ("for 12 s") would make a new status every second; the banner's "since" tells how long.
      if (frame.t - since >= this.#failedAfterMs) failing.push(`GPU probe failed: ${health.detail.replace(/ for \d+ s\b/, '').replace(/\.$/, '')}`);
    }
    for (const probe of this.#degradedSince.keys()) if (!seen.has(probe)) this.#degradedSince.delete(probe);
    return failing.length > 0 ? `${failing.join('. ')}.` : null;
  }
}
