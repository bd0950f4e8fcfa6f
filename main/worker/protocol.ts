// The wire protocol between a worker and a coordinator (docs/protocol.md), version 3: envelopes
// signed both ways and bound to one network, message schemas, and the seeded POW matrices both sides derive. With explorer-api.ts,
// all that main/devnet imports from main/worker; it imports nothing but zod and node:crypto.
import crypto from 'node:crypto';
import { z } from 'zod';
import { PAUSE_SOURCES } from '../../preload/contract/words.ts';

export const PROTOCOL_VERSION = 3;
/** Envelopes older or newer than this (against the receiver's clock) are rejected. */
export const MAX_CLOCK_SKEW_MS = 60_000;

/** The range of a POW challenge's matrix size, the same for the network parameters and the worker. */
export const POW_MIN_SIZE = 8;
/** Upload no longer grows with n² (only the opened rows travel): 2048 still opens under 1 MB. */
export const POW_MAX_SIZE = 2048;
/** The most products one challenge asks for: a worker keeps only a 32-byte root per product done. */
export const POW_MAX_PRODUCTS = 1 << 20;
/** The most rows the coordinator opens per challenge. */
export const POW_MAX_OPENED = 256;
/** The most bytes one link measurement moves each way (the network's `link.bytes`). */
export const LINK_MAX_BYTES = 16 * 1024 * 1024;

// ---------------------------------------------------------------- envelopes
/** `payload` is the JSON text that was signed, so both sides hash the very same bytes. */
export const EnvelopeSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    /** The network this envelope is meant for (networkBinding): another network refuses it. */
    net: z.string().min(1).max(128),
    type: z.string().min(1).max(32),
    signer: z.string().min(1).max(64),
    ts: z.number().int().nonnegative(),
    nonce: z.string().regex(/^[0-9a-f]{32}$/),
    payload: z.string().max(7 * 1024 * 1024),
    sig: z.string().max(200),
  })
  .strict();
export type Envelope = z.infer<typeof EnvelopeSchema>;

export interface Signer {
  /** A device id (dev-…), an account id (acct-…), or a network id (net-…) for the coordinator. */
  id: string;
  sign(message: Buffer | string): Buffer;
}

function signedText(e: Omit<Envelope, 'sig'>): string {
  return `io-worker/${e.v}\n${e.net}\n${e.type}\n${e.signer}\n${e.ts}\n${e.nonce}\n${e.payload}`;
}

/** What binds an envelope to one network: its id and its coordinator's key, by fingerprint. */
export function networkBinding(networkId: string, coordinatorKey: string | crypto.KeyObject): string {
  return `${networkId}/${keyFingerprint(coordinatorKey)}`;
}

/** A key's fingerprint as people compare it: SHA-256 of its DER, 32 hex digits in groups of four. */
export function keyFingerprint(publicKey: string | crypto.KeyObject): string {
  const der = (typeof publicKey === 'string' ? crypto.createPublicKey(publicKey) : publicKey).export({ format: 'der', type: 'spki' });
  return crypto.createHash('sha256').update(der).digest('hex').slice(0, 32).match(/.{4}/g)!.join(':');
}

/** Signs `body` as a `type` message for the network `net` (networkBinding). */
export function seal(signer: Signer, net: string, type: string, body: unknown, now = Date.now()): Envelope {
  const unsigned = {
    v: PROTOCOL_VERSION as typeof PROTOCOL_VERSION,
    net,
    type,
    signer: signer.id,
    ts: now,
    nonce: crypto.randomBytes(16).toString('hex'),
    payload: JSON.stringify(body),
  };
  return { ...unsigned, sig: signer.sign(signedText(unsigned)).toString('base64') };
}

export function verifySignature(envelope: Envelope, publicKeyPem: string | crypto.KeyObject): boolean {
  try {
    const { sig, ...rest } = envelope;
    return crypto.verify(null, Buffer.from(signedText(rest)), publicKeyPem, Buffer.from(sig, 'base64'));
  } catch {
    return false;
  }
}

export function idFromPublicKey(prefix: 'dev' | 'acct', publicKey: string | crypto.KeyObject): string {
  const der = (typeof publicKey === 'string' ? crypto.createPublicKey(publicKey) : publicKey).export({ format: 'der', type: 'spki' });
  return `${prefix}-${crypto.createHash('sha256').update(der).digest('hex').slice(0, 16)}`;
}

