// The one place a payout's transaction becomes a Solscan link: https://solscan.io/tx/<signature>,
// with ?cluster=devnet or ?cluster=testnet off mainnet. A signature that is not 64 bytes of
// base58 is refused, so a malformed value never becomes a link that looks checkable.
import { SOLANA_CLUSTERS, type SolanaCluster } from '../preload/contract/earnings.ts';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** A Solana transaction signature is an Ed25519 signature: 64 bytes. */
const SIGNATURE_BYTES = 64;

/** The bytes a base58 text stands for, or null where it holds a character outside the alphabet. */
export function base58Decode(text: string): Uint8Array | null {
  let n = 0n;
  for (const ch of text) {
    const digit = BASE58.indexOf(ch);
    if (digit < 0) return null;
    n = n * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of text) {
    if (ch !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

export function isTransactionSignature(signature: string): boolean {
  return typeof signature === 'string' && signature.length <= 90 && base58Decode(signature)?.length === SIGNATURE_BYTES;
}

/** The Solscan page of a transaction on a cluster; throws a RangeError that says what is wrong. */
export function solscanTxUrl(signature: string, cluster: SolanaCluster): string {
  if (!isTransactionSignature(signature)) {
    throw new RangeError(`Not a Solana transaction signature (64 bytes in base58): ${JSON.stringify(String(signature).slice(0, 100))}`);
  }
  if (!(SOLANA_CLUSTERS as readonly string[]).includes(cluster)) {
    throw new RangeError(`Unknown Solana cluster ${JSON.stringify(cluster)}: one of ${SOLANA_CLUSTERS.join(', ')}.`);
  }
  return `https://solscan.io/tx/${signature}${cluster === 'mainnet-beta' ? '' : `?cluster=${cluster}`}`;
}
