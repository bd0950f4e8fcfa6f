// A running hire under the watchdog: a workload that writes nothing and leaves the GPUs at 0 % for
// its deadline is stalled (a Ray node the head lists is alive however quiet). It is killed and the
// supervisor (hires.ts) restarts it, within the watchdog's budget; then the hire ends as failed and
// the network hears it, rather than a stuck workload being billed or restarted forever.
import type { Notice, TelemetryFrame } from '../../preload/contract/index.ts';
import type { Disposable } from '../lib/emitter.ts';
import { sessionPart, type WatchedSession } from './session-watchdog.ts';
import { Watchdog, type WatchdogOptions, type WatchedPart } from './watchdog.ts';

/** What the watchdog reads of the hire runner (HireRunner, matched structurally). */
export interface WatchedHires {
  liveness(): { hireId: string; kind: string; runningSince: number | null; lastOutputAt: number | null } | null;
  rayService(): { state: string };
  restartWorkload(hireId: string, why: string): boolean;
  stop(reason: string, hireId?: string, state?: 'completed' | 'failed'): Promise<void>;
}

/** How long a hire may show no output and no GPU use before it is restarted. */
export const HIRE_SILENCE_DEADLINE_MS = 10 * 60_000;

export function hirePart(hires: WatchedHires, options: { frame: () => TelemetryFrame | null; deadlineMs?: number; now?: () => number }): WatchedPart {
  const now = options.now ?? Date.now;
  let gpuBusyAt = 0;
  return {
    part: 'hire',
    cause: 'workload-silent',
    deadlineMs: options.deadlineMs ?? HIRE_SILENCE_DEADLINE_MS,
    instance: () => hires.liveness()?.hireId ?? null,
    lastAlive: () => {
      const hire = hires.liveness();
      // Not running (starting, or waiting to restart after an exit): the supervisor's own business.
      if (!hire || hire.runningSince === null) return null;
      const frame = options.frame();
      if (frame && frame.gpus.some((g) => (g.utilizationPct ?? 0) > 0)) gpuBusyAt = Math.max(gpuBusyAt, frame.t);
      if (hire.kind === 'ray' && hires.rayService().state === 'running') return now();
      return Math.max(hire.runningSince, hire.lastOutputAt ?? 0, gpuBusyAt);
    },
    restart: () => {
      const hire = hires.liveness();
      if (hire) hires.restartWorkload(hire.hireId, 'no output and no GPU use');
    },
    giveUp: async (why) => {
      const hire = hires.liveness();
      if (hire) await hires.stop(`The watchdog ended the hire: ${why}`, hire.hireId, 'failed');
    },
    advice: 'the hire was ended and reported to the network as failed',
  };
}

export interface WorkerPartsOptions extends Pick<WatchdogOptions, 'budget' | 'backoff' | 'log'> {
  notice: (notice: Notice) => void;
  frame: () => TelemetryFrame | null;
  hireDeadlineMs?: number;
  sessionDeadlineMs?: () => number;
  everyMs?: number;
}

/** The network session and its hires under one watchdog, until disposed (the core does so on stop). */
export function watchWorkerParts(session: WatchedSession, hires: WatchedHires | null, options: WorkerPartsOptions): Disposable {
  const parts: WatchedPart[] = [sessionPart(session, { deadlineMs: options.sessionDeadlineMs })];
  if (hires) parts.push(hirePart(hires, { frame: options.frame, deadlineMs: options.hireDeadlineMs }));
  const dog = new Watchdog({ ...options, parts });
  return dog.start(options.everyMs ?? 1000);
}
