// The one sentence that names why a block failed, for every page that shows it (Block Rewards
// rows, the block page, alerts). Made from the typed cause (blocks.ts); nothing else words it.
import type { BlockCause, EvidenceGapReason } from './blocks.ts';
import { GPU_HEALTH_PROBLEM_WORDS, PAUSE_SOURCE_WORDS } from './words.ts';

/** Clock time of an instant, e.g. "03:10"; pages pass their own (local) formatter, tests a fixed zone. */
export type TimeWords = (t: number) => string;

export function clockTime(timeZone?: string): TimeWords {
  const f = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, ...(timeZone ? { timeZone } : {}) });
  return (t) => f.format(t);
}

/** A duration as people read it: "3 ms", "4.2 s", "40 s", "3 min 5 s". */
export function durationWords(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 10) return `${Math.round(s * 10) / 10} s`;
  if (s < 120) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min${Math.round(s - m * 60) ? ` ${Math.round(s - m * 60)} s` : ''}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The cause as one sentence, capitalised and ended. */
export function blockCauseSentence(cause: BlockCause, time: TimeWords = clockTime()): string {
  // The network's own reasons end with a full stop: one, not two.
  const text = causeWords(cause, time).replace(/[.\s]+$/, '');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

function causeWords(cause: BlockCause, t: TimeWords): string {
  switch (cause.kind) {
    case 'passed':
      return 'completed: every proof was answered in time';
    case 'asleep':
      return `missed ${cause.missed} of ${plural(cause.issued, 'liveness challenge')} between ${t(cause.from)} and ${t(cause.to)}: the machine was asleep`;
    case 'network-down':
      return cause.to === null ? `the network was unreachable from ${t(cause.from)} on` : `the network was unreachable from ${t(cause.from)} to ${t(cause.to)}`;
    case 'restart':
      return `IO Worker was not running from ${t(cause.from)}${cause.to === null ? '' : ` to ${t(cause.to)}`} (it was stopped or restarted)`;
    case 'paused':
      return `${PAUSE_SOURCE_WORDS[cause.source]} from ${t(cause.from)}${cause.to === null ? '' : ` to ${t(cause.to)}`}, and the network does not pay a block that was paused`;
    case 'gpu-fault':
      return `the GPU reported a fault at ${t(cause.at)}: ${cause.problem ? GPU_HEALTH_PROBLEM_WORDS[cause.problem] : (cause.detail ?? 'a hardware error')}`;
    case 'pow-late':
      return cause.lateMs === null ? 'POW answer arrived after the deadline' : `POW answer arrived ${durationWords(cause.lateMs)} after the deadline`;
    case 'pow-wrong':
      return `the POW answer was not accepted: ${cause.reason}`;
    case 'pow-never-arrived':
      return 'the POW challenge never reached this worker';
    case 'potl-lost':
      return `${cause.lost} of ${plural(cause.issued, 'liveness challenge')} never reached this worker while it was connected`;
    case 'disagreement':
      return cause.proof === 'potl'
        ? `the worker answered ${cause.answered} of ${plural(cause.issued, 'liveness challenge')} in time, the network counted ${cause.counted}: the worker answered, the network counted it missed; this record is the evidence to take to support`
        : 'the worker sent its POW answer in time, the network counted it missed: this record is the evidence to take to support';
    case 'network-rule':
      // The network's own sentence after ours, whole: "…not met: No wallet set: set…" ran three clauses together.
      return `the network did not count this block. ${cause.reason}`;
    case 'no-record':
      return `the network failed the block${cause.reason ? ` (${cause.reason})` : ''}; this machine kept no record of it`;
    case 'unexplained':
      return `the network failed the block${cause.reason ? ` (${cause.reason})` : ''}; nothing in this worker's record explains it`;
  }
}

/** The spans on a block's time line, in words. */
export const EVIDENCE_GAP_WORDS: Record<EvidenceGapReason, string> = {
  asleep: 'Asleep (timers stopped)',
  'network-down': 'Network unreachable',
  paused: 'Paused',
  restart: 'IO Worker not running',
  hired: 'Hired',
  'gpu-fault': 'GPU fault',
};
