// The watchdog: each watched part (the sampler, the network session, a running hire) has a liveness
// deadline; a stall is restarted with backoff (lib/backoff.ts) within a budget (5 in 10 min), then
// reported as failed instead of looping. Each restart is a notice with its typed cause; the alert
// rules read the notices' ids (alerts/sources.ts), so a part wired anywhere reaches the owner.
import type { Notice } from '../../preload/contract/index.ts';
import { WATCHDOG_CAUSE_WORDS, WATCHDOG_PART_WORDS, type WATCHDOG_CAUSES, type WATCHDOG_PARTS } from '../../preload/contract/words.ts';
import { backoffDelay } from '../lib/backoff.ts';
import type { Disposable } from '../lib/emitter.ts';
import { every } from '../lib/every.ts';

export type WatchdogPart = (typeof WATCHDOG_PARTS)[number];
export type WatchdogCause = (typeof WATCHDOG_CAUSES)[number];

export interface WatchedPart {
  part: WatchdogPart;
  /** What a stall of this part means (its words: WATCHDOG_CAUSE_WORDS). */
  cause: WatchdogCause;
  deadlineMs: number | (() => number);
  /** When it last showed life; null while it is not supposed to run (not watched then). */
  lastAlive: () => number | null;
  restart: () => Promise<void> | void;
  /** Which run of the part this is (a hire's id): a new one starts with a fresh budget. */
  instance?: () => string | null;
  /** The budget is spent: what the part does instead of another restart (a hire ends as failed). */
  giveUp?: (why: string) => Promise<void> | void;
  /** After "failed": what the owner can do, in words. */
  advice?: string;
}

export interface WatchdogOptions {
  parts: WatchedPart[];
  notice: (notice: Notice) => void;
  /** A part spent its budget (failed, with its cause in words) or came back (null): the alert rule hears it. */
  onFailed?: (part: WatchdogPart, cause: string | null) => void;
  budget?: { restarts: number; windowMs: number };
  backoff?: { initialMs: number; maxMs: number };
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string, error?: unknown) => void;
}

interface PartState {
  instance: string | null;
  restarts: number[];
  attempt: number;
  busy: boolean;
  failed: boolean;
  /** Since when a failed part shows life again: it counts as running after one whole deadline of it. */
  backSince: number | null;
}

const fresh = (instance: string | null): PartState => ({ instance, restarts: [], attempt: 0, busy: false, failed: false, backSince: null });

export class Watchdog {
  readonly #o: WatchdogOptions;
  readonly #state = new Map<WatchedPart, PartState>();
  #seq = 0;

  constructor(options: WatchdogOptions) {
    this.#o = options;
    for (const part of options.parts) this.#state.set(part, fresh(part.instance?.() ?? null));
  }

  /** Looks at every part once; resolves when any restart it began has finished. */
  async check(): Promise<void> {
    await Promise.all(this.#o.parts.map((part) => this.#checkPart(part)));
  }

  start(everyMs = 1000): Disposable {
    return every(everyMs, () => void this.check().catch((error: unknown) => this.#o.log?.('watchdog', error)));
  }

  failed(part: WatchdogPart): boolean {
    return this.#o.parts.some((p) => p.part === part && this.#state.get(p)!.failed);
  }

  async #checkPart(part: WatchedPart): Promise<void> {
    let state = this.#state.get(part)!;
    const instance = part.instance?.() ?? null;
    if (instance !== state.instance && !state.busy) this.#state.set(part, (state = fresh(instance)));
    if (state.busy) return;
    const now = this.#now();
    const alive = part.lastAlive();
    if (alive === null) return;
    const deadlineMs = typeof part.deadlineMs === 'function' ? part.deadlineMs() : part.deadlineMs;
    const silentMs = now - alive;
    const name = WATCHDOG_PART_WORDS[part.part];
    if (silentMs <= deadlineMs) {
      state.attempt = 0;
      if (state.failed) {
        state.backSince ??= now;
        if (now - state.backSince < deadlineMs) return; // a moment of life after a failure is not a recovery yet
        state.failed = false;
        state.backSince = null;
        this.#notice('info', `watchdog-back:${part.part}`, `${capital(name)} is running again`, `It has shown life for ${seconds(deadlineMs)} s after it was reported as failed.`);
        this.#o.onFailed?.(part.part, null);
      }
      return;
    }
    state.backSince = null;
    if (state.failed) return;
    const { restarts: limit, windowMs } = this.#o.budget ?? { restarts: 5, windowMs: 10 * 60_000 };
    state.restarts = state.restarts.filter((t) => now - t < windowMs);
    const cause = `${WATCHDOG_CAUSE_WORDS[part.cause]} for ${seconds(silentMs)} s (its deadline is ${seconds(deadlineMs)} s)`;
    if (state.restarts.length >= limit) {
      state.failed = true;
      const advice = part.advice ?? 'restart IO Worker, and see the log';
      this.#notice('error', `watchdog-failed:${part.part}`, `${capital(name)} failed`, `${capital(name)} stalled again: ${cause}. It was restarted ${limit} times in ${Math.round(windowMs / 60_000)} min, so it is not restarted any more; ${advice}.`);
      this.#o.onFailed?.(part.part, cause);
      if (part.giveUp) await Promise.resolve(part.giveUp(`${name} stalled ${limit + 1} times in ${Math.round(windowMs / 60_000)} min: ${cause}`)).catch((error: unknown) => this.#o.log?.(`watchdog: giving up on ${name} failed`, error));
      return;
    }
    state.busy = true;
    try {
      const { initialMs, maxMs } = this.#o.backoff ?? { initialMs: 1000, maxMs: 30_000 };
      const wait = state.attempt === 0 ? 0 : backoffDelay(state.attempt, initialMs, maxMs);
      state.attempt++;
      if (wait > 0) await (this.#o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))))(wait);
      state.restarts.push(this.#now());
      this.#notice('warning', `watchdog-restart:${part.part}`, `${capital(name)} restarted`, `${capital(name)} stalled: ${cause}. Restarted it (${state.restarts.length} of ${limit} in ${Math.round(windowMs / 60_000)} min).`);
      await part.restart();
    } catch (error) {
      this.#o.log?.(`watchdog: restarting ${name} failed`, error);
    } finally {
      state.busy = false;
    }
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  #notice(level: Notice['level'], kind: string, title: string, body: string): void {
    const t = this.#now();
    this.#o.notice({ id: `${kind}:${t}-${this.#seq++}`, t, level, title, body });
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const seconds = (ms: number) => Math.round(ms / 1000);

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
        part: 'sampler',
        cause: 'no-frames',
        deadlineMs: () => Math.max(10_000, sampler.intervalMs * 10),
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
