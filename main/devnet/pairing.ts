// Pairing another machine into an account (docs/protocol.md, "Pairing"): the owner asks for a short
// one-time code, the new machine redeems it with its own account key, and the owner's key signs a
// delegation for that key. From then on the member key acts for the owner's account; deleting the
// member's device revokes it. No owner private key ever leaves the owner's machine.
import crypto from 'node:crypto';
import { PAIRING_CODE_ALPHABET, delegationText, idFromPublicKey } from '../worker/protocol.ts';
import { KeyedBuckets, TokenBucket } from '../lib/rate-limit.ts';
import { spacedCode as spaced } from '../../preload/contract/pairing.ts';
import { ProtocolError, type Rooms, type Viewer } from './context.ts';

export { spaced };

export const CODE_ALPHABET = PAIRING_CODE_ALPHABET;
export const CODE_LENGTH = 8;
export const CODE_TTL_MS = 10 * 60_000;
/** How long a redeemed code waits for the owner's machine to confirm it, past the code's own expiry. */
export const CONFIRM_GRACE_MS = 10 * 60_000;
/** Open codes per account at once: enough for a rack, too few to spray. */
export const MAX_OPEN_CODES = 8;
/** Wrong codes per source address: a burst of 10, then one every 6 s (a guess in 2^40 is hopeless at that rate). */
const FAILED_TRIES_BURST = 10;
const FAILED_TRIES_PER_SECOND = 1 / 6;
/** Wrong codes from everywhere together, so many addresses cannot guess in parallel either. */
const FAILED_TRIES_GLOBAL_PER_SECOND = 5;

export interface CodeRow {
  code: string;
  account_id: string;
  created_at: number;
  expires_at: number;
  member_id: string | null;
  member_key: string | null;
  device_id: string | null;
  device_name: string | null;
  redeemed_at: number | null;
  confirmed_at: number | null;
}

interface Delegation {
  accountId: string;
  deviceId: string;
  revokedAt: number | null;
}

export type RedeemAnswer = { state: 'pending' | 'joined'; account: string; code: string; expiresAt: number };
export interface PendingMachine { code: string; memberId: string; memberPublicKeyPem: string; deviceId: string; name: string; redeemedAt: number }

/** A new random code, `CODE_LENGTH` characters of `CODE_ALPHABET`. */
export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[crypto.randomInt(CODE_ALPHABET.length)];
  return code;
}

export class Pairing {
  readonly #c: Rooms;
  readonly #delegations = new Map<string, Delegation>();
  readonly #failedBySource = new KeyedBuckets(() => new TokenBucket(FAILED_TRIES_BURST, FAILED_TRIES_PER_SECOND));
  readonly #failedEverywhere = new TokenBucket(FAILED_TRIES_GLOBAL_PER_SECOND * 10, FAILED_TRIES_GLOBAL_PER_SECOND);

  constructor(c: Rooms) {
    this.#c = c;
    // Each stored delegation is checked against the owner's key again: a row written without the owner's signature is no member.
    const rows = c.store.all<{ member_id: string; account_id: string; member_key: string; device_id: string; code: string; sig: string; revoked_at: number | null; owner_key: string | null }>(
      'SELECT d.*, a.public_key AS owner_key FROM delegations d LEFT JOIN accounts a ON a.id = d.account_id',
    );
    for (const row of rows) {
      if (!row.owner_key || !this.#verifies(row.owner_key, row.account_id, row.member_id, row.member_key, row.device_id, row.code, row.sig)) {
        c.log(`pairing: ignored the delegation of ${row.member_id} to ${row.account_id}: it is not signed by the account's key`);
        continue;
      }
      this.#delegations.set(row.member_id, { accountId: row.account_id, deviceId: row.device_id, revokedAt: row.revoked_at });
    }
  }

  /**
   * The account a signer acts for: the owner's account for a paired machine's key, else the signer itself.
   * A revoked machine's key is refused here, so every account request it signs is.
   */
  accountOf(signer: string): string {
    const d = this.#delegations.get(signer);
    if (!d) return signer;
    if (d.revokedAt !== null) {
      throw new ProtocolError(
        'revoked',
        `This machine was removed from account ${d.accountId} on ${new Date(d.revokedAt).toISOString()}; to join it again, pair it with a new code from the owner's dashboard.`,
        403,
      );
    }
    return d.accountId;
  }

