import { describe, expect, it } from 'vitest';
import { encodeProduct, multiplyRows, powMatrices } from '../worker/protocol.ts';
import { potlPassed, verifyEncodedProduct, verifyProduct } from './proofs.ts';

describe('POW verification (Freivalds)', () => {
  const seed = 'a1b2c3d4e5f60718';
  const n = 64;
  const { a, b } = powMatrices(seed, n);
  const c = multiplyRows(a, b, n, 0, n);

  it('accepts the true product and checks it against a naive product', () => {
    expect(c[5 * n + 7]).toBe([...Array(n).keys()].reduce((s, k) => s + a[5 * n + k] * b[k * n + 7], 0));
    expect(verifyProduct(seed, n, c, 3)).toBe(true);
    expect(verifyEncodedProduct(seed, n, encodeProduct(c))).toEqual({ ok: true, reason: null });
  });

  it('rejects a forged answer with one entry off by one, a product of other matrices, and the wrong size', () => {
    const forged = c.slice();
    forged[n * n - 3] += 1;
    expect(verifyProduct(seed, n, forged)).toBe(false);
    const other = powMatrices('ffffffff00000000', n);
    expect(verifyProduct(seed, n, multiplyRows(other.a, other.b, n, 0, n))).toBe(false);
    expect(verifyEncodedProduct(seed, n, encodeProduct(c.subarray(0, 10))).reason).toMatch(/wrong size/);
    expect(verifyProduct(seed, n, new Uint32Array(n * n))).toBe(false);
  });

  it('derives the same matrices from the same seed, other ones from another', () => {
    expect(powMatrices(seed, 8).a).toEqual(powMatrices(seed, 8).a);
    expect(powMatrices(seed, 8).a).not.toEqual(powMatrices('0000000100000000', 8).a);
  });

  it('passes POTL at the configured share', () => {
    expect(potlPassed(2, 3, 0.66)).toBe(true);
    expect(potlPassed(1, 3, 0.66)).toBe(false);
    expect(potlPassed(3, 3, 1)).toBe(true);
  });
});
