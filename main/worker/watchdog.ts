// The watchdog: each watched part (the sampler, the network session, a running hire) has a liveness
// deadline; a stall is restarted with backoff (lib/backoff.ts) within a budget (5 in 10 min), then
// reported as failed instead of looping. Each restart is a notice with its cause.
import type { Notice } from '../../preload/contract/index.ts';
import { backoffDelay } from '../lib/backoff.ts';
import type { Disposable } from '../lib/emitter.ts';

export interface WatchedPart {
  /** In the user's words: "the telemetry sampler". */
  name: string;
  deadlineMs: number;
  /** When it last showed life; null while it is not supposed to run (not watched then). */
  lastAlive: () => number | null;
  restart: () => Promise<void> | void;
}

export interface WatchdogOptions {
  parts: WatchedPart[];
  notice: (notice: Notice) => void;
  /** A part spent its budget (failed) or came back (null): the alert rule hears it. */
  onFailed?: (part: string, cause: string | null) => void;
  budget?: { restarts: number; windowMs: number };
  backoff?: { initialMs: number; maxMs: number };
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string, error?: unknown) => void;
}

interface PartState {
  restarts: number[];
  attempt: number;
  busy: boolean;
  failed: boolean;
}

export class Watchdog {
  readonly #o: WatchdogOptions;
  readonly #state = new Map<string, PartState>();
  #seq = 0;

  constructor(options: WatchdogOptions) {
    this.#o = options;
    for (const part of options.parts) this.#state.set(part.name, { restarts: [], attempt: 0, busy: false, failed: false });
  }

  /** Looks at every part once; resolves when any restart it began has finished. */
  async check(): Promise<void> {
    await Promise.all(this.#o.parts.map((part) => this.#checkPart(part)));
  }

  start(everyMs = 1000): Disposable {
    const timer = setInterval(() => void this.check().catch((error: unknown) => this.#o.log?.('watchdog', error)), everyMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  failed(name: string): boolean {
    return this.#state.get(name)?.failed ?? false;
  }

  async #checkPart(part: WatchedPart): Promise<void> {
    const state = this.#state.get(part.name)!;
    if (state.busy) return;
    const now = this.#o.now?.() ?? Date.now();
    const alive = part.lastAlive();
    if (alive === null) return;
    const silentMs = now - alive;
    if (silentMs <= part.deadlineMs) {
      state.attempt = 0;
      if (state.failed) {
        state.failed = false;
        this.#notice('info', `${capital(part.name)} is running again`, `It shows life again after it was reported as failed.`);
        this.#o.onFailed?.(part.name, null);
      }
      return;
    }
    if (state.failed) return;
    const { restarts: limit, windowMs } = this.#o.budget ?? { restarts: 5, windowMs: 10 * 60_000 };
    state.restarts = state.restarts.filter((t) => now - t < windowMs);
    const cause = `no sign of life for ${Math.round(silentMs / 1000)} s (its deadline is ${Math.round(part.deadlineMs / 1000)} s)`;
    if (state.restarts.length >= limit) {
      state.failed = true;
      this.#notice('error', `${capital(part.name)} failed`, `${capital(part.name)} stalled again: ${cause}. It was restarted ${limit} times in ${Math.round(windowMs / 60_000)} min, so it is not restarted any more; restart IO Worker, and see the log.`);
      this.#o.onFailed?.(part.name, cause);
      return;
    }
    state.busy = true;
    try {
      const { initialMs, maxMs } = this.#o.backoff ?? { initialMs: 1000, maxMs: 30_000 };
      const wait = state.attempt === 0 ? 0 : backoffDelay(state.attempt, initialMs, maxMs);
      state.attempt++;
      if (wait > 0) await (this.#o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(wait);
      state.restarts.push(this.#o.now?.() ?? Date.now());
      this.#notice('warning', `${capital(part.name)} restarted`, `${capital(part.name)} stalled: ${cause}. Restarted it (${state.restarts.length} of ${limit} in ${Math.round(windowMs / 60_000)} min).`);
      await part.restart();
    } catch (error) {
      this.#o.log?.(`watchdog: restarting ${part.name} failed`, error);
    } finally {
      state.busy = false;
    }
  }

  #notice(level: Notice['level'], title: string, body: string): void {
    const t = this.#o.now?.() ?? Date.now();
    this.#o.notice({ id: `watchdog-${t}-${this.#seq++}`, t, level, title, body });
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The sampler's liveness: a frame at least every 10 intervals (10 s at 1 Hz); a restart stops and starts its loop. */
export function watchSampler(
  sampler: { readonly intervalMs: number; onFrame(listener: () => void): Disposable; stop(): Promise<void> | void; start(intervalMs: number): void },
  options: Pick<WatchdogOptions, 'notice' | 'onFailed' | 'log'>,
): Disposable {
  let lastFrameAt = Date.now();
  const offFrames = sampler.onFrame(() => (lastFrameAt = Date.now()));
  const dog = new Watchdog({
    ...options,
    parts: [
      {
        name: 'the telemetry sampler',
        deadlineMs: Math.max(10_000, sampler.intervalMs * 10),
        lastAlive: () => lastFrameAt,
        restart: async () => {
          const interval = sampler.intervalMs;
          await sampler.stop();
          sampler.start(interval);
          lastFrameAt = Date.now(); // a fresh deadline for the restarted loop
        },
      },
    ],
  });
  const offTimer = dog.start(1000);
  return () => {
    offTimer();
    offFrames();
  };
}
