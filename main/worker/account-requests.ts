// The owner's requests to the network over HTTP, each signed by the account key for this network:
// account changes (rename, delete) and reads of what the network keeps for the owner only.
import { seal, type Signer } from './protocol.ts';

export interface AccountRequestContext {
  url: (path: string) => string;
  account: Signer;
  binding: string;
}

/** Renames or removes one of this account's devices at the coordinator, or decides its waiting wallet change. */
export async function accountChange(c: AccountRequestContext, type: 'rename' | 'delete' | 'wallet-change', body: { deviceId: string; name?: string }): Promise<void> {
  const res = await fetch(c.url('/v1/signed'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(seal(c.account, c.binding, type, body)),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`the network refused to ${type} ${body.deviceId} (${res.status}): ${(await res.text()).slice(0, 200)}`);
}

/** A read of the owner's own view (names, machines, hires), signed for that one path. */
export async function ownerRead(c: AccountRequestContext, path: string): Promise<unknown> {
  const envelope = seal(c.account, c.binding, 'read', { path });
  const res = await fetch(c.url(path), {
    headers: { authorization: `IoWorker ${Buffer.from(JSON.stringify(envelope)).toString('base64url')}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res.json();
}
