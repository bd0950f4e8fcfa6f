// The live device table and its signed changes: envelope checks (shape, clock, replay, signature),
// registration, set-wallet / rename / delete, and what online, uptime and eligibility mean.
import crypto from 'node:crypto';
import type { z } from 'zod';
import { PAUSE_SOURCE_WORDS } from '../../preload/contract/words.ts';
import { EnvelopeSchema, MAX_CLOCK_SKEW_MS, WorkerBodies, idFromPublicKey, verifySignature, type Envelope, type WorkerMessageType } from '../worker/protocol.ts';
import type { DeviceView } from '../worker/explorer-api.ts';
import { KeyedBuckets, TokenBucket } from '../lib/rate-limit.ts';
import { ProtocolError, type Rooms } from './context.ts';
import { potlPassed } from './proofs.ts';
import { eligibility, hardwareFor, type EligibilityFacts } from './scoring.ts';
import type { DeviceRow } from './store.ts';
import { WalletChanges } from './wallet-change.ts';

export class Devices {
  readonly #c: Rooms;
  readonly #rows = new Map<string, DeviceRow>();
  readonly #keys = new Map<string, crypto.KeyObject>();
  readonly #nonces = new Map<string, number>();
  readonly #bootAt = Date.now();
  readonly #registrations: KeyedBuckets;
  /** Payout wallet changes that wait for their delay or another machine (wallet-change.ts). */
  readonly walletChanges: WalletChanges;

  constructor(c: Rooms) {
    this.#c = c;
    this.walletChanges = new WalletChanges(c);
    const perHour = c.params.limits.registrationsPerSourcePerHour;
    this.#registrations = new KeyedBuckets(() => new TokenBucket(perHour, perHour / 3600));
    for (const a of c.store.all<{ id: string; public_key: string }>('SELECT id, public_key FROM accounts')) {
      this.#keys.set(a.id, crypto.createPublicKey(a.public_key));
    }
    for (const d of c.store.all<DeviceRow>('SELECT * FROM devices WHERE deleted_at IS NULL')) {
      this.#rows.set(d.id, d);
      this.#keys.set(d.id, crypto.createPublicKey(d.public_key));
    }
  }

  get(id: string): DeviceRow | undefined {
    return this.#rows.get(id);
  }

  all(): IterableIterator<DeviceRow> {
    return this.#rows.values();
  }

  must(id: string): DeviceRow {
    const device = this.#rows.get(id);
    if (!device) throw new ProtocolError('not-found', `No device ${id}`, 404);
    return device;
  }

