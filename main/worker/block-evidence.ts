// What the worker saw, kept for every block: each challenge with its arrival, answer and the
// network's acknowledgement; every gap in its session (asleep, network down, paused with its source,
// not running, hired) with times. The network session calls the hooks; a store (the ledger) keeps it.
import type { EvidenceChallenge, EvidenceGap, EvidenceGapReason, Pause } from '../../preload/contract/index.ts';
import type { Disposable } from '../lib/emitter.ts';
import { every } from '../lib/every.ts';

/** Where the record goes; the ledger implements it (matched structurally: it imports nothing of the worker). */
export interface EvidenceStore {
  saveChallenge(device: string, challenge: EvidenceChallenge): void;
  saveGap(device: string, gap: EvidenceGap): void;
  /** The last moment this device was seen running before `before` (its record or its telemetry), or null. */
  lastSeenBefore(device: string, before: number): number | null;
}

/** The hooks the network session calls (WorkerClientOptions.evidence). */
export interface EvidenceObserver {
  challenge(kind: 'potl' | 'pow', challengeId: string, deadline: number): void;
  sent(type: string, body: unknown, nonce: string): void;
  answered(nonce: string, refusal: { code: string; message: string } | null): void;
  state(state: { connection: 'connecting' | 'online' | 'offline'; paused: Pause | null; hire: { hireId: string; kind: string } | null }): void;
}

export interface BlockEvidenceOptions {
  /** A timer late by more than this means the process did not run: the machine slept (or was frozen). */
  sleepThresholdMs?: number;
  tickMs?: number;
  now?: () => number;
  log?: (message: string) => void;
}

/** Challenges kept in memory until their answer is settled; older ones are only in the store. */
const MAX_OPEN_CHALLENGES = 256;

export class BlockEvidence implements EvidenceObserver {
  readonly #store: EvidenceStore;
  readonly #device: string;
  readonly #now: () => number;
  readonly #sleepThresholdMs: number;
  readonly #tickMs: number;
  readonly #log: (message: string) => void;
  readonly #challenges = new Map<string, EvidenceChallenge>();
  /** Envelope nonce of a sent answer -> the challenge it answers. */
  readonly #answers = new Map<string, string>();
  readonly #open = new Map<EvidenceGapReason, EvidenceGap>();
  #everOnline = false;
  #ticker: Disposable | null = null;
  #lastTick = 0;

  constructor(store: EvidenceStore, deviceId: string, options: BlockEvidenceOptions = {}) {
    this.#store = store;
    this.#device = deviceId;
    this.#now = options.now ?? Date.now;
    this.#sleepThresholdMs = options.sleepThresholdMs ?? 5000;
    this.#tickMs = options.tickMs ?? 1000;
    this.#log = options.log ?? (() => {});
  }