  /** The owner's machine asks for a code (signed by the owner's account key). */
  issue(raw: unknown): { code: string; expiresAt: number; account: string } {
    const { env } = this.#c.devices.open(raw, 'pair-code');
    if (!env.signer.startsWith('acct-')) throw new ProtocolError('forbidden', 'Pairing codes are asked for with the account key.', 403);
    if (this.#delegations.has(env.signer)) {
      const owner = this.accountOf(env.signer);
      throw new ProtocolError('owner-only', `This machine is paired into account ${owner}: pairing codes are made on the owner's machine, which holds the account key.`, 403);
    }
    const now = Date.now();
    const { store } = this.#c;
    store.run('DELETE FROM pairing_codes WHERE expires_at < ? AND confirmed_at IS NULL', now - CONFIRM_GRACE_MS - 86_400_000);
    const open = store.get<{ n: number }>('SELECT count(*) AS n FROM pairing_codes WHERE account_id = ? AND expires_at > ? AND redeemed_at IS NULL', env.signer, now)!.n;
    if (open >= MAX_OPEN_CODES) throw new ProtocolError('rate-limited', `This account has ${open} unused pairing codes; use one or wait until they expire (10 minutes).`, 429);
    let code = newCode();
    while (store.get('SELECT 1 AS x FROM pairing_codes WHERE code = ?', code)) code = newCode();
    const expiresAt = now + CODE_TTL_MS;
    store.run('INSERT INTO pairing_codes (code, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)', code, env.signer, now, expiresAt);
    return { code, expiresAt, account: env.signer };
  }

  /** The new machine redeems a code with its own account key; asking again is how it waits for the owner. */
  redeem(raw: unknown, source: string): RedeemAnswer {
    let memberKey: crypto.KeyObject;
    try {
      const payload = JSON.parse((raw as { payload: string }).payload) as { publicKeyPem: string };
      memberKey = crypto.createPublicKey(payload.publicKeyPem);
    } catch {
      throw new ProtocolError('bad-body', 'pair-redeem needs a valid publicKeyPem');
    }
    const { env, body } = this.#c.devices.open(raw, 'pair-redeem', memberKey);
    const memberId = idFromPublicKey('acct', memberKey);
    if (env.signer !== memberId) throw new ProtocolError('bad-signature', 'The signer is not the account of this public key.', 401);
    const row = this.#c.store.get<CodeRow>('SELECT * FROM pairing_codes WHERE code = ?', body.code);
    const now = Date.now();
    if (!row) {
      // Only wrong guesses cost tries: a machine waiting on its own code asks as often as it likes.
      if (!this.#failedBySource.take(source) || !this.#failedEverywhere.take()) {
        throw new ProtocolError('rate-limited', 'Too many wrong pairing codes; wait a minute, then type the code again.', 429);
      }
      throw new ProtocolError('unknown-code', `No pairing code ${spaced(body.code)} on this network: check it on the owner's dashboard (Add New Device, "Add another machine"), or make a new one there.`, 404);
    }
    if (row.member_id && row.member_id !== memberId) {
      throw new ProtocolError('used-code', `Pairing code ${spaced(row.code)} was already used by another machine; make a new one on the owner's dashboard.`, 409);
    }
    if (memberId === row.account_id) throw new ProtocolError('bad-body', 'This machine holds the account key itself: it is already in the account.', 409);
    // One level only: an owner whose account has paired machines cannot itself become another's member.
    if ([...this.#delegations.values()].some((d) => d.accountId === memberId && d.revokedAt === null)) {
      throw new ProtocolError('conflict', 'This machine owns an account that other machines are paired into; it cannot join another account.', 409);
    }
    const answer = (state: RedeemAnswer['state']): RedeemAnswer => ({ state, account: row.account_id, code: row.code, expiresAt: row.expires_at });
    if (row.confirmed_at) return answer('joined');
    if (row.member_id ? now > row.expires_at + CONFIRM_GRACE_MS : now > row.expires_at) {
      throw new ProtocolError(
        'expired-code',
        row.member_id
          ? `The owner's machine did not confirm pairing code ${spaced(row.code)} in time (is it running?); make a new code there and pair again.`
          : `Pairing code ${spaced(row.code)} expired at ${new Date(row.expires_at).toISOString()} (codes last 10 minutes); make a new one on the owner's dashboard.`,
        410,
      );
    }
    if (!row.member_id) {
      this.#c.store.run(
        'UPDATE pairing_codes SET member_id = ?, member_key = ?, device_id = ?, device_name = ?, redeemed_at = ? WHERE code = ? AND member_id IS NULL',
        memberId, memberKey.export({ format: 'pem', type: 'spki' }).toString(), body.deviceId, body.name, now, row.code,
      );
    }
    return answer('pending');
  }

