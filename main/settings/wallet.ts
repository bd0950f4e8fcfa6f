// Solana payout address checks, done for real: base58, exactly 32 bytes, and a point on the
// ed25519 curve (an off-curve address is program-derived: no private key, so no wallet).

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));

export function base58Decode(text: string): Uint8Array | null {
  let value = 0n;
  for (const char of text) {
    const digit = INDEX.get(char);
    if (digit === undefined) return null;
    value = value * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  while (value > 0n) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  for (const char of text) {
    if (char !== '1') break;
    bytes.unshift(0); // each leading '1' is a leading zero byte
  }
  return Uint8Array.from(bytes);
}

export function base58Encode(bytes: Uint8Array): string {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let out = '';
  while (value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

const P = 2n ** 255n - 19n;
const mod = (a: bigint) => ((a % P) + P) % P;
function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}
const inv = (a: bigint) => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));

/** True when the 32 bytes decompress to a point of the ed25519 curve (RFC 8032, 5.1.3). */
export function isOnEd25519Curve(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(bytes[i]!);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return false;
  const y2 = (y * y) % P;
  const x2 = mod((y2 - 1n) * inv(mod(D * y2 + 1n)));
  if (x2 === 0n) return sign === 0n;
  return pow(x2, (P - 1n) / 2n) === 1n; // Euler's criterion: x² has a square root
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
  const bad = [...address].find((c) => !INDEX.has(c));
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
