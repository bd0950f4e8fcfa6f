// The cause of a failed block, from the network's verdict and the worker's own record: what the
// worker saw comes first (it slept, lost the network, was paused or not running), then the proofs
// (late, wrong, never arrived), then where the record contradicts the verdict, then the network's rules.
import type { BlockCause, BlockRecord, EvidenceGap } from './blocks.ts';
import type { BlockRewardRow } from './earnings.ts';

interface Window {
  start: number;
  end: number;
}

/** Gaps of this reason that touched the block, in time order. */
function touching(record: BlockRecord, reason: EvidenceGap['reason'], w: Window): EvidenceGap[] {
  return record.gaps.filter((g) => g.reason === reason && g.start < w.end && (g.end ?? Infinity) > w.start).sort((a, b) => a.start - b.start);
}

/** One span over gaps of a kind: from the first start to the last end (null while one goes on). */
function span(gaps: EvidenceGap[]): { from: number; to: number | null } {
  const open = gaps.some((g) => g.end === null);
  return { from: gaps[0]!.start, to: open ? null : Math.max(...gaps.map((g) => g.end!)) };
}

export function blockCause(verdict: BlockRewardRow, w: Window, record: BlockRecord | null): BlockCause {
  if (verdict.status === 'passed') return { kind: 'passed' };
  if (!record) return { kind: 'no-record', reason: verdict.detail };
  const issued = verdict.potl?.issued ?? 0;
  const counted = verdict.potl?.answered ?? 0;
  const potlMissed = Math.max(0, issued - counted);
  const powFailed = verdict.pow === 'failed';
  const potl = record.challenges.filter((c) => c.kind === 'potl');
  const pow = record.challenges.find((c) => c.kind === 'pow') ?? null;
  const inTime = (c: { answeredAt: number | null; deadline: number }) => c.answeredAt !== null && c.answeredAt <= c.deadline;
  const missedSomething = potlMissed > 0 || powFailed;

  // What the machine itself went through explains what it missed.
  if (missedSomething) {
    const restart = touching(record, 'restart', w);
    if (restart.length) return { kind: 'restart', ...span(restart) };
    const asleep = touching(record, 'asleep', w);
    if (asleep.length) {
      const s = span(asleep);
      return { kind: 'asleep', missed: potlMissed, issued, from: s.from, to: s.to ?? w.end };
    }
    const down = touching(record, 'network-down', w);
    if (down.length) return { kind: 'network-down', ...span(down) };
    const paused = touching(record, 'paused', w);
    if (paused.length && paused[0]!.source) return { kind: 'paused', source: paused[0]!.source, ...span(paused) };
    const fault = touching(record, 'gpu-fault', w);
    if (fault.length) return { kind: 'gpu-fault', problem: fault[0]!.problem, detail: fault[0]!.detail, at: fault[0]!.start };
  }

  if (powFailed) {
    if (!pow) return record.powNeverArrived ? { kind: 'pow-never-arrived' } : { kind: 'unexplained', reason: verdict.detail };
    if (pow.answeredAt !== null && pow.answeredAt > pow.deadline) return { kind: 'pow-late', lateMs: pow.answeredAt - pow.deadline };
    if (pow.refused && pow.refused.code !== 'late' && pow.refused.code !== 'unknown-challenge') return { kind: 'pow-wrong', reason: pow.refused.message };
    // The openings (sent after the commitments, on a deadline of their own) came too late.
    if (/POW answer came after its deadline/.test(verdict.detail ?? '')) return { kind: 'pow-late', lateMs: null };
    if (WRONG_POW.test(verdict.detail ?? '')) return { kind: 'pow-wrong', reason: powReason(verdict.detail) };
    if (inTime(pow)) return { kind: 'disagreement', proof: 'pow', answered: 1, counted: 0, issued: 1 };
    if (pow.answeredAt === null) return { kind: 'unexplained', reason: verdict.detail };
  }

  if (potlMissed > 0) {
    const answered = potl.filter(inTime).length;
    if (answered > counted) return { kind: 'disagreement', proof: 'potl', answered: Math.min(answered, issued), counted, issued };
    if (record.potlNeverArrived > 0) return { kind: 'potl-lost', lost: record.potlNeverArrived, issued };
  }

  // Neither proof explains it: a rule the network checks (wallet, tier, uptime streak).
  if (verdict.detail && !missedSomething) return { kind: 'network-rule', reason: verdict.detail };
  return { kind: 'unexplained', reason: verdict.detail };
}

/** The network's words for a POW answer that does not prove the work (forged, partly computed, too little). */
const WRONG_POW = /not the product|does not match|never committed|unopened|wrong size|does not open|too little|forged/i;

/** The POW part of the network's reason (its reasons are joined with "; "). */
function powReason(detail: string | null): string {
  return detail?.split('; ').find((part) => /pow|product/i.test(part)) ?? detail ?? 'the network refused it';
}

/** A block's span: from its start to when the network closed it (an hour where the result did not say). */
export function blockWindow(blockStart: number, closedAt: number | null | undefined, blockSeconds = 3600): Window {
  return { start: blockStart, end: closedAt != null && closedAt > blockStart ? closedAt : blockStart + blockSeconds * 1000 };
}
