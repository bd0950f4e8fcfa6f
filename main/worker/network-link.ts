// The worker's side of a trusted network: what the coordinator says it is (GET /v1/info) checked
// against the pins, the binding every envelope names, and each coordinator message proven before
// it is read (signed by the pinned key, for this network, fresh, never seen before).
import type crypto from 'node:crypto';
import { InfoResponseSchema } from './explorer-api.ts';
import { EnvelopeSchema, MAX_CLOCK_SKEW_MS, PROTOCOL_VERSION, verifySignature } from './protocol.ts';
import type { NetworkPin, NetworkTrust, TrustRefusal } from './trust.ts';

export type Meeting =
  | { trusted: true; pin: NetworkPin }
  | {
      trusted: false;
      /** What the owner reads, and whether it is news (a notice is raised once per offer). */
      detail: string;
      notice: { level: 'warning' | 'error'; title: string; body: string } | null;
      pending: { reason: TrustRefusal; offered: NetworkPin; pinned: NetworkPin | null } | null;
    };

export class NetworkLink {
  readonly #trust: NetworkTrust;
  readonly #place: string;
  #network: { id: string; key: crypto.KeyObject; binding: string } | null = null;
  readonly #seenNonces = new Map<string, number>();
  #noticed = '';

  /** `place`: the coordinator's address, for the words. */
  constructor(trust: NetworkTrust, place: string) {
    this.#trust = trust;
    this.#place = place;
  }

  get known(): boolean {
    return this.#network !== null;
  }

  /** What every envelope to this network names; only once the network is trusted. */
  get binding(): string {
    if (!this.#network) throw new Error('No trusted network yet.');
    return this.#network.binding;
  }

  /** Ask again who the network is before anything else (it said it is another network now). */
  forget(): void {
    this.#network = null;
  }

  /** Checks GET /v1/info's answer against the pins. */
  async meet(status: number, body: unknown): Promise<Meeting> {
    const info = InfoResponseSchema.safeParse(body);
    if (status !== 200 || !info.success) throw new Error(`the network did not say who it is (GET /v1/info: ${status})`);
    if (info.data.protocol !== PROTOCOL_VERSION) {
      return { trusted: false, detail: `The network speaks protocol ${info.data.protocol}; this worker speaks ${PROTOCOL_VERSION}. Update IO Worker (or the coordinator).`, notice: null, pending: null };
    }
    const decision = await this.#trust.check({ networkId: info.data.networkId, publicKeyPem: info.data.coordinatorKey });
    if (decision.trusted) {
      this.#network = { id: decision.pin.networkId, key: decision.key, binding: decision.binding };
      return { trusted: true, pin: decision.pin };
    }
    const { reason, offered, pinned } = decision;
    const detail = reason === 'key-changed'
      ? `Security: the network ${offered.networkId} now presents a different key (${offered.fingerprint}) than the one pinned on ${new Date(pinned!.pinnedAt).toISOString().slice(0, 10)} (${pinned!.fingerprint}). This worker will not talk to it until you confirm the new key in Settings.`
      : `The network at ${this.#place} now answers as another network (${offered.networkId}, key ${offered.fingerprint})${pinned ? `, not ${pinned.networkId}` : ''}. Confirm it in Settings to join it.`;
    const offer = `${offered.networkId}/${offered.fingerprint}`;
    const notice = this.#noticed === offer ? null : {
      level: reason === 'key-changed' ? ('error' as const) : ('warning' as const),
      title: reason === 'key-changed' ? 'The network’s key changed' : 'A different network answered',
      body: detail,
    };
    this.#noticed = offer;
    return { trusted: false, detail, notice, pending: { reason, offered, pinned } };
  }

  /** The owner accepts the network or key now waiting; the next meeting trusts it. */
  async confirm(networkId: string, fingerprint: string): Promise<boolean> {
    if (!(await this.#trust.confirm(networkId, fingerprint))) return false;
    this.#network = null;
    return true;
  }

  /** A coordinator message, once proven; otherwise why it was dropped. */
  /** `forged`: not from the pinned network at all (another key or network answers), not merely stale. */
  open(raw: unknown): { ok: true; message: unknown } | { ok: false; why: string; forged?: boolean } {
    const parsed = EnvelopeSchema.safeParse(raw);
    const network = this.#network;
    const env = parsed.success ? parsed.data : null;
    if (!env || !network) return { ok: false, why: 'not a signed envelope', forged: true };
    if (env.signer !== network.id || env.net !== network.binding) return { ok: false, why: `signed for ${env.net}, not this network`, forged: true };
    if (!verifySignature(env, network.key)) return { ok: false, why: 'the signature does not match the pinned network key', forged: true };
    const now = Date.now();
    if (Math.abs(now - env.ts) > MAX_CLOCK_SKEW_MS) return { ok: false, why: 'too old or dated ahead' };
    if (this.#seenNonces.has(env.nonce)) return { ok: false, why: 'replayed' };
    this.#seenNonces.set(env.nonce, env.ts);
    if (this.#seenNonces.size > 10_000) for (const [nonce, ts] of this.#seenNonces) if (now - ts > MAX_CLOCK_SKEW_MS) this.#seenNonces.delete(nonce);
    try {
      return { ok: true, message: JSON.parse(env.payload) };
    } catch {
      return { ok: false, why: 'the payload is not JSON' };
    }
  }
}
