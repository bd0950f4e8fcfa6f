import { describe, expect, it } from 'vitest';
import { EnvelopeSchema, PowAnswerSchema, encodeProduct, multiplyRows, powMatrices, seal } from '../worker/protocol.ts';
import { DEFAULT_PARAMS, ParamsSchema } from './params.ts';
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

describe('POW over the wire', () => {
  it('fits the largest allowed challenge (1024²) in one envelope', () => {
    const n = 1024;
    expect(ParamsSchema.safeParse({ ...DEFAULT_PARAMS, pow: { ...DEFAULT_PARAMS.pow, size: n } }).success).toBe(true);
    expect(ParamsSchema.safeParse({ ...DEFAULT_PARAMS, pow: { ...DEFAULT_PARAMS.pow, size: n + 1 } }).success).toBe(false);
    const body = { challengeId: 'c', product: encodeProduct(new Uint32Array(n * n).fill(0xffffffff)), solveMs: 1, backend: 'cpu' };
    expect(PowAnswerSchema.safeParse(body).success).toBe(true);
    const envelope = seal({ id: 'dev-x', sign: () => Buffer.alloc(64) }, 'net-0000000000000000/test', 'pow-answer', body);
    expect(EnvelopeSchema.safeParse(envelope).success).toBe(true);
    expect(JSON.stringify(envelope).length).toBeLessThan(8 * 1024 * 1024); // the coordinator's frame limit
  });
});