// ---------------------------------------------------------------- bodies (worker -> coordinator)
/** Hire ids name log files and containers: letters, digits, `-` and `_`, never a path. */
export const HIRE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** An OCI image reference: [registry[:port]/]path[:tag][@sha256:digest], lower-case path parts. */
export const IMAGE_REFERENCE_PATTERN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const HireIdSchema = z.string().regex(HIRE_ID_PATTERN, 'A hire id is letters, digits, - and _ (at most 64).');

export const SpeedSchema = z.object({ downMbps: z.number().nonnegative(), upMbps: z.number().nonnegative(), latencyMs: z.number().nonnegative() });

/** What a coordinator needs of the inventory: the rest stays on the machine. */
export const InventorySummarySchema = z.object({
  hostname: z.string().max(256),
  os: z.string().max(256),
  cpu: z.object({ brand: z.string().max(256), threads: z.number().int().nonnegative() }),
  memoryBytes: z.number().nonnegative(),
  gpus: z.array(z.object({ model: z.string().max(256), vramMiB: z.number().nullable() })).max(64),
});
export type InventorySummary = z.infer<typeof InventorySummarySchema>;

export const RegisterSchema = z.object({
  publicKeyPem: z.string().max(1000),
  /** The account that owns this device, and its signature over `own:<deviceId>`. */
  ownerPublicKeyPem: z.string().max(1000),
  ownerSig: z.string().max(200),
  name: z.string().trim().min(1).max(64),
  wallet: z.string().max(128).nullable(),
  inventory: InventorySummarySchema,
});
export type Register = z.infer<typeof RegisterSchema>;

export const ServiceStateSchema = z.object({
  name: z.enum(['Version Control', 'Monitor', 'Ray']),
  state: z.enum(['running', 'stopped', 'failing']),
  detail: z.string().max(256),
});
export type ServiceState = z.infer<typeof ServiceStateSchema>;

/** A pause as the wire carries it: who holds it (the one table of sources) and its detail. */
export const WirePauseSchema = z.object({ source: z.enum(PAUSE_SOURCES), detail: z.string().max(256) }).strict();
export type WirePause = z.infer<typeof WirePauseSchema>;

export const HelloSchema = z.object({
  /** When this worker process started: a new value resets the uptime streak. */
  sessionStartedAt: z.number().int(),
  /** Highest block whose result this worker has stored; the coordinator resends later ones. */
  lastBlock: z.number().int().nonnegative(),
  paused: WirePauseSchema.nullable(),
  version: z.string().max(32),
});

