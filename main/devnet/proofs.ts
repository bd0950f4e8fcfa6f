// Proof checks of the coordinator: Freivalds' verification of a POW product (O(n²) against the
// O(n³) solve) and the POTL pass rule.
import crypto from 'node:crypto';
import { POW_MAX_ENTRY, decodeProduct, fillEntries, powStream } from '../worker/protocol.ts';

/** Random vector entries below 2^20: a wrong product slips through one round with odds ≤ 2^-20. */
const R_BITS = 20;

/**
 * True when C = A·B for the challenge's seed, checked with `rounds` random vectors r: A·(B·r) = C·r.
 * Streams the matrices row by row from the seed (O(n) memory, O(n²) time per round).
 */
export function verifyProduct(seed: string, n: number, c: Uint32Array, rounds = 1): boolean {
  if (c.length !== n * n) return false;
  // No true entry exceeds n·31²; larger ones could round the float sums into a false match.
  const maxEntry = n * POW_MAX_ENTRY * POW_MAX_ENTRY;
  for (let i = 0; i < c.length; i++) if (c[i] > maxEntry) return false;
  const r = new Float64Array(n);
  const br = new Float64Array(n);
  const row = new Float64Array(n);
  const random = new Uint32Array(n);
  for (let round = 0; round < rounds; round++) {
    crypto.getRandomValues(random);
    for (let i = 0; i < n; i++) r[i] = random[i] >>> (32 - R_BITS);
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

export function verifyEncodedProduct(seed: string, n: number, product: string): { ok: boolean; reason: string | null } {
  const c = decodeProduct(product, n);
  if (!c) return { ok: false, reason: `POW answer has the wrong size for a ${n}×${n} product` };
  return verifyProduct(seed, n, c) ? { ok: true, reason: null } : { ok: false, reason: 'POW answer is not the product of the challenge matrices' };
}

export function potlPassed(answered: number, issued: number, passShare: number): boolean {
  return issued === 0 || answered / issued >= passShare - 1e-9;
}
