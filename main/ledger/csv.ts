// CSV export of the ledger: telemetry rollups, uptime per day, block rewards, traffic per day. Lines are produced
// lazily so the CLI can stream months of rollups without holding them in memory.
import { blockCause, blockWindow } from '../../preload/contract/block-cause.ts';
import { blockCauseSentence, clockTime } from '../../preload/contract/block-words.ts';
import type { BlockRewardRow, ExportResult } from '../../preload/contract/index.ts';
import type { Ledger } from './ledger.ts';
import { GAP_REASONS } from './uptime.ts';

export type ExportKind = ExportResult['what'];
export const EXPORT_KINDS = ['telemetry', 'uptime', 'rewards', 'traffic'] as const satisfies readonly ExportKind[];

export interface ExportOptions {
  from: number;
  to: number;
  /** Telemetry: which rollups (default 1h). */
  resolution?: '1m' | '1h';
  /** Telemetry: 'host' or 'gpu<n>'; uptime and rewards: the network device id. All when absent. */
  device?: string;
  metric?: string;
  /** Uptime days are the user's local days. */
  timeZone?: string;
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
const line = (fields: (string | number | null | undefined)[]) => `${fields.map(csvField).join(',')}\r\n`;
const iso = (t: number) => new Date(t).toISOString();
const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

export function* exportCsv(ledger: Ledger, kind: ExportKind, options: ExportOptions): Generator<string> {
  const { from, to } = options;
  if (!(to > from)) throw new RangeError('The export range must end after it starts.');
  if (kind === 'telemetry') {
    const resolution = options.resolution ?? '1h';
    yield line(['time_utc', 'device', 'metric', 'resolution', 'samples', 'min', 'avg', 'max']);
    for (const r of ledger.rollupRows(from, to, resolution, { device: options.device, metric: options.metric })) {
      yield line([iso(r.t), r.device, r.metric, resolution, r.n, r.min, r.avg, r.max]);
    }
  } else if (kind === 'uptime') {
    yield line(['day', 'device', 'uptime_pct', 'online_s', 'downtime_s', ...GAP_REASONS.map((r) => `${r}_s`), 'unknown_s']);
    const devices = options.device ? [options.device] : ledger.uptimeDevices();
    for (const device of devices) {
      for (const b of ledger.uptimeDays(device, from, to, options.timeZone)) {
        if (b.uptimePct === null) continue; // nothing recorded that day
        yield line([
          b.label,
          device,
          b.uptimePct,
          round(b.onlineSeconds),
          round(b.downtimeSeconds),
          ...GAP_REASONS.map((r) => round(b.downtime[r] ?? 0)),
          round(b.downtime.unknown ?? 0),
        ]);
      }
    }
  } else if (kind === 'rewards') {
    yield line([
      'block_utc', 'block', 'device', 'status', 'amount', 'base_score', 'normalized_score', 'detail',
      'tier', 'processor', 'quantity', 'pow', 'potl_answered', 'potl_issued',
      // What this worker saw of the block (its own record), and the cause in one sentence.
      ...EVIDENCE_COLUMNS,
    ]);
    for (const r of ledger.blockRewards(from, to, options.device)) {
      yield line([
        iso(r.blockStart), r.blockId, r.device, r.status, r.amount, r.baseScore, r.normalizedScore, r.detail,
        r.tier, r.processorType, r.quantity, r.pow, r.potl?.answered, r.potl?.issued,
        ...evidenceFields(ledger, r),
      ]);
    }
  } else if (kind === 'traffic') {
    // This worker's own bytes with the network per local day (never the machine's interface counters).
    yield line(['day', 'device', 'sent_bytes', 'received_bytes']);
    for (const d of ledger.trafficDays(from, to, { device: options.device, timeZone: options.timeZone })) yield line([d.day, d.device, d.sentBytes, d.receivedBytes]);
  } else {
    throw new RangeError(`Nothing to export called "${kind as string}"; choose ${EXPORT_KINDS.join(', ')}.`);
  }
}

const EVIDENCE_COLUMNS = [
  'closed_utc', 'record_kept', 'hired', 'potl_received', 'potl_answered_in_time', 'potl_acknowledged', 'potl_never_arrived',
  'pow_deadline_utc', 'pow_solve_ms', 'pow_sent_utc', 'pow_acknowledged_utc', 'gaps', 'cause',
];
const isoOrNull = (t: number | null) => (t === null ? null : iso(t));

/** The worker's own record of one block, flattened for the CSV; empty fields where it kept none. */
function evidenceFields(ledger: Ledger, r: BlockRewardRow): (string | number | null)[] {
  const closedAt = ledger.blockReward(r.device, r.blockStart)?.closedAt ?? null;
  const w = blockWindow(r.blockStart, closedAt);
  const verdict = { potlIssued: r.potl?.issued ?? null, pow: r.pow, hired: r.pow === 'skipped-hired' };
  const s = ledger.blockRecordSummary(r.device, w.start, w.end, verdict);
  const cause = blockCauseSentence(blockCause(r, w, s?.record ?? null), utcClock);
  if (!s) return [isoOrNull(closedAt), 'no', null, null, null, null, null, null, null, null, null, null, cause];
  const gaps = s.record.gaps
    .map((g) => `${g.reason}${g.source ? ` (${g.source})` : ''} ${iso(g.start)} to ${g.end === null ? 'open' : iso(g.end)}`)
    .join('; ');
  return [
    isoOrNull(closedAt), 'yes', s.record.hired ? 'yes' : 'no', s.potlReceived, s.potlAnsweredInTime, s.potlAcked, s.record.potlNeverArrived,
    isoOrNull(s.powDeadline), s.powSolveMs === null ? null : round(s.powSolveMs, 1), isoOrNull(s.powSentAt), isoOrNull(s.powAckedAt), gaps, cause,
  ];
}
// Made at the first export: a time-zone formatter loads ICU's zone data (about 8 MiB resident).
let utc: ReturnType<typeof clockTime> | undefined;
const utcClock = (t: number) => (utc ??= clockTime('UTC'))(t);

/** The whole export as one string, at most `maxRows` data rows (the contract request uses this). */
export function exportCsvText(ledger: Ledger, kind: ExportKind, options: ExportOptions, maxRows: number): { csv: string; rows: number; truncated: boolean } {
  const parts: string[] = [];
  let rows = -1; // the header is not a row
  let truncated = false;
  for (const text of exportCsv(ledger, kind, options)) {
    if (rows >= maxRows) {
      truncated = true;
      break;
    }
    parts.push(text);
    rows++;
  }
  return { csv: parts.join(''), rows: Math.max(0, rows), truncated };
}