export const HeartbeatSchema = z.object({
  seq: z.number().int().nonnegative(),
  sampledAt: z.number().int(),
  /** True when this beat waited in the offline buffer. */
  buffered: z.boolean(),
  telemetry: z.object({
    cpuPct: z.number().nullable(),
    gpuPct: z.number().nullable(),
    gpuTempC: z.number().nullable(),
    powerW: z.number().nullable(),
  }),
  traffic: z.object({ rxBytes: z.number().nonnegative(), txBytes: z.number().nonnegative() }),
  services: z.array(ServiceStateSchema).max(8),
  paused: WirePauseSchema.nullable(),
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

export const PotlAnswerSchema = z.object({ challengeId: z.string().max(64), nonce: z.string().max(64) });
const HashHex = z.string().regex(/^[0-9a-f]{64}$/);
/** A commitment to products [from, from + count): the Merkle root over their product roots (docs/protocol.md, "POW"). */
export const PowCommitSchema = z.object({
  challengeId: z.string().max(64),
  from: z.number().int().nonnegative().max(POW_MAX_PRODUCTS),
  count: z.number().int().min(1).max(POW_MAX_PRODUCTS),
  root: HashHex,
  solveMs: z.number().nonnegative(),
  backend: z.string().max(32),
});
/** The rows the coordinator picked, each with its values and its Merkle path up to the batch root. */
export const PowAnswerSchema = z.object({
  challengeId: z.string().max(64),
  rows: z.array(z.object({
    product: z.number().int().nonnegative().max(POW_MAX_PRODUCTS),
    row: z.number().int().nonnegative().max(POW_MAX_SIZE),
    /** The row of the product, little-endian uint32, base64. */
    values: z.string().max(Math.ceil((POW_MAX_SIZE * 16) / 3) + 4),
    path: z.array(HashHex).max(48),
  }).strict()).max(POW_MAX_OPENED),
});
export const HireReportSchema = z.object({
  hireId: HireIdSchema,
  state: z.enum(['running', 'restarting', 'completed', 'failed']),
  minutesServed: z.number().nonnegative(),
  detail: z.string().max(512),
});
export const AckResultsSchema = z.object({ lastBlock: z.number().int().nonnegative() });
export const SetWalletSchema = z.object({ wallet: z.string().trim().min(1).max(128) });
export const RenameSchema = z.object({ deviceId: z.string().max(64), name: z.string().trim().min(1).max(64) });
export const DeleteSchema = z.object({ deviceId: z.string().max(64) });
/** A machine of the account confirms (pays at once) or cancels a device's waiting payout wallet change (main/devnet/wallet-change.ts). */
export const WalletDecisionSchema = z.object({ deviceId: z.string().max(64), wallet: z.string().trim().min(1).max(128), decision: z.enum(['confirm', 'cancel']) });
/** A payout wallet change waiting for its delay, as the status message announces it to every machine of the account. */
export const WalletChangeSchema = z.object({
  deviceId: z.string().max(64), deviceName: z.string().max(64), wallet: z.string().max(128), previous: z.string().max(128).nullable(),
  requestedBy: z.string().max(64), requestedAt: z.number(), effectiveAt: z.number(),
});
export type WalletChange = z.infer<typeof WalletChangeSchema>;
/** Pairing (docs/protocol.md, "Pairing"): a code from the owner, redeemed by the new machine's account key, confirmed by the owner's delegation. */
/** Crockford's base32: no I, L, O or U, so a code read aloud or retyped cannot be misread. */
export const PAIRING_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PairingCodeTextSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{8}$/, 'A pairing code is 8 letters and digits.');
export const PairCodeSchema = z.object({}).strict();
export const PairRedeemSchema = z.object({ code: PairingCodeTextSchema, publicKeyPem: z.string().max(1000), deviceId: z.string().max(64), name: z.string().trim().min(1).max(64) }).strict();
export const PairConfirmSchema = z.object({
  code: PairingCodeTextSchema, memberId: z.string().max(64), memberPublicKeyPem: z.string().max(1000), deviceId: z.string().max(64),
  /** The owner key's signature over delegationText(...): stored, and checked again at every coordinator start. */
  delegationSig: z.string().max(200),
}).strict();

/** What the owner's key signs to let another machine's account key act for its account. */
export function delegationText(binding: string, accountId: string, memberId: string, deviceId: string, code: string): string {
  return `io-worker/delegation/1\n${binding}\n${accountId}\n${memberId}\n${deviceId}\n${code}`;
}
/** An owner's read of what is not public (`Authorization: IoWorker <envelope>`), bound to one path. */
export const ReadSchema = z.object({ path: z.string().max(256) });

/**
 * The owner's alert channels for this device (signed by its account): the coordinator sends
 * "offline" when heartbeats stop for `offlineAfterSeconds` and "back online" when they return.
 * An empty list removes them. Secrets travel here because the network must sign and send.
 */
const AlertUrl = z.string().max(200).regex(/^https?:\/\/[^\s]+$/, 'An alert URL is http(s)://…');
export const AlertChannelsSchema = z.object({
  deviceId: z.string().max(64),
  offlineAfterSeconds: z.number().int().min(10).max(86_400),
  channels: z
    .array(
      z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('webhook'), url: AlertUrl, secret: z.string().max(512).nullable() }).strict(),
        z.object({ kind: z.literal('ntfy'), baseUrl: AlertUrl, topic: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), token: z.string().max(512).nullable() }).strict(),
        z.object({ kind: z.literal('telegram'), baseUrl: AlertUrl, token: z.string().min(1).max(512), chatId: z.string().max(64) }).strict(),
      ]),
    )
    .max(4),
});
export type AlertChannels = z.infer<typeof AlertChannelsSchema>;

export const WorkerBodies = {
  'alert-channels': AlertChannelsSchema,
  register: RegisterSchema,
  hello: HelloSchema,
  heartbeat: HeartbeatSchema,
  'potl-answer': PotlAnswerSchema,
  'pow-commit': PowCommitSchema,
  'pow-answer': PowAnswerSchema,
  'hire-report': HireReportSchema,
  speed: SpeedSchema,
  'ack-results': AckResultsSchema,
  'set-wallet': SetWalletSchema,
  rename: RenameSchema,
  delete: DeleteSchema,
  'wallet-change': WalletDecisionSchema,
  'pair-code': PairCodeSchema,
  'pair-redeem': PairRedeemSchema,
  'pair-confirm': PairConfirmSchema,
  read: ReadSchema,
} as const;
export type WorkerMessageType = keyof typeof WorkerBodies;

