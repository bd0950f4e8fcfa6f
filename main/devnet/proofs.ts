// Proof checks of the coordinator: the POW commitment's openings (Merkle paths to the committed roots,
// then Freivalds on each opened row: O(n²) per product touched against the O(n³) solve), the
// whole-product Freivalds check of protocol 2 (kept for the benchmark's side-by-side), and the POTL pass rule.
import crypto from 'node:crypto';
import {
  POW_MAX_ENTRY, decodeRow, fillEntries, merkleDepth, powProductSeed, powStream, rootFromPath, rowLeaf,
} from '../worker/protocol.ts';

/** Random vector entries below 2^20: a wrong row slips through with odds ≤ 2^-20. */
const R_BITS = 20;

export interface PowPick { product: number; row: number }
export interface PowBatch { from: number; count: number; root: string }
export interface OpenedRow { product: number; row: number; values: string; path: string[] }
export type Verdict = { ok: true; reason: null } | { ok: false; reason: string };

/**
 * Up to `k` distinct rows drawn uniformly from the `committed` products (n rows each), from the
 * CSPRNG and only after the commitments: a worker that left a share s of the rows uncomputed is
 * caught unless every pick misses them, odds ≤ (1 − s)^k.
 */
export function pickRows(committed: number, n: number, k: number): PowPick[] {
  const total = committed * n;
  if (total <= k) return Array.from({ length: total }, (_, i) => ({ product: Math.floor(i / n), row: i % n }));
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(crypto.randomInt(0, total));
  return [...chosen].sort((a, b) => a - b).map((i) => ({ product: Math.floor(i / n), row: i % n }));
}

/** Catch probability per block of a worker that left `share` of the rows uncomputed, with `k` rows opened. */
export function catchProbability(share: number, k: number): number {
  return 1 - (1 - share) ** k;
}

/** Checks the opened rows: each was picked, sits under its batch's root, and is that row of A·B. */
export function verifyOpenings(seed: string, n: number, batches: PowBatch[], picks: PowPick[], rows: OpenedRow[]): Verdict {
  const where = (p: PowPick) => `row ${p.row} of product ${p.product}`;
  const byKey = new Map(rows.map((r) => [`${r.product}:${r.row}`, r]));
  if (byKey.size !== rows.length || rows.length !== picks.length) return { ok: false, reason: 'POW answer does not open exactly the rows asked for' };
  const maxEntry = n * POW_MAX_ENTRY * POW_MAX_ENTRY;
  const rowDepth = merkleDepth(n);
  const wanted = new Map<number, Map<number, Uint32Array>>();
  for (const pick of picks) {
    const opened = byKey.get(`${pick.product}:${pick.row}`);
    if (!opened) return { ok: false, reason: `POW answer leaves ${where(pick)} unopened` };
    const values = decodeRow(opened.values, n);
    if (!values) return { ok: false, reason: `POW answer: ${where(pick)} has the wrong size` };
    const batch = batches.find((b) => pick.product >= b.from && pick.product < b.from + b.count);
    if (!batch) return { ok: false, reason: `POW answer: ${where(pick)} was never committed` };
    if (opened.path.length !== rowDepth + merkleDepth(batch.count)) return { ok: false, reason: `POW answer: ${where(pick)} does not match its commitment` };
    const path = opened.path.map((h) => Buffer.from(h, 'hex'));
    const productRoot = rootFromPath(rowLeaf(values), pick.row, path.slice(0, rowDepth));
    const root = rootFromPath(productRoot, pick.product - batch.from, path.slice(rowDepth));
    if (root.toString('hex') !== batch.root) return { ok: false, reason: `POW answer: ${where(pick)} does not match its commitment` };
    // No true entry exceeds n·31²; larger ones could round the float sums into a false match.
    if (values.some((v) => v > maxEntry)) return { ok: false, reason: `POW answer: ${where(pick)} is not the product of the challenge matrices` };
    if (!wanted.has(pick.product)) wanted.set(pick.product, new Map());
    wanted.get(pick.product)!.set(pick.row, values);
  }
  for (const [product, opened] of wanted) {
    const bad = freivaldsRows(powProductSeed(seed, product), n, opened);
    if (bad !== null) return { ok: false, reason: `POW answer: ${where({ product, row: bad })} is not the product of the challenge matrices` };
  }
  return { ok: true, reason: null };
}

/**
 * Freivalds on single rows: row_i(C)·r = row_i(A)·(B·r). Streams B (folding B·r, O(n²)) then A up to
 * the last opened row; O(n) per row after that. Returns the first wrong row, or null.
 */
function freivaldsRows(seed: string, n: number, rows: Map<number, Uint32Array>): number | null {
  const r = randomVector(n);
  const br = new Float64Array(n);
  const row = new Float64Array(n);
  const state = powStream(seed);
  for (let i = 0; i < n; i++) {
    fillEntries(state, row);
    let s = 0;
    for (let j = 0; j < n; j++) s += row[j] * r[j];
    br[i] = s;
  }
  const last = Math.max(...rows.keys());
  for (let i = 0; i <= last; i++) {
    fillEntries(state, row);
    const c = rows.get(i);
    if (!c) continue;
    let s = 0;
    let sc = 0;
    for (let j = 0; j < n; j++) {
      s += row[j] * br[j];
      sc += c[j] * r[j];
    }
    if (s !== sc) return i;
  }
  return null;
}

function randomVector(n: number): Float64Array {
  const random = new Uint32Array(n);
  crypto.getRandomValues(random);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = random[i] >>> (32 - R_BITS);
  return r;
}

/**
 * Protocol 2's check, kept for the benchmark: the whole product uploaded, C = A·B checked with
 * `rounds` random vectors (A·(B·r) = C·r), streaming the matrices row by row.
 */
export function verifyProduct(seed: string, n: number, c: Uint32Array, rounds = 1): boolean {
  if (c.length !== n * n) return false;
  const maxEntry = n * POW_MAX_ENTRY * POW_MAX_ENTRY;
  for (let i = 0; i < c.length; i++) if (c[i] > maxEntry) return false;
  const br = new Float64Array(n);
  const row = new Float64Array(n);
  for (let round = 0; round < rounds; round++) {
    const r = randomVector(n);
    const state = powStream(seed);
    for (let i = 0; i < n; i++) {
      fillEntries(state, row);
      let s = 0;
      for (let j = 0; j < n; j++) s += row[j] * r[j];
      br[i] = s;
    }
    for (let i = 0; i < n; i++) {
      fillEntries(state, row);
      let s = 0;
      let sc = 0;
      const offset = i * n;
      for (let j = 0; j < n; j++) {
        s += row[j] * br[j];
        sc += c[offset + j] * r[j];
      }
      if (s !== sc) return false;
    }
  }
  return true;
}

export function potlPassed(answered: number, issued: number, passShare: number): boolean {
  return issued === 0 || answered / issued >= passShare - 1e-9;
}
