import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base58Decode, base58Encode, checkSolanaAddress, isOnEd25519Curve } from './wallet.ts';

function rawPublicKey(): Uint8Array {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return Uint8Array.from(Buffer.from(jwk.x!, 'base64url'));
}

describe('Solana address validation', () => {
  it('accepts the public key of every real ed25519 key pair', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = rawPublicKey();
      const address = base58Encode(bytes);
      expect(base58Decode(address)).toEqual(bytes);
      expect(checkSolanaAddress(address)).toEqual({ ok: true, address });
    }
  });

  it('accepts a well-known address and the all-zero system program id', () => {
    expect(checkSolanaAddress('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM').ok).toBe(true);
    expect(checkSolanaAddress(' 11111111111111111111111111111111 ').ok).toBe(true);
  });

  it('refuses characters outside base58, wrong lengths and wrong byte counts, with the reason', () => {
    expect(checkSolanaAddress('0WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM')).toMatchObject({ ok: false, reason: expect.stringContaining('“0”') });
    expect(checkSolanaAddress('abc')).toMatchObject({ ok: false, reason: expect.stringContaining('32 to 44') });
    expect(checkSolanaAddress('')).toMatchObject({ ok: false });
    // 44 characters of 'z' decode to more than 32 bytes.
    expect(checkSolanaAddress('z'.repeat(44))).toMatchObject({ ok: false, reason: expect.stringContaining('bytes') });
  });

  it('refuses off-curve (program-derived) addresses', () => {
    // Flip bytes of real keys until one leaves the curve: about half of all y values do.
    let offCurve: Uint8Array | null = null;
    for (let i = 0; i < 64 && !offCurve; i++) {
      const bytes = crypto.randomBytes(32);
      bytes[31]! &= 0x7f;
      if (!isOnEd25519Curve(bytes)) offCurve = bytes;
    }
    expect(offCurve).not.toBeNull();
    expect(checkSolanaAddress(base58Encode(offCurve!))).toMatchObject({ ok: false, reason: expect.stringContaining('program-derived') });
  });

  it('refuses a y coordinate at or above the field prime', () => {
    const bytes = new Uint8Array(32).fill(0xff);
    bytes[31] = 0x7f; // y = 2^255 - 1 > p
    expect(isOnEd25519Curve(bytes)).toBe(false);
  });
});