// ---------------------------------------------------------------- coordinator -> worker (unsigned JSON)
export const BlockResultSchema = z.object({
  block: z.number().int(),
  startedAt: z.number().int(),
  status: z.enum(['Completed', 'Failed']),
  reason: z.string().nullable(),
  potl: z.object({ answered: z.number().int(), issued: z.number().int() }),
  pow: z.enum(['passed', 'failed', 'skipped-hired', 'not-issued']),
  base: z.number(),
  normalized: z.number(),
  reward: z.number(),
  closedAt: z.number().int(),
  /** What the network scored the device as in this block (absent from older coordinators). */
  tier: z.number().int().min(0).max(4).nullable().optional(),
  processor: z.enum(['GPU', 'CPU']).nullable().optional(),
  quantity: z.number().int().nonnegative().nullable().optional(),
});
export type BlockResult = z.infer<typeof BlockResultSchema>;

// A hire order reaches a command line (ray, docker): every field is checked against a strict
// pattern so no value can be read as an option, a path or a second command.
/** A Ray head's address: host:port, the host a name, an IPv4 address or a bracketed IPv6 one. */
export const RAY_ADDRESS_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\]):[0-9]{1,5}$/;
/** A Ray release as pip names it (x.y.z): the only text of an order that reaches pip. */
export const RAY_VERSION_PATTERN = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;
/** The longest hire a worker accepts: a year. */
export const MAX_HIRE_HOURS = 24 * 366;

/** An argument handed to the workload inside its container: printable text, no NUL or control bytes. */
const WorkloadArgSchema = z.string().max(256).refine((arg) => ![...arg].some((c) => c < ' ' || c === '\u007f'), 'Workload arguments may not hold control characters.');

export const HireOrderSchema = z
  .object({
    hireId: HireIdSchema,
    hours: z.number().finite().positive().max(MAX_HIRE_HOURS),
    endsAt: z.number().int().nonnegative(),
    workload: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('benchmark') }).strict(),
      z.object({
        kind: z.literal('ray'),
        address: z.string().max(256).regex(RAY_ADDRESS_PATTERN, 'A Ray address is host:port.'),
        /** The head's Ray version: the worker installs exactly this one (absent: its default). */
        version: z.string().regex(RAY_VERSION_PATTERN, 'A Ray version is three numbers, such as 2.58.0.').optional(),
      }).strict(),
      z
        .object({
          kind: z.literal('container'),
          image: z.string().max(256).regex(IMAGE_REFERENCE_PATTERN, 'An image is a reference such as ghcr.io/org/name:tag.'),
          args: z.array(WorkloadArgSchema).max(32).default([]),
        })
        .strict(),
    ]),
  })
  .strict();
export type HireOrder = z.infer<typeof HireOrderSchema>;

/** A Solana transaction signature: 64 bytes in base58 (usually 87 or 88 characters; leading zero bytes make it shorter). */
export const TX_SIGNATURE_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{64,88}$/;
/** The most IO one amount can be: more than the coin's whole supply (800 million) is a lie. */
export const MAX_IO = 1e9;
/** The network's payout schedule (docs/protocol.md, "Payouts"): when it pays block rewards, from what amount, and how. */
export const PayoutScheduleSchema = z.object({
  everySeconds: z.number().int().positive().max(366 * 86_400), minimum: z.number().nonnegative().max(MAX_IO), nextAt: z.number().int().nonnegative(),
  cluster: z.enum(['mainnet-beta', 'devnet', 'testnet']), settlement: z.enum(['simulated', 'on-chain']),
});
/** Block rewards paid to the payout address: `amount` the whole transaction, `share` this device's part of it. */
export const RewardPayoutSchema = PayoutScheduleSchema.pick({ cluster: true, settlement: true }).extend({
  id: z.string().regex(/^po-[0-9a-f]{16,32}$/), at: z.number().int().nonnegative(), amount: z.number().nonnegative().max(MAX_IO), share: z.number().nonnegative().max(MAX_IO),
  wallet: z.string().min(1).max(128), signature: z.string().regex(TX_SIGNATURE_PATTERN), blocks: z.number().int().nonnegative().max(10_000_000),
});
export type RewardPayout = z.infer<typeof RewardPayoutSchema>;
export type PayoutSchedule = z.infer<typeof PayoutScheduleSchema>;

