// One block explained: the network's verdict beside what this worker saw of the block (its own
// record, kept in the ledger), and the typed cause of a failure. Words come from block-words.ts.
import { z } from 'zod';
import { EpochMs } from './common.ts';
import { BlockRewardRowSchema } from './earnings.ts';
import { GPU_HEALTH_PROBLEMS, PAUSE_SOURCES } from './words.ts';

/** A challenge the worker received: when it arrived, when the answer left, and how the network took it. */
export const EvidenceChallengeSchema = z.object({
  kind: z.enum(['potl', 'pow']),
  id: z.string().max(64),
  arrivedAt: EpochMs,
  /** The network's deadline for the answer (its clock). */
  deadline: EpochMs,
  /** When the answer was sent; null: never answered. */
  answeredAt: EpochMs.nullable(),
  /** When the network acknowledged the answer; null: no acknowledgement seen. */
  ackedAt: EpochMs.nullable(),
  /** How long solving took (POW). */
  solveMs: z.number().nonnegative().nullable(),
  /** The network refused the answer: its code and message. */
  refused: z.object({ code: z.string().max(64), message: z.string().max(512) }).nullable(),
});
export type EvidenceChallenge = z.infer<typeof EvidenceChallengeSchema>;

/** Spans of a session that were not plain earning: each with its start and end (null: still going). */
export const EVIDENCE_GAP_REASONS = ['asleep', 'network-down', 'paused', 'restart', 'hired', 'gpu-fault'] as const;
export type EvidenceGapReason = (typeof EVIDENCE_GAP_REASONS)[number];
export const EvidenceGapSchema = z.object({
  reason: z.enum(EVIDENCE_GAP_REASONS),
  start: EpochMs,
  end: EpochMs.nullable(),
  /** Who held a pause. */
  source: z.enum(PAUSE_SOURCES).nullable(),
  /** What the GPU health read found, for a GPU fault. */
  problem: z.enum(GPU_HEALTH_PROBLEMS).nullable(),
  detail: z.string().max(512).nullable(),
});
export type EvidenceGap = z.infer<typeof EvidenceGapSchema>;

/** What this worker kept of one block: challenges whose deadline fell in it and gaps that touched it. */
export const BlockRecordSchema = z.object({
  challenges: z.array(EvidenceChallengeSchema),
  gaps: z.array(EvidenceGapSchema),
  /** Liveness challenges the network says it issued that never reached this worker. */
  potlNeverArrived: z.number().int().nonnegative(),
  /** The network asked for a POW that never reached this worker. */
  powNeverArrived: z.boolean(),
  hired: z.boolean(),
});
export type BlockRecord = z.infer<typeof BlockRecordSchema>;

/** Why a block failed (or that it passed), typed; block-words.ts says it in one sentence. */
export const BlockCauseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('passed') }),
  z.object({ kind: z.literal('asleep'), missed: z.number().int(), issued: z.number().int(), from: EpochMs, to: EpochMs }),
  z.object({ kind: z.literal('network-down'), from: EpochMs, to: EpochMs.nullable() }),
  z.object({ kind: z.literal('restart'), from: EpochMs, to: EpochMs.nullable() }),
  z.object({ kind: z.literal('paused'), source: z.enum(PAUSE_SOURCES), from: EpochMs, to: EpochMs.nullable() }),
  z.object({ kind: z.literal('gpu-fault'), problem: z.enum(GPU_HEALTH_PROBLEMS).nullable(), detail: z.string().nullable(), at: EpochMs }),
  /** lateMs null: the network says late, the worker cannot tell by how much (the openings' deadline). */
  z.object({ kind: z.literal('pow-late'), lateMs: z.number().nonnegative().nullable() }),
  z.object({ kind: z.literal('pow-wrong'), reason: z.string() }),
  z.object({ kind: z.literal('pow-never-arrived') }),
  z.object({ kind: z.literal('potl-lost'), lost: z.number().int(), issued: z.number().int() }),
  /** The worker's record shows answers in time that the network counted as missed. */
  z.object({ kind: z.literal('disagreement'), proof: z.enum(['potl', 'pow']), answered: z.number().int(), counted: z.number().int(), issued: z.number().int() }),
  z.object({ kind: z.literal('network-rule'), reason: z.string() }),
  z.object({ kind: z.literal('no-record'), reason: z.string().nullable() }),
  z.object({ kind: z.literal('unexplained'), reason: z.string().nullable() }),
]);
export type BlockCause = z.infer<typeof BlockCauseSchema>;

export const BlockDetailSchema = z.object({
  verdict: BlockRewardRowSchema,
  /** The block's span on the worker's time line: start to close (estimated when the result did not say). */
  window: z.object({ start: EpochMs, end: EpochMs }),
  /** Null: this machine kept no record of the block (a result received after the fact, or another machine's device). */
  record: BlockRecordSchema.nullable(),
  cause: BlockCauseSchema,
});
export type BlockDetail = z.infer<typeof BlockDetailSchema>;
