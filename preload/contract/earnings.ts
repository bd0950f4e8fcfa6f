// Earnings the ledger keeps: block rewards, the summary per day, payouts, jobs and notices.
import { z } from 'zod';
import { Amount, EpochMs, NullableNumber } from './common.ts';
import { NoticeSchema } from './status.ts';

/** The Solana clusters a payout transaction can be on (Solscan's names). */
export const SOLANA_CLUSTERS = ['mainnet-beta', 'devnet', 'testnet'] as const;
export type SolanaCluster = (typeof SOLANA_CLUSTERS)[number];

/** Token amounts are in the network's coin; null fields were not recorded for that row. */
export const BlockRewardRowSchema = z.object({
  device: z.string(),
  blockId: z.number().int().nullable(),
  /** Start of the block, UTC ms. */
  blockStart: EpochMs,
  status: z.enum(['passed', 'failed']),
  tier: z.number().int().min(0).max(4).nullable(),
  processorType: z.enum(['GPU', 'CPU']).nullable(),
  quantity: z.number().int().nonnegative().nullable(),
  /** The compute proof: passed, failed, skipped-hired (never run on a hired device), not-issued. */
  pow: z.string().nullable(),
  potl: z.object({ answered: z.number().int().nonnegative(), issued: z.number().int().nonnegative() }).nullable(),
  baseScore: NullableNumber,
  normalizedScore: NullableNumber,
  amount: z.number().nonnegative(),
  detail: z.string().nullable(),
  recordedAt: EpochMs,
});
export type BlockRewardRow = z.infer<typeof BlockRewardRowSchema>;

export const RewardsPageSchema = z.object({
  page: z.number().int().positive(),
  pageSize: z.number().int().positive(),
  total: z.number().int().nonnegative(),
  /** Newest block first. */
  rows: z.array(BlockRewardRowSchema),
});
export type RewardsPage = z.infer<typeof RewardsPageSchema>;

export const RewardsSummarySchema = z.object({
  timeZone: z.string(),
  days: z.number().int().positive(),
  generatedAt: EpochMs,
  /** Everything recorded on this machine, as of now. */
  totals: z.object({
    blockRewards: Amount,
    /** Hire payments (payouts not failed). */
    jobEarnings: Amount,
    /** Hours of hired compute served. */
    computeHours: z.number().nonnegative(),
    blocksPassed: z.number().int().nonnegative(),
    blocksFailed: z.number().int().nonnegative(),
    /** Block rewards and hire payments of today, in the summary's time zone. */
    today: Amount,
  }),
  window: z.object({
    blockRewards: Amount,
    jobEarnings: Amount,
    blocksPassed: z.number().int().nonnegative(),
    blocksFailed: z.number().int().nonnegative(),
    missed: Amount.nullable(),
  }),
  /** One row per local day, oldest first, ending with today. */
  daily: z.array(
    z.object({
      date: z.string(),
      start: EpochMs,
      end: EpochMs,
      earned: Amount,
      jobEarned: Amount,
      blocksPassed: z.number().int().nonnegative(),
      blocksFailed: z.number().int().nonnegative(),
      /** What the failed blocks would have paid (estimated from the device's average block reward); null: no basis. */
      missed: Amount.nullable(),
    }),
  ),
});
export type RewardsSummary = z.infer<typeof RewardsSummarySchema>;

export const PayoutSchema = z.object({
  id: z.string(),
  device: z.string(),
  t: EpochMs,
  amount: Amount,
  /** null: paid to the wallet on file at the network. */
  wallet: z.string().nullable(),
  /** The Solana transaction signature (base58); with settlement 'simulated' the network's own signature of its record, no transaction. */
  tx: z.string().nullable(),
  status: z.enum(['pending', 'sent', 'confirmed', 'failed']),
  detail: z.string().nullable(),
  /** hire: hired hours paid; block-rewards: the network's scheduled payout of accrued block rewards. */
  kind: z.enum(['hire', 'block-rewards']),
  /** The Solana cluster `tx` is on (null: not said). */
  cluster: z.enum(SOLANA_CLUSTERS).nullable(),
  /** simulated: the network only recorded the payout (a devnet), nothing was sent on Solana; null: not said. */
  settlement: z.enum(['simulated', 'on-chain']).nullable(),
  /** This device's part of a block-reward payout that paid several machines of the account (null: not said). */
  share: Amount.nullable(),
});
export type Payout = z.infer<typeof PayoutSchema>;

/** The network's payout schedule as this worker last heard it (docs/protocol.md, "Payouts"). */
export const PayoutScheduleSchema = z.object({
  everySeconds: z.number().int().positive(),
  /** A payout is made only once at least this much has accrued. */
  minimum: Amount,
  /** The next scheduled payout as the network said it; later ones follow every `everySeconds`. */
  nextAt: EpochMs,
  cluster: z.enum(SOLANA_CLUSTERS),
  settlement: z.enum(['simulated', 'on-chain']),
  receivedAt: EpochMs,
});
export type PayoutSchedule = z.infer<typeof PayoutScheduleSchema>;

export const JobsHistorySchema = z.object({
  hires: z.array(
    z.object({
      id: z.string(),
      device: z.string(),
      client: z.string().nullable(),
      started: EpochMs,
      reservedUntil: EpochMs.nullable(),
      ended: EpochMs.nullable(),
      status: z.enum(['reserved', 'running', 'completed', 'failed', 'cancelled']),
      minutesServed: z.number().nonnegative(),
      paid: Amount,
      detail: z.string().nullable(),
    }),
  ),
  jobs: z.array(
    z.object({
      id: z.string(),
      hireId: z.string().nullable(),
      device: z.string(),
      kind: z.enum(['benchmark', 'ray', 'container', 'proof']),
      started: EpochMs,
      ended: EpochMs.nullable(),
      status: z.enum(['running', 'completed', 'failed', 'cancelled']),
      exitCode: z.number().int().nullable(),
      detail: z.string().nullable(),
    }),
  ),
});
export type JobsHistory = z.infer<typeof JobsHistorySchema>;

export const NoticeHistorySchema = z.array(NoticeSchema.extend({ device: z.string().nullable() }));
export type NoticeHistory = z.infer<typeof NoticeHistorySchema>;