  /** Starts watching for sleep; a previous run that ended before `startedAt` is a 'restart' gap until the first connection. */
  start(startedAt = this.#now()): void {
    if (this.#ticker) return;
    const last = this.#guard('read the last run', () => this.#store.lastSeenBefore(this.#device, startedAt)) ?? null;
    if (last !== null && last < startedAt) this.#openGap({ reason: 'restart', start: last, end: null, source: null, problem: null, detail: null });
    this.#lastTick = this.#now();
    this.#ticker = every(this.#tickMs, () => this.#tick());
  }

  /** Ends the watch; spans still open end now (the next run's 'restart' gap covers the time after). */
  stop(): void {
    this.#ticker?.();
    this.#ticker = null;
    const now = this.#now();
    for (const reason of [...this.#open.keys()]) this.#closeGap(reason, now);
  }

  #tick(): void {
    const now = this.#now();
    const late = now - this.#lastTick - this.#tickMs;
    // Timers stopped: the process did not run for that long (suspend, or frozen).
    if (late > this.#sleepThresholdMs) {
      this.#saveGap({ reason: 'asleep', start: this.#lastTick, end: now, source: null, problem: null, detail: null });
    }
    this.#lastTick = now;
  }

  /** A GPU health problem seen during the session (from the GPU health read), kept as a span. */
  gpuFault(problem: EvidenceGap['problem'], detail: string | null, start: number, end: number | null): void {
    this.#saveGap({ reason: 'gpu-fault', start, end, source: null, problem, detail: detail?.slice(0, 512) ?? null });
  }

  // ---------------------------------------------------------------- the session's hooks
  challenge(kind: 'potl' | 'pow', challengeId: string, deadline: number): void {
    const c: EvidenceChallenge = {
      kind, id: challengeId.slice(0, 64), arrivedAt: this.#now(), deadline: Math.max(0, Math.round(deadline)), answeredAt: null, ackedAt: null, solveMs: null, refused: null,
    };
    this.#challenges.set(c.id, c);
    if (this.#challenges.size > MAX_OPEN_CHALLENGES) this.#challenges.delete(this.#challenges.keys().next().value!);
    this.#saveChallenge(c);
  }

  sent(type: string, body: unknown, nonce: string): void {
    const b = body as { challengeId?: unknown; solveMs?: unknown } | null;
    const c = typeof b?.challengeId === 'string' ? this.#challenges.get(b.challengeId) : undefined;
    if (!c) return;
    // A POW is answered by its commitments (one per batch, due by the challenge's deadline): the last
    // one says when the work was done, their solve times add up. The openings that follow are only acknowledged.
    if (type === 'pow-commit') {
      c.answeredAt = this.#now();
      if (typeof b!.solveMs === 'number' && Number.isFinite(b!.solveMs)) c.solveMs = (c.solveMs ?? 0) + Math.max(0, b!.solveMs);
    } else if (type !== 'pow-answer' || c.answeredAt === null) {
      c.answeredAt ??= this.#now();
    }
    this.#answers.set(nonce, c.id);
    this.#saveChallenge(c);
  }

  answered(nonce: string, refusal: { code: string; message: string } | null): void {
    const id = this.#answers.get(nonce);
    if (id === undefined) return;
    this.#answers.delete(nonce);
    const c = this.#challenges.get(id);
    if (!c) return;
    if (refusal) c.refused = { code: refusal.code.slice(0, 64), message: refusal.message.slice(0, 512) };
    else c.ackedAt = this.#now();
    this.#saveChallenge(c);
  }

  state(state: Parameters<EvidenceObserver['state']>[0]): void {
    const now = this.#now();
    if (state.connection === 'online') {
      if (!this.#everOnline) this.#closeGap('restart', now);
      this.#everOnline = true;
      this.#closeGap('network-down', now);
    } else if (this.#everOnline && !this.#open.has('network-down')) {
      this.#openGap({ reason: 'network-down', start: now, end: null, source: null, problem: null, detail: null });
    }
    const pause = this.#open.get('paused');
    if (pause && (pause.source !== state.paused?.source || pause.detail !== (state.paused?.detail || null))) this.#closeGap('paused', now);
    if (state.paused && !this.#open.has('paused')) {
      this.#openGap({ reason: 'paused', start: now, end: null, source: state.paused.source, problem: null, detail: state.paused.detail || null });
    }
    const hire = this.#open.get('hired');
    if (hire && hire.detail !== (state.hire?.hireId ?? null)) this.#closeGap('hired', now);
    if (state.hire && !this.#open.has('hired')) this.#openGap({ reason: 'hired', start: now, end: null, source: null, problem: null, detail: state.hire.hireId });
  }

  // ---------------------------------------------------------------- keeping it
  #openGap(gap: EvidenceGap): void {
    this.#open.set(gap.reason, gap);
    this.#saveGap(gap);
  }

  #closeGap(reason: EvidenceGapReason, end: number): void {
    const gap = this.#open.get(reason);
    if (!gap) return;
    this.#open.delete(reason);
    this.#saveGap({ ...gap, end: Math.max(gap.start, end) });
  }

  #saveGap(gap: EvidenceGap): void {
    this.#guard(`keep a ${gap.reason} gap`, () => this.#store.saveGap(this.#device, { ...gap }));
  }

  #saveChallenge(c: EvidenceChallenge): void {
    this.#guard(`keep a ${c.kind} challenge`, () => this.#store.saveChallenge(this.#device, { ...c }));
  }

  /** A record the store refuses is logged: it never breaks the network session. */
  #guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.#log(`block record: could not ${what}: ${(error as Error).message}`);
      return undefined;
    }
  }
}
