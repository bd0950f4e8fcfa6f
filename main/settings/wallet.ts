// Solana payout address checks, done for real: base58, exactly 32 bytes, and a point on the
// ed25519 curve (an off-curve address is program-derived: no private key, so no wallet). The
// decoding and the curve check are audited small libraries (@scure/base, @noble/curves); the
// messages are ours.
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const BASE58_CHARS = new Set(ALPHABET);

/** The bytes of a base58 text (Bitcoin's alphabet, as Solana uses), or null when it is not base58. */
export function base58Decode(text: string): Uint8Array | null {
  try {
    return base58.decode(text);
  } catch {
    return null;
  }
}

export function base58Encode(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

/** True when the 32 bytes decompress to a point of the ed25519 curve (RFC 8032, 5.1.3). */
export function isOnEd25519Curve(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  try {
    ed25519.Point.fromBytes(bytes);
    return true;
  } catch {
    return false;
  }
}

export type WalletCheck =
  | { ok: true; address: string }
  | { ok: false; reason: string };

export function checkSolanaAddress(input: string): WalletCheck {
  const address = input.trim();
  if (address.length === 0) return { ok: false, reason: 'Enter a Solana address.' };
  if (address.length < 32 || address.length > 44) {
    return { ok: false, reason: `A Solana address has 32 to 44 characters; this has ${address.length}.` };
  }
  const bad = [...address].find((c) => !BASE58_CHARS.has(c));
  if (bad) {
    return { ok: false, reason: `“${bad}” is not a base58 character (base58 has no 0, O, I or l).` };
  }
  const bytes = base58Decode(address)!;
  if (bytes.length !== 32) return { ok: false, reason: `This decodes to ${bytes.length} bytes; a Solana address is 32.` };
  if (!isOnEd25519Curve(bytes)) {
    return {
      ok: false,
      reason: 'This is a program-derived address (off the ed25519 curve): no private key can sign for it, so it cannot receive rewards as a wallet.',
    };
  }
  return { ok: true, address };
}
