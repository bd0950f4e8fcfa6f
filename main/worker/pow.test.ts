import { afterAll, describe, expect, it } from 'vitest';
import { verifyProduct } from '../devnet/proofs.ts';
import { CpuPowBackend } from './pow.ts';
import { multiplyRows, powMatrices } from './protocol.ts';

describe('CPU POW backend', () => {
  const backend = new CpuPowBackend(2);
  afterAll(() => backend.close());

  it('solves in worker threads what a single thread solves, and the coordinator accepts it', async () => {
    const seed = '0badc0de12345678';
    const n = 97; // uneven split between the threads
    const product = await backend.solve({ seed, size: n });
    const { a, b } = powMatrices(seed, n);
    expect(product).toEqual(multiplyRows(a, b, n, 0, n));
    expect(verifyProduct(seed, n, product)).toBe(true);
    expect(verifyProduct('0badc0de12345679', n, product)).toBe(false);
  });
});