export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('payout-schedule'), schedule: PayoutScheduleSchema }),
  z.object({ type: z.literal('reward-payout'), payout: RewardPayoutSchema }),
  z.object({ type: z.literal('welcome'), deviceId: z.string().max(64), heartbeatSeconds: z.number(), blockSeconds: z.number(), serverTime: z.number() }),
  z.object({ type: z.literal('ack'), nonce: z.string() }),
  z.object({ type: z.literal('error'), nonce: z.string().max(64).nullable(), code: z.string().max(64), message: z.string().max(16_000) }),
  z.object({ type: z.literal('potl'), challengeId: z.string(), nonce: z.string(), deadline: z.number() }),
  // The size is bounded by the network parameters' range: a huge one would exhaust the worker's memory.
  // `products`: how many n×n products, sized to the claimed processors; commitments count only until `deadline`.
  z.object({
    type: z.literal('pow'), challengeId: z.string().max(64), seed: z.string().max(128), size: z.number().int().min(POW_MIN_SIZE).max(POW_MAX_SIZE),
    products: z.number().int().min(1).max(POW_MAX_PRODUCTS), deadline: z.number(),
  }),
  // Picked after the commitments: the rows to open, by 'pow-answer' before `deadline`.
  z.object({
    type: z.literal('pow-open'), challengeId: z.string().max(64), deadline: z.number(),
    rows: z.array(z.object({ product: z.number().int().nonnegative().max(POW_MAX_PRODUCTS), row: z.number().int().nonnegative().max(POW_MAX_SIZE) })).max(POW_MAX_OPENED),
  }),
  z.object({ type: z.literal('block-result'), result: BlockResultSchema }),
  // The network measures this link (docs/protocol.md, "Connectivity tier"): GET then POST /v1/link/:probeId, `bytes` each way.
  z.object({ type: z.literal('link-measure'), probeId: z.string().regex(/^[\w-]{1,64}$/), bytes: z.number().int().min(64).max(LINK_MAX_BYTES), timeoutMs: z.number().positive().max(600_000) }),
  z.object({ type: z.literal('hire'), order: HireOrderSchema }),
  z.object({ type: z.literal('hire-end'), hireId: HireIdSchema, reason: z.string().max(512) }),
  z.object({ type: z.literal('payout'), hireId: HireIdSchema, amount: z.number().nonnegative().max(MAX_IO), hours: z.number().nonnegative().max(MAX_HIRE_HOURS), at: z.number().int().nonnegative() }),
  z.object({
    type: z.literal('status'),
    eligible: z.boolean(),
    // `required: false`: a rule this network does not ask for (shown as "not required", never as a tick).
    checks: z.array(z.object({ id: z.string().max(64), ok: z.boolean(), required: z.boolean().optional(), pending: z.boolean().optional(), detail: z.string().max(1000), remainingSeconds: z.number().nonnegative().optional() })).max(64),
    tier: z.number().int().min(0).max(4),
    /** The network's continuous-uptime streak for this device and its rule: the one uptime the pages show. */
    streakSeconds: z.number().nonnegative().optional(),
    minUptimeSeconds: z.number().nonnegative().optional(),
    /** The account's payout wallet changes still waiting (absent from older coordinators). */
    walletChanges: z.array(WalletChangeSchema).max(256).optional(),
  }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

// ---------------------------------------------------------------- POW matrices
/** Largest entry of a POW matrix; with n ≤ 2048 every product entry stays below 2^32. */
export const POW_MAX_ENTRY = 31;

/** The PRNG state of a POW challenge: xorshift128 seeded from the SHA-256 of the whole seed. */
export function powStream(seedHex: string): Uint32Array {
  const h = crypto.createHash('sha256').update(seedHex).digest();
  const state = new Uint32Array([h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12) || 1]);
  return state;
}

