// One request path for both transports: check the payload's shape and size, validate it against
// the channel's schema, run the handler, validate its result, and answer with a typed reply.
// Nothing raw crosses: a thrown error becomes { code, message } and the details stay in the log.
import { z } from 'zod';
import {
  ContractFailure,
  MAX_PAYLOAD_BYTES,
  isRequestChannel,
  requests,
  type ContractError,
  type Handlers,
  type Reply,
} from '../preload/contract/index.ts';
import { fieldIssueWords, type FieldIssue } from '../preload/contract/field-words.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 16;

/** Finds the first prototype-polluting key or an over-deep nesting, before zod ever sees it. */
export function findUnsafeKey(value: unknown, path = '', depth = 0): string | null {
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return path || '(root)';
  for (const key of Reflect.ownKeys(value)) {
    const name = String(key);
    if (typeof key === 'symbol' || FORBIDDEN_KEYS.has(name)) return `${path}${path ? '.' : ''}${name}`;
    const found = findUnsafeKey((value as Record<string, unknown>)[name], `${path}${path ? '.' : ''}${name}`, depth + 1);
    if (found) return found;
  }
  return null;
}

function payloadSize(value: unknown): number | null {
  try {
    return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
  } catch {
    return null; // cycles, BigInt: not a payload we accept
  }
}

function issuesOf(error: z.ZodError): ContractError['issues'] {
  return error.issues.slice(0, 10).map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

export function fail(code: ContractError['code'], message: string, issues?: ContractError['issues']): Reply {
  return { ok: false, error: issues ? { code, message, issues } : { code, message } };
}

export type Dispatch = (channel: unknown, args: unknown) => Promise<Reply>;

export interface DispatchOptions {
  /** Where internal errors are written; never to the caller. */
  log?: (message: string, error: unknown) => void;
}

export function createDispatcher(handlers: Handlers, options: DispatchOptions = {}): Dispatch {
  const log = options.log ?? ((message, error) => console.error(`[io-worker] ${message}`, error));
  return async (channel, rawArgs) => {
    if (!isRequestChannel(channel)) {
      return fail('unknown-channel', `Unknown channel ${JSON.stringify(String(channel).slice(0, 64))}.`);
    }
    const size = payloadSize(rawArgs);
    if (size === null) return fail('bad-request', `Arguments of ${channel} are not plain JSON data.`);
    if (size > MAX_PAYLOAD_BYTES) {
      return fail('bad-request', `Arguments of ${channel} are ${size} bytes; the limit is ${MAX_PAYLOAD_BYTES}.`);
    }
    const unsafe = findUnsafeKey(rawArgs);
    if (unsafe) return fail('bad-request', `Arguments of ${channel} carry a forbidden key: ${unsafe}.`);

    const spec = requests[channel];
    const parsed = spec.args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      // The message names the field in the user's words and its limit; the raw issues ride along for tools.
      const words = parsed.error.issues.slice(0, 3).map((issue) => fieldIssueWords({ ...(issue as object), path: issue.path.map(String).join('.'), code: issue.code, message: issue.message } as FieldIssue));
      return fail('bad-request', words.join(' '), issuesOf(parsed.error));
    }
    let result: unknown;
    try {
      // The handler map is keyed by the same channel; TypeScript cannot correlate the two generics here.
      const handler = handlers[channel] as (args: unknown) => Promise<unknown>;
      result = await handler(parsed.data);
    } catch (error) {
      if (error instanceof ContractFailure) return fail(error.code, error.message);
      log(`handler ${channel} failed`, error);
      return fail('internal', `${channel} failed inside the worker; the log has the details.`);
    }
    const checked = spec.result.safeParse(result);
    if (!checked.success) {
      log(`handler ${channel} returned data outside the contract`, checked.error);
      return fail('internal', `${channel} produced an answer outside the contract; the log has the details.`);
    }
    return { ok: true, result: checked.data } as Reply;
  };
}
