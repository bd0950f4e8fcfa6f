// Which coordinator this worker trusts, per network: its key is pinned at first contact (trust on
// first use), kept in the secret store beside the device key. A changed key for a pinned network is
// refused; a place (a URL, or 'embedded') that now answers as another network waits for the owner.
import crypto from 'node:crypto';
import type { SecretStore } from '../settings/secrets.ts';
import { keyFingerprint, networkBinding } from './protocol.ts';

const PINS_KEY = 'network-pins';

export interface NetworkPin {
  networkId: string;
  publicKeyPem: string;
  fingerprint: string;
  pinnedAt: number;
}

/** What a coordinator says it is (GET /v1/info). */
export interface NetworkOffer {
  networkId: string;
  publicKeyPem: string;
}

/** Why an offer was not trusted: a known network's key changed, or this place now answers as another network. */
export type TrustRefusal = 'key-changed' | 'new-network';

export type TrustDecision =
  | { trusted: true; pin: NetworkPin; key: crypto.KeyObject; binding: string }
  | { trusted: false; reason: TrustRefusal; offered: NetworkPin; pinned: NetworkPin | null };

interface PinFile {
  pins: Record<string, NetworkPin>;
  /** The network each place (the Settings value: a URL or 'embedded') answered as last. */
  places: Record<string, string>;
}

export class NetworkTrust {
  readonly #secrets: SecretStore;
  readonly #place: string;
  #pending: (TrustDecision & { trusted: false }) | null = null;

  /** `place`: the network as the owner chose it in Settings ('embedded' or a URL). */
  constructor(secrets: SecretStore, place: string) {
    this.#secrets = secrets;
    this.#place = place;
  }

  async #read(): Promise<PinFile> {
    const text = await this.#secrets.get(PINS_KEY);
    if (!text) return { pins: {}, places: {} };
    try {
      const file = JSON.parse(text) as PinFile;
      return { pins: file.pins ?? {}, places: file.places ?? {} };
    } catch {
      return { pins: {}, places: {} }; // an unreadable pin file pins anew rather than locking the owner out
    }
  }

  async #write(file: PinFile): Promise<void> {
    await this.#secrets.set(PINS_KEY, JSON.stringify(file));
  }

  /** Decides whether to trust what the coordinator at this place offers; pins it on first contact. */
  async check(offer: NetworkOffer): Promise<TrustDecision> {
    const key = crypto.createPublicKey(offer.publicKeyPem);
    const offered: NetworkPin = { networkId: offer.networkId, publicKeyPem: key.export({ format: 'pem', type: 'spki' }).toString(), fingerprint: keyFingerprint(key), pinnedAt: Date.now() };
    const file = await this.#read();
    const pinned = file.pins[offer.networkId] ?? null;
    let refusal: TrustRefusal | null = null;
    if (pinned && pinned.fingerprint !== offered.fingerprint) refusal = 'key-changed';
    else if (!pinned && file.places[this.#place] && file.places[this.#place] !== offer.networkId) refusal = 'new-network';
    if (refusal) {
      const previous = pinned ?? file.pins[file.places[this.#place]!] ?? null;
      this.#pending = { trusted: false, reason: refusal, offered, pinned: previous };
      return this.#pending;
    }
    this.#pending = null;
    const pin = pinned ?? offered;
    if (!pinned || file.places[this.#place] !== offer.networkId) {
      file.pins[offer.networkId] = pin;
      file.places[this.#place] = offer.networkId;
      await this.#write(file);
    }
    return { trusted: true, pin, key, binding: networkBinding(pin.networkId, key) };
  }

  /** What waits for the owner's word, if anything. */
  pending(): (TrustDecision & { trusted: false }) | null {
    return this.#pending;
  }

  /** The owner accepts the offer now waiting, named by its network id and fingerprint (no other). */
  async confirm(networkId: string, fingerprint: string): Promise<boolean> {
    const offer = this.#pending?.offered;
    if (!offer || offer.networkId !== networkId || offer.fingerprint !== fingerprint) return false;
    const file = await this.#read();
    file.pins[networkId] = { ...offer, pinnedAt: Date.now() };
    file.places[this.#place] = networkId;
    await this.#write(file);
    this.#pending = null;
    return true;
  }

  /** The pin this place answers with now, if any. */
  async current(): Promise<NetworkPin | null> {
    const file = await this.#read();
    const id = file.places[this.#place];
    return id ? (file.pins[id] ?? null) : null;
  }
}