  // ---------------------------------------------------------------- envelopes
  /** Checks shape, clock, replay and signature, then the body; records the nonce only once valid. */
  open<T extends WorkerMessageType>(raw: unknown, type: T, signerKey?: crypto.KeyObject | string): { env: Envelope; body: z.infer<(typeof WorkerBodies)[T]> } {
    const parsed = EnvelopeSchema.safeParse(raw);
    if (!parsed.success) throw new ProtocolError('bad-envelope', `Malformed envelope: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const env = parsed.data;
    if (env.type !== type) throw new ProtocolError('bad-envelope', `Expected a ${type} message, got ${env.type}`);
    // Bound to one network: an envelope signed for another coordinator is refused here.
    if (env.net !== this.#c.network.binding) {
      throw new ProtocolError('wrong-network', `This message was signed for another network (${env.net.split('/')[0]}); this is ${this.#c.network.networkId}.`, 409);
    }
    const now = Date.now();
    if (Math.abs(now - env.ts) > MAX_CLOCK_SKEW_MS) throw new ProtocolError('stale', `Message time is ${Math.round((env.ts - now) / 1000)} s off the coordinator clock; check the system clock.`);
    if (env.ts < this.#bootAt - 1000) throw new ProtocolError('stale', 'Message was signed before this coordinator started; sign it again.');
    if (this.#nonces.has(env.nonce)) throw new ProtocolError('replay', 'Replayed message: this nonce was already used.', 409);
    const key = signerKey ?? this.#keys.get(env.signer);
    if (!key) throw new ProtocolError('unknown-signer', `Unknown device or account ${env.signer}; register first.`, 404);
    if (!verifySignature(env, key)) throw new ProtocolError('bad-signature', 'The signature does not match the signer key.', 401);
    let json: unknown;
    try {
      json = JSON.parse(env.payload);
    } catch {
      throw new ProtocolError('bad-body', 'The payload is not JSON.');
    }
    const body = WorkerBodies[type].safeParse(json);
    if (!body.success) {
      throw new ProtocolError('bad-body', `Bad ${type}: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    this.#nonces.set(env.nonce, env.ts + MAX_CLOCK_SKEW_MS);
    return { env, body: body.data as z.infer<(typeof WorkerBodies)[T]> };
  }

  /** Nonces arrive in about time order: drops the expired head, stops at the first live one. */
  expireNonces(now: number): void {
    for (const [nonce, expiry] of this.#nonces) {
      if (expiry >= now - MAX_CLOCK_SKEW_MS) break;
      this.#nonces.delete(nonce);
    }
  }

  // ---------------------------------------------------------------- registration and account ops
  /** `source`: the address it came from, for the cap on new devices per source. */
  register(raw: unknown, source: string): DeviceRow {
    const { store, params } = this.#c;
    const pre = EnvelopeSchema.safeParse(raw);
    if (!pre.success) throw new ProtocolError('bad-envelope', 'Malformed envelope');
    let deviceKey: crypto.KeyObject;
    try {
      deviceKey = crypto.createPublicKey((JSON.parse(pre.data.payload) as { publicKeyPem: string }).publicKeyPem);
    } catch {
      throw new ProtocolError('bad-body', 'register needs a valid publicKeyPem');
    }
    const { env, body } = this.open(raw, 'register', deviceKey);
    const deviceId = idFromPublicKey('dev', deviceKey);
    if (env.signer !== deviceId) throw new ProtocolError('bad-signature', 'The signer is not the device of this public key.', 401);
    let accountId: string;
    let accountKey: crypto.KeyObject;
    try {
      accountKey = body.ownerPublicKeyPem === body.publicKeyPem ? deviceKey : crypto.createPublicKey(body.ownerPublicKeyPem);
      accountId = idFromPublicKey('acct', accountKey);
      if (!crypto.verify(null, Buffer.from(`own:${deviceId}`), accountKey, Buffer.from(body.ownerSig, 'base64'))) throw new Error();
    } catch {
      throw new ProtocolError('bad-signature', 'The owner signature over this device does not verify.', 401);
    }
    // A paired machine's key registers its device into the owner's account (pairing.ts); the key stays its own.
    const memberId = accountId;
    accountId = this.#c.pairing.accountOf(memberId);
    const existing = store.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', deviceId);
    if (existing && existing.account_id !== accountId) throw new ProtocolError('forbidden', 'This device belongs to another account.', 403);
    if (!existing) {
      // Caps on new devices: per account, and per source address (a flood of keys grows the store).
      const owned = store.get<{ n: number }>('SELECT count(*) AS n FROM devices WHERE account_id = ? AND deleted_at IS NULL', accountId)!.n;
      if (owned >= params.limits.devicesPerAccount) {
        throw new ProtocolError('account-full', `This account has ${owned} devices, the most this network allows; delete one first.`, 403);
      }
      if (!this.#registrations.take(source)) {
        throw new ProtocolError('rate-limited', `Too many new devices from ${source} (at most ${params.limits.registrationsPerSourcePerHour} an hour); try again later.`, 429);
      }
    }
    const hw = hardwareFor(body.inventory, params);
    const now = Date.now();
    // Another wallet than the one paid now waits like a set-wallet (wallet-change.ts), it is not taken here.
    const heldWallet = existing && body.wallet && this.walletChanges.hold(this.#rows.get(deviceId) ?? existing, body.wallet, deviceId) ? body.wallet : null;
    store.tx(() => {
      store.run('INSERT OR IGNORE INTO accounts VALUES (?, ?, ?)', memberId, body.ownerPublicKeyPem, now);
      if (existing) {
        store.run(
          'UPDATE devices SET inventory = ?, processor_type = ?, model = ?, quantity = ?, multiplier = ?, wallet = COALESCE(?, wallet), deleted_at = NULL WHERE id = ?',
          JSON.stringify(body.inventory), hw.processorType, hw.model, hw.quantity, hw.multiplier, heldWallet ? null : body.wallet, deviceId,
        );
      } else {
        store.run(
          `INSERT INTO devices (id, account_id, public_key, name, wallet, inventory, processor_type, model, quantity, multiplier, registered_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          deviceId, accountId, body.publicKeyPem, body.name, body.wallet, JSON.stringify(body.inventory), hw.processorType, hw.model, hw.quantity, hw.multiplier, now,
        );
      }
    });
    const row = store.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', deviceId)!;
    const live = this.#rows.get(deviceId);
    this.#rows.set(deviceId, live ? { ...live, ...pick(row, ['inventory', 'processor_type', 'model', 'quantity', 'multiplier', 'wallet']) } : row);
    this.#keys.set(deviceId, deviceKey);
    this.#keys.set(memberId, accountKey);
    return this.#rows.get(deviceId)!;
  }

  /** set-wallet / rename / delete: signed by the device itself or by the account that owns it. */
  accountOp(raw: unknown): DeviceView | { deleted: string } {
    const { store, sessions, explorer } = this.#c;
    const type = (raw as { type?: unknown })?.type;
    if (type === 'set-wallet') {
      const { env, body } = this.open(raw, 'set-wallet');
      const device = this.must(env.signer);
      if (this.walletChanges.hold(device, body.wallet, env.signer)) return explorer.deviceView(device);
      device.wallet = body.wallet;
      store.run('UPDATE devices SET wallet = ? WHERE id = ?', body.wallet, device.id);
      sessions.pushStatus(device.id);
      return explorer.deviceView(device);
    }
    if (type === 'rename' || type === 'delete') {
      const { env, body } = type === 'rename' ? this.open(raw, 'rename') : this.open(raw, 'delete');
      const device = this.must(body.deviceId);
      if (env.signer !== device.id && this.#c.pairing.accountOf(env.signer) !== device.account_id) throw new ProtocolError('forbidden', 'Only the device or its account may change it.', 403);
      if (type === 'rename') {
        device.name = (body as unknown as { name: string }).name;
        store.run('UPDATE devices SET name = ? WHERE id = ?', device.name, device.id);
        return explorer.deviceView(device);
      }
      store.run('UPDATE devices SET deleted_at = ? WHERE id = ?', Date.now(), device.id);
      this.#rows.delete(device.id);
      this.#c.pairing.revokeDevice(device.id);
      sessions.disconnect(device.id, 4000, 'device deleted');
      return { deleted: device.id };
    }
    if (type === 'wallet-change') {
      const { env, body } = this.open(raw, 'wallet-change');
      return explorer.deviceView(this.walletChanges.decide(env, body));
    }
    throw new ProtocolError('bad-envelope', 'Expected set-wallet, rename, delete or wallet-change');
  }

  /** The operator takes a device out of the blocks, or lets it back in. */
  setBlocked(id: string, blocked: boolean): DeviceRow {
    const device = this.must(id);
    device.blocked = blocked ? 1 : 0;
    this.#c.store.run('UPDATE devices SET blocked = ? WHERE id = ?', device.blocked, device.id);
    this.#c.sessions.pushStatus(device.id);
    return device;
  }

  // ---------------------------------------------------------------- online, uptime, eligibility
  online(device: DeviceRow, now: number): boolean {
    if (this.#c.sessions.connected(device.id)) return true;
    // After the network's own outage a device gets the usual grace to come back, counted from the restart.
    return !!device.last_beat_at && this.#c.outage.silence(device.last_beat_at, now) <= this.#c.params.heartbeat.offlineAfterSeconds * 1000;
  }

  uptimeSeconds(device: DeviceRow, now: number): number {
    return this.online(device, now) && device.online_since ? Math.max(0, (now - device.online_since) / 1000) : 0;
  }

  eligibility(device: DeviceRow, now: number, proofsPassed?: boolean | null) {
    return eligibility(this.facts(device, now, proofsPassed), this.#c.params);
  }

  facts(device: DeviceRow, now: number, proofsPassed?: boolean | null): EligibilityFacts {
    // The proofs alone (POTL and POW), not the block's whole verdict: a missing wallet is not a failed proof.
    const last = proofsPassed === undefined
      ? this.#c.store.get<{ pow: string; potl_issued: number; potl_answered: number }>(
        "SELECT bd.pow, bd.potl_issued, bd.potl_answered FROM block_devices bd JOIN blocks b ON b.id = bd.block_id WHERE bd.device_id = ? AND b.status = 'Completed' ORDER BY bd.block_id DESC LIMIT 1",
        device.id,
      )
      : undefined;
    return {
      wallet: device.wallet,
      hardware: { processorType: device.processor_type, model: device.model, quantity: device.quantity, multiplier: device.multiplier },
      tier: device.tier,
      continuousUptimeSeconds: this.uptimeSeconds(device, now),
      proofsPassed: proofsPassed !== undefined ? proofsPassed
        : last ? last.pow !== 'failed' && potlPassed(last.potl_answered, last.potl_issued, this.#c.params.potl.passShare) : null,
      paused: device.paused === null ? null : `${PAUSE_SOURCE_WORDS[device.pause_source ?? 'user']}${device.paused ? `: ${device.paused}` : ''}`,
      blocked: device.blocked === 1,
    };
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}
