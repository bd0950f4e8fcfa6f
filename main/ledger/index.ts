// main/ledger: the local history store (node:sqlite, WAL, one ledger.db in the data dir):
// telemetry rollups, uptime spans and gaps, block rewards, payouts, hires, jobs, notices, and
// their CSV export. May import node built-ins and preload/contract.ts types; nothing else of ours.
export {
  Ledger,
  LedgerUnavailableError,
  LEDGER_FILE,
  isStorageError,
  type BlockReward,
  type Hire,
  type HistoryPoint,
  type Job,
  type LedgerOptions,
  type Payout,
  type Resolution,
  type Streak,
} from './ledger.ts';
export { METRIC_NAMES, type Metric } from './metrics.ts';
export { GAP_REASONS, type GapReason, type UptimeBucket } from './uptime.ts';
export { EXPORT_KINDS, exportCsv, exportCsvText, type ExportKind, type ExportOptions } from './csv.ts';
