import { describe, expect, it } from 'vitest';
import {
  EnvelopeSchema, PowAnswerSchema, encodeProduct, merkleLevels, merklePath, multiplyRows, powMatrices, powProductSeed, productRoot, seal,
} from '../worker/protocol.ts';
import { DEFAULT_PARAMS, ParamsSchema } from './params.ts';
import { catchProbability, pickRows, potlPassed, verifyOpenings, verifyProduct, type OpenedRow, type PowBatch, type PowPick } from './proofs.ts';

const seed = 'a1b2c3d4e5f60718';

function solve(n: number, count: number): Uint32Array[] {
  return Array.from({ length: count }, (_, p) => {
    const { a, b } = powMatrices(powProductSeed(seed, p), n);
    return multiplyRows(a, b, n, 0, n);
  });
}

/** What a worker sends: one batch over `products`, and the picked rows opened from them. */
function commitAndOpen(products: Uint32Array[], n: number, picks: (batch: PowBatch) => PowPick[]) {
  const trees = products.map((c) => productRoot(c, n));
  const levels = merkleLevels(trees.map((t) => t.root));
  const batch: PowBatch = { from: 0, count: products.length, root: levels.at(-1)![0].toString('hex') };
  const picked = picks(batch);
  const rows: OpenedRow[] = picked.map(({ product, row }) => ({
    product, row,
    values: encodeProduct(products[product].subarray(row * n, (row + 1) * n)),
    path: [...merklePath(trees[product].levels, row), ...merklePath(levels, product)].map((h) => h.toString('hex')),
  }));
  return { batch, picked, rows };
}

describe('POW commitment: Merkle openings checked with Freivalds', () => {
  const n = 64;

  it('accepts the true rows, opened after the commitment, and checks them against a naive product', () => {
    const products = solve(n, 3);
    const { a, b } = powMatrices(powProductSeed(seed, 1), n);
    expect(products[1][5 * n + 7]).toBe([...Array(n).keys()].reduce((s, k) => s + a[5 * n + k] * b[k * n + 7], 0));
    const { batch, picked, rows } = commitAndOpen(products, n, () => pickRows(3, n, 72));
    expect(picked).toHaveLength(72);
    expect(new Set(picked.map((p) => `${p.product}:${p.row}`)).size).toBe(72);
    expect(verifyOpenings(seed, n, [batch], picked, rows)).toEqual({ ok: true, reason: null });
    expect(verifyOpenings('ffffffff00000000', n, [batch], picked, rows).reason).toMatch(/is not the product of the challenge matrices/);
  });

  it('catches a forged row (consistent with its own commitment), a row changed after the commitment, and missing or extra rows', () => {
    const products = solve(n, 1);
    const forged = products[0].slice();
    forged[9 * n + 3] += 1;
    const picks = () => [{ product: 0, row: 9 }, { product: 0, row: 40 }];
    const a = commitAndOpen([forged], n, picks);
    expect(verifyOpenings(seed, n, [a.batch], a.picked, a.rows).reason).toBe('POW answer: row 9 of product 0 is not the product of the challenge matrices');
    // Committed to the forgery, then opened with the true row: the path no longer leads to the root.
    const b = commitAndOpen([forged], n, picks);
    b.rows[0].values = encodeProduct(products[0].subarray(9 * n, 10 * n));
    expect(verifyOpenings(seed, n, [b.batch], b.picked, b.rows).reason).toBe('POW answer: row 9 of product 0 does not match its commitment');
    const c = commitAndOpen(products, n, picks);
    expect(verifyOpenings(seed, n, [c.batch], c.picked, c.rows.slice(1)).reason).toMatch(/exactly the rows asked for/);
    expect(verifyOpenings(seed, n, [c.batch], [...c.picked.slice(0, 1), { product: 0, row: 41 }], c.rows).reason).toMatch(/row 41 of product 0 unopened/);
    expect(verifyOpenings(seed, n, [], c.picked, c.rows).reason).toMatch(/never committed/);
    const short = { ...c.rows[0], values: encodeProduct(products[0].subarray(0, 10)) };
    expect(verifyOpenings(seed, n, [c.batch], c.picked, [short, c.rows[1]]).reason).toMatch(/wrong size/);
  });

  it('catches a worker that left 30 % of its rows uncomputed (zeros), opening 72 of 256 rows', () => {
    const products = solve(n, 4);
    for (const c of products) for (let row = 0; row < n; row++) if ((row * 7) % 10 < 3) c.fill(0, row * n, (row + 1) * n);
    for (let trial = 0; trial < 5; trial++) {
      const { batch, picked, rows } = commitAndOpen(products, n, () => pickRows(4, n, 72));
      // Missed only if all 72 picks avoid the skipped rows: odds below 0.7^72 ≈ 7e-12.
      expect(verifyOpenings(seed, n, [batch], picked, rows).reason).toMatch(/is not the product/);
    }
  });

  it('states the odds: 72 rows catch a 10 % skipper with ≥ 99.9 %; 65 would not', () => {
    expect(catchProbability(0.1, DEFAULT_PARAMS.pow.rowsOpened)).toBeGreaterThanOrEqual(0.999);
    expect(catchProbability(0.1, 66)).toBeGreaterThanOrEqual(0.999);
    expect(catchProbability(0.1, 65)).toBeLessThan(0.999);
    expect(pickRows(1, 8, 72)).toHaveLength(8); // fewer rows than k: every row is opened
  });

  it('keeps protocol 2\'s whole-product check for the benchmark', () => {
    const [c] = solve(n, 1);
    const { a, b } = powMatrices(powProductSeed(seed, 0), n);
    expect(c).toEqual(multiplyRows(a, b, n, 0, n));
    expect(verifyProduct(powProductSeed(seed, 0), n, c, 2)).toBe(true);
    const forged = c.slice();
    forged[n * n - 3] += 1;
    expect(verifyProduct(powProductSeed(seed, 0), n, forged)).toBe(false);
  });

  it('passes POTL at the configured share', () => {
    expect(potlPassed(2, 3, 0.66)).toBe(true);
    expect(potlPassed(1, 3, 0.66)).toBe(false);
    expect(potlPassed(3, 3, 1)).toBe(true);
  });
});

describe('POW over the wire', () => {
  it('opens 72 rows of the largest challenge (2048) in well under 1 MB', () => {
    const n = 2048;
    expect(ParamsSchema.safeParse({ ...DEFAULT_PARAMS, pow: { ...DEFAULT_PARAMS.pow, size: n } }).success).toBe(true);
    expect(ParamsSchema.safeParse({ ...DEFAULT_PARAMS, pow: { ...DEFAULT_PARAMS.pow, size: n + 1 } }).success).toBe(false);
    const row = encodeProduct(new Uint32Array(n).fill(0xffffffff));
    // A path: 11 levels for the rows of a product, up to 20 for a batch of a million products.
    const body = { challengeId: 'c', rows: Array.from({ length: 72 }, (_, i) => ({ product: i, row: i, values: row, path: Array(31).fill('ab'.repeat(32)) })) };
    expect(PowAnswerSchema.safeParse(body).success).toBe(true);
    const envelope = seal({ id: 'dev-x', sign: () => Buffer.alloc(64) }, 'net-0000000000000000/test', 'pow-answer', body);
    expect(EnvelopeSchema.safeParse(envelope).success).toBe(true);
    expect(JSON.stringify(envelope).length).toBeLessThan(1024 * 1024);
  });
});