  /** Machines that redeemed one of this account's codes and wait for its owner's delegation. */
  pending(viewer: Viewer): { machines: PendingMachine[] } {
    if (viewer.kind !== 'owner' || !viewer.signer.startsWith('acct-')) {
      throw new ProtocolError('owner-only', 'Machines waiting to pair are for the account\'s owner: sign the read with the account key.', 403);
    }
    const rows = this.#c.store.all<CodeRow>(
      'SELECT * FROM pairing_codes WHERE account_id = ? AND redeemed_at IS NOT NULL AND confirmed_at IS NULL AND expires_at > ?',
      viewer.signer, Date.now() - CONFIRM_GRACE_MS,
    );
    return {
      machines: rows.map((r) => ({ code: r.code, memberId: r.member_id!, memberPublicKeyPem: r.member_key!, deviceId: r.device_id!, name: r.device_name!, redeemedAt: r.redeemed_at! })),
    };
  }

  /** The owner's machine confirms a redeemed code with its key's delegation; the new machine's devices join the account. */
  confirm(raw: unknown): { joined: string; account: string } {
    const { store, devices } = this.#c;
    const { env, body } = devices.open(raw, 'pair-confirm');
    const row = store.get<CodeRow>('SELECT * FROM pairing_codes WHERE code = ?', body.code);
    if (!row || row.account_id !== env.signer) throw new ProtocolError('unknown-code', `This account issued no pairing code ${spaced(body.code)}.`, 404);
    if (row.confirmed_at) return { joined: row.member_id!, account: row.account_id };
    if (!row.member_id || row.member_id !== body.memberId || row.device_id !== body.deviceId || !sameKey(row.member_key!, body.memberPublicKeyPem)) {
      throw new ProtocolError('conflict', `Pairing code ${spaced(body.code)} was not redeemed by that machine.`, 409);
    }
    if (Date.now() > row.expires_at + CONFIRM_GRACE_MS) throw new ProtocolError('expired-code', `Pairing code ${spaced(body.code)} expired before it was confirmed.`, 410);
    const ownerKey = store.get<{ public_key: string }>('SELECT public_key FROM accounts WHERE id = ?', row.account_id)?.public_key;
    if (!ownerKey || !this.#verifies(ownerKey, row.account_id, row.member_id, row.member_key!, row.device_id, row.code, body.delegationSig)) {
      throw new ProtocolError('bad-signature', 'The delegation is not signed by the owner\'s account key.', 401);
    }
    const now = Date.now();
    store.tx(() => {
      store.run('INSERT OR REPLACE INTO delegations VALUES (?, ?, ?, ?, ?, ?, ?, NULL)', row.member_id, row.account_id, row.member_key, row.device_id, row.code, body.delegationSig, now);
      store.run('UPDATE pairing_codes SET confirmed_at = ? WHERE code = ?', now, row.code);
      // What the new machine registered under its own key so far now belongs to the owner's account.
      store.run('UPDATE devices SET account_id = ? WHERE account_id = ?', row.account_id, row.member_id);
    });
    for (const d of devices.all()) if (d.account_id === row.member_id) d.account_id = row.account_id;
    this.#delegations.set(row.member_id, { accountId: row.account_id, deviceId: row.device_id!, revokedAt: null });
    this.#c.log(`pairing: ${row.member_id} (${row.device_id}) joined account ${row.account_id}`);
    return { joined: row.member_id, account: row.account_id };
  }

  /** A deleted device's machine is no longer the account's: its key's delegation ends. */
  revokeDevice(deviceId: string): void {
    const now = Date.now();
    this.#c.store.run('UPDATE delegations SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL', now, deviceId);
    for (const d of this.#delegations.values()) if (d.deviceId === deviceId && d.revokedAt === null) d.revokedAt = now;
  }

  #verifies(ownerKey: string, accountId: string, memberId: string, memberKey: string, deviceId: string | null, code: string, sig: string): boolean {
    try {
      if (idFromPublicKey('acct', memberKey) !== memberId || idFromPublicKey('acct', ownerKey) !== accountId) return false;
      const text = delegationText(this.#c.network.binding, accountId, memberId, deviceId ?? '', code);
      return crypto.verify(null, Buffer.from(text), ownerKey, Buffer.from(sig, 'base64'));
    } catch {
      return false;
    }
  }
}

function sameKey(a: string, b: string): boolean {
  try {
    return crypto.createPublicKey(a).equals(crypto.createPublicKey(b));
  } catch {
    return false;
  }
}
