// The Solscan link's form for each cluster (there is no internet here: the form, not the page).
import { describe, expect, it } from 'vitest';
import { isTransactionSignature, solscanTxUrl } from './solscan.ts';

/** Base58 of some bytes (the devnet's own encoder is checked against the decoder in main/devnet/payouts.test.ts). */
function base58(bytes: Uint8Array): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  let out = '';
  for (; n > 0n; n /= 58n) out = alphabet[Number(n % 58n)] + out;
  return '1'.repeat(bytes.findIndex((b) => b !== 0) === -1 ? bytes.length : bytes.findIndex((b) => b !== 0)) + out;
}

// A real mainnet transaction signature's form: 88 characters of base58, 64 bytes.
const SIG = '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW';

const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));

describe('solscanTxUrl', () => {
  it('links mainnet without a cluster and devnet and testnet with theirs', () => {
    expect(solscanTxUrl(SIG, 'mainnet-beta')).toBe(`https://solscan.io/tx/${SIG}`);
    expect(solscanTxUrl(SIG, 'devnet')).toBe(`https://solscan.io/tx/${SIG}?cluster=devnet`);
    expect(solscanTxUrl(SIG, 'testnet')).toBe(`https://solscan.io/tx/${SIG}?cluster=testnet`);
    for (const cluster of ['mainnet-beta', 'devnet', 'testnet'] as const) {
      const url = new URL(solscanTxUrl(SIG, cluster));
      expect([url.protocol, url.host, url.pathname]).toEqual(['https:', 'solscan.io', `/tx/${SIG}`]);
      expect(url.searchParams.get('cluster')).toBe(cluster === 'mainnet-beta' ? null : cluster);
    }
  });

  it('takes any 64-byte signature, leading zero bytes included', () => {
    for (let i = 0; i < 20; i++) {
      const bytes = randomBytes(64);
      if (i < 3) bytes.fill(0, 0, i + 1);
      expect(isTransactionSignature(base58(bytes))).toBe(true);
    }
  });

  it('refuses malformed signatures and unknown clusters, saying what is wrong', () => {
    const bad = [
      '', 'abc', SIG.slice(0, -1) + '0', SIG.replace('5', 'l'), `${SIG}1`, SIG.slice(0, 44), base58(randomBytes(32)),
      `${SIG.slice(0, 40)}/../${SIG.slice(44)}`, `${SIG}?cluster=devnet`, '0x' + 'ab'.repeat(64),
    ];
    for (const s of bad) {
      expect(isTransactionSignature(s), s).toBe(false);
      expect(() => solscanTxUrl(s, 'mainnet-beta'), s).toThrow(/Not a Solana transaction signature/);
    }
    expect(() => solscanTxUrl(SIG, 'localnet' as never)).toThrow(/Unknown Solana cluster "localnet"/);
  });
});
