// One interface for every way an alert leaves the machine (webhook, ntfy, Telegram, e-mail), the
// message they all carry, and the one retry loop they share (lib/backoff.ts).
import type { AlertCause, AlertChannelKind, Notice } from '../../preload/contract/index.ts';
import { backoffDelay } from '../lib/backoff.ts';

/** What an alert says; `state` 'resolved' is the all-clear for an earlier alert of the same key. */
export interface AlertMessage {
  cause: AlertCause;
  /** Which instance of the cause (a GPU, a pause source); dedup and "resolved" go per cause and key. */
  key: string;
  state: 'raised' | 'resolved';
  level: Notice['level'];
  /** One line: "paused: game.exe is using GPU 0". */
  title: string;
  body: string;
  /** When the cause happened (epoch ms). */
  t: number;
  deviceId: string;
  deviceName: string;
}

export interface Delivery {
  ok: boolean;
  /** In words: "delivered (HTTP 200)", "refused: HTTP 401 Unauthorized". */
  detail: string;
  attempts: number;
}

export interface AlertChannel {
  readonly kind: AlertChannelKind;
  send(message: AlertMessage): Promise<Delivery>;
}

/** A failure that another try cannot fix (a refused token, a bad address). */
export class PermanentFailure extends Error {}

export interface RetryOptions {
  attempts?: number;
  initialMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The retry budget keeps a delivery inside the 30 s promise: 3 tries, 8 s each, short waits. */
export const DEFAULT_RETRY: Required<Omit<RetryOptions, 'sleep'>> = { attempts: 3, initialMs: 500, maxMs: 2000 };
export const ATTEMPT_TIMEOUT_MS = 8000;

/** Runs `attempt` until it answers, a PermanentFailure, or the budget is spent; never throws. */
export async function withRetries(attempt: () => Promise<string>, options: RetryOptions = {}): Promise<Delivery> {
  const { attempts, initialMs, maxMs } = { ...DEFAULT_RETRY, ...options };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last = 'not tried';
  for (let i = 0; i < attempts; i++) {
    try {
      return { ok: true, detail: await attempt(), attempts: i + 1 };
    } catch (error) {
      last = describeError(error);
      if (error instanceof PermanentFailure) return { ok: false, detail: last, attempts: i + 1 };
      if (i + 1 < attempts) await sleep(backoffDelay(i, initialMs, maxMs));
    }
  }
  return { ok: false, detail: `${last} (after ${attempts} tries)`, attempts };
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error.name === 'TimeoutError') return `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`;
  if (cause?.code) return `${error.message} (${cause.code})`;
  return error.message;
}

/** POSTs JSON (or text); a 5xx or 429 is worth another try, any other refusal is not. */
export async function postOnce(url: string, body: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(url, { method: 'POST', body, headers, redirect: 'error', signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
  const text = (await response.text().catch(() => '')).slice(0, 200);
  if (response.ok) return `delivered (HTTP ${response.status})`;
  const why = `refused: HTTP ${response.status}${text ? ` ${text.replace(/\s+/g, ' ').trim()}` : ''}`;
  if (response.status >= 500 || response.status === 429) throw new Error(why);
  throw new PermanentFailure(why);
}

/** The plain text of a message, the same in every channel that has no structure of its own. */
export function messageText(message: AlertMessage): string {
  const head = message.state === 'resolved' ? `Resolved: ${message.title}` : message.title;
  return `${head}\n${message.body}\n— ${message.deviceName} (${message.deviceId}), ${new Date(message.t).toISOString()}`;
}
