// The owner's requests to the network over HTTP, each signed by the account key for this network:
// account changes (rename, delete) and reads of what the network keeps for the owner only.
import { seal, type Signer } from './protocol.ts';

export interface AccountRequestContext {
  url: (path: string) => string;
  account: Signer;
  binding: string;
}

/** The most an answer to an owner's read may be (the whole network's device list): more is refused, not read on. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** An answer's JSON, read up to `max` bytes; null when it is not JSON. Throws when it is larger. */
export async function readAnswer(res: Response, max = MAX_ANSWER_BYTES): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (let part = await reader?.read(); part && !part.done; part = await reader!.read()) {
    size += part.value.length;
    if (size > max) {
      await reader!.cancel();
      throw new Error(`the network's answer was larger than ${max} bytes`);
    }
    chunks.push(part.value);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

/** What the network said when it refused: its own words (its typed error's message), cut to a line. */
export function refusalWords(answer: unknown, status: number): string {
  const message = (answer as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message.slice(0, 300) : `the network answered HTTP ${status}`;
}

/** Renames or removes one of this account's devices at the coordinator, or decides its waiting wallet change. */
export async function accountChange(c: AccountRequestContext, type: 'rename' | 'delete' | 'wallet-change', body: { deviceId: string; name?: string }): Promise<void> {
  const res = await fetch(c.url('/v1/signed'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(seal(c.account, c.binding, type, body)),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await readAnswer(res, 64 * 1024).catch(() => null);
  if (!res.ok) throw new Error(`the network refused to ${type} ${body.deviceId} (${res.status}): ${refusalWords(answer, res.status)}`);
}

/** A read of the owner's own view (names, machines, hires), signed for that one path. */
export async function ownerRead(c: AccountRequestContext, path: string, max = MAX_ANSWER_BYTES): Promise<unknown> {
  const envelope = seal(c.account, c.binding, 'read', { path });
  const res = await fetch(c.url(path), {
    headers: { authorization: `IoWorker ${Buffer.from(JSON.stringify(envelope)).toString('base64url')}` },
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await readAnswer(res, max);
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${refusalWords(answer, res.status)}`);
  return answer;
}
