// The network session under the watchdog: a session that claims to be open but hears nothing from
// the network (a half-open TCP connection, a frozen coordinator or proxy) is dropped and reconnected
// with backoff, within the watchdog's budget; then it is reported as failed, never looped on.
import type { Notice } from '../../preload/contract/index.ts';
import type { Disposable } from '../lib/emitter.ts';
import { Watchdog, type WatchdogOptions } from './watchdog.ts';

/** What the watchdog reads of the session (the WorkerClient, matched structurally). */
export interface WatchedSession {
  state(): { connection: 'connecting' | 'online' | 'offline'; heartbeatSeconds?: number };
  /** Bytes the session's socket received: any message (an ack, a status) from the network is life. */
  traffic(): { receivedBytes: number };
  restartSession(): void;
}

export interface SessionWatchOptions extends Pick<WatchdogOptions, 'budget' | 'backoff' | 'now' | 'log'> {
  notice: (notice: Notice) => void;
  /** Silence allowed while online; default 2.5 heartbeats (at least 6 s): every beat gets an answer, and
   *  the client's own last-resort timer (3 heartbeats, at least 10 s) must not come first. */
  deadlineMs?: () => number;
  everyMs?: number;
}

/** The session's liveness part; `lastAlive` is null while it is not online (reconnecting is the client's own). */
export function sessionPart(session: WatchedSession, options: Pick<SessionWatchOptions, 'deadlineMs' | 'now'> = {}) {
  const now = options.now ?? Date.now;
  let seen: { bytes: number; at: number } | null = null;
  return {
    part: 'session' as const,
    cause: 'network-silent' as const,
    deadlineMs: options.deadlineMs ?? (() => Math.max(6000, 2500 * (session.state().heartbeatSeconds ?? 30))),
    lastAlive: () => {
      if (session.state().connection !== 'online') {
        seen = null;
        return null;
      }
      const bytes = session.traffic().receivedBytes;
      if (!seen || bytes !== seen.bytes) seen = { bytes, at: now() };
      return seen.at;
    },
    restart: () => {
      seen = null;
      session.restartSession();
    },
    advice: 'the worker goes on reconnecting on its own; check the network and this machine’s connection',
  };
}

/** Watches the session every second (by default) until disposed. */
export function watchSession(session: WatchedSession, options: SessionWatchOptions): Disposable {
  const dog = new Watchdog({ ...options, parts: [sessionPart(session, options)] });
  return dog.start(options.everyMs ?? 1000);
}