/** Fills `out` with the stream's next entries (0..31): six 5-bit entries per 32-bit step. */
export function fillEntries(state: Uint32Array, out: Float64Array | Uint8Array): void {
  let x = state[0], y = state[1], z = state[2], w = state[3];
  const len = out.length;
  let i = 0;
  while (i < len) {
    const t = (x ^ (x << 11)) >>> 0;
    x = y; y = z; z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    let v = w;
    for (let k = 0; k < 6 && i < len; k++, i++) {
      out[i] = v & POW_MAX_ENTRY;
      v >>>= 5;
    }
  }
  state[0] = x; state[1] = y; state[2] = z; state[3] = w;
}

/**
 * The two n×n matrices of a POW challenge, row-major: B's rows come first in the stream, then A's,
 * so a verifier can fold B·r and then A·(B·r) row by row without ever holding either matrix.
 */
export function powMatrices(seedHex: string, n: number): { a: Float64Array; b: Float64Array } {
  const state = powStream(seedHex);
  const a = new Float64Array(n * n);
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) fillEntries(state, b.subarray(i * n, (i + 1) * n));
  for (let i = 0; i < n; i++) fillEntries(state, a.subarray(i * n, (i + 1) * n));
  return { a, b };
}

/** Rows [from, to) of A×B, the straightforward i-k-j loop a CPU backend runs. */
export function multiplyRows(a: Float64Array, b: Float64Array, n: number, from: number, to: number): Uint32Array {
  const out = new Float64Array((to - from) * n);
  for (let i = from; i < to; i++) {
    const row = (i - from) * n;
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) out[row + j] += aik * b[bk + j];
    }
  }
  return Uint32Array.from(out);
}

export function encodeProduct(c: Uint32Array): string {
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64');
}

/** One opened row: n little-endian uint32 values, or null when the text has the wrong size. */
export function decodeRow(text: string, n: number): Uint32Array | null {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== n * 4) return null;
  const copy = new Uint8Array(bytes); // aligned copy for the typed view
  return new Uint32Array(copy.buffer);
}

// ---------------------------------------------------------------- POW commitments (Merkle, SHA-256)
/** The seed of product `index` of a challenge: each product has its own matrices. */
export function powProductSeed(seed: string, index: number): string {
  return `${seed}:${index}`;
}

/** A row's leaf: SHA-256(0x00 ‖ its bytes); inner nodes hash 0x01 ‖ left ‖ right, so neither passes for the other. */
export function rowLeaf(row: Uint32Array): Buffer {
  return crypto.createHash('sha256').update(LEAF_TAG).update(Buffer.from(row.buffer, row.byteOffset, row.byteLength)).digest();
}
const LEAF_TAG = Buffer.from([0]);
const NODE_TAG = Buffer.from([1]);

function hashPair(left: Buffer, right: Buffer): Buffer {
  return crypto.createHash('sha256').update(NODE_TAG).update(left).update(right).digest();
}

/** Path length for `count` leaves: the tree is padded by pairing an odd last node with itself. */
export function merkleDepth(count: number): number {
  return count <= 1 ? 0 : Math.ceil(Math.log2(count));
}

/** Every level of the tree, leaves first, root last. */
export function merkleLevels(leaves: Buffer[]): Buffer[][] {
  const levels = [leaves];
  while (levels.at(-1)!.length > 1) {
    const below = levels.at(-1)!;
    const level: Buffer[] = [];
    for (let i = 0; i < below.length; i += 2) level.push(hashPair(below[i], below[i + 1] ?? below[i]));
    levels.push(level);
  }
  return levels;
}

export function merklePath(levels: Buffer[][], index: number): Buffer[] {
  const path: Buffer[] = [];
  for (let d = 0; d < levels.length - 1; d++, index >>= 1) {
    const level = levels[d];
    path.push(level[index ^ 1] ?? level[index]);
  }
  return path;
}

/** The root a leaf and its path lead to. */
export function rootFromPath(leaf: Buffer, index: number, path: Buffer[]): Buffer {
  let node = leaf;
  for (const sibling of path) {
    node = index & 1 ? hashPair(sibling, node) : hashPair(node, sibling);
    index >>= 1;
  }
  return node;
}

/** The root over a product's rows (n × n, row-major): one leaf per row. */
export function productRoot(c: Uint32Array, n: number): { root: Buffer; levels: Buffer[][] } {
  const leaves = Array.from({ length: n }, (_, i) => rowLeaf(c.subarray(i * n, (i + 1) * n)));
  const levels = merkleLevels(leaves);
  return { root: levels.at(-1)![0], levels };
}
