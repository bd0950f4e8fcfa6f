// The ledger: one node:sqlite database (WAL) in the data dir holding telemetry history (raw,
// 1-minute and 1-hour rollups), uptime spans and gaps, and what the network and runtime write
// (block rewards, payouts, hires, jobs, notices). Writes go through a keyed queue committed in one
// transaction per call, so a full or read-only disk parks them in memory (frames bounded, money
// never dropped) and they land when the disk takes writes again; the app never stops for it.
import fs from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Notice, TelemetryFrame } from '../../preload/contract/index.ts';
import { DEVICE_PATTERN, METRIC_NAMES, SCALE, forEachReading, type Metric } from './metrics.ts';
import { SchemaTooNewError, migrate } from './schema.ts';
import {
  GAP_REASONS,
  checkTimeZone,
  dayBuckets,
  hourBuckets,
  sweepUptime,
  systemTimeZone,
  type GapReason,
  type Interval,
  type ReasonedGap,
  type UptimeBucket,
} from './uptime.ts';

export const LEDGER_FILE = 'ledger.db';
const MINUTE = 60_000;
const HOUR = 3_600_000;
export const RAW_KEEP_MINUTES = 15;
export const MINUTE_KEEP_MINUTES = 7 * 24 * 60;
export const HOUR_KEEP_HOURS = 400 * 24;
/** Frames parked in memory while the disk refuses writes: 15 minutes at 1 Hz. */
const MAX_PARKED_FRAMES = 900;
const NANO = 1_000_000_000;

export class LedgerUnavailableError extends Error {
  override name = 'LedgerUnavailableError';
}

export type Resolution = 'raw' | '1m' | '1h';
export interface HistoryPoint {
  t: number;
  n: number;
  min: number;
  avg: number;
  max: number;
}

/** One bucket of samples as read: [bucket (in steps), count, min, avg, max], values in hundredths. */
type Bucket = [u: number, n: number, lo: number, av: number, hi: number];
interface RawTail {
  version: number;
  step: number;
  first: number;
  newest: number;
  bySeries: Map<number, Bucket[]>;
}

export interface LedgerOptions {
  dataDir: string;
  fileName?: string;
  /** Keep everything in memory (tests, and runs that must not touch the disk). */
  memory?: boolean;
  /** 'writer' (the running worker: records, rolls up, tracks sessions) or 'reader' (export: reads only). */
  mode?: 'writer' | 'reader';
  now?: () => number;
  /** Silence between two online marks longer than this is a gap (default 60 s). */
  onlineToleranceMs?: number;
  /** A hard cap on the database size in pages (4 KiB each); reaching it behaves like a full disk. */
  maxPageCount?: number;
  /** First wait before retrying a refused write (doubles up to a minute; default 2 s). */
  retryMs?: number;
  log?: (message: string, error?: unknown) => void;
}

export interface BlockReward {
  device: string;
  /** Start of the block, UTC ms (blocks are hourly on the network; shorter on a test devnet). */
  blockStart: number;
  /** The network's number for the block, when it has one. */
  blockId?: number | null;
  status: 'passed' | 'failed';
  /** Tokens earned; kept exactly as integer nano-tokens. */
  amount: number;
  baseScore?: number | null;
  normalizedScore?: number | null;
  detail?: string | null;
  /** Connectivity tier 0..4 the network judged for this block; null where it did not say. */
  tier?: number | null;
  processorType?: 'GPU' | 'CPU' | null;
  /** How many processors of that type were scored. */
  quantity?: number | null;
  /** The compute proof's outcome as the network names it (passed, failed, skipped-hired, not-issued). */
  pow?: string | null;
  /** Liveness challenges answered in time, of those issued. */
  potl?: { answered: number; issued: number } | null;
}
/** A block reward as read back, every field present (null: not recorded for that block). */
export type StoredBlockReward = Required<BlockReward> & { recordedAt: number };
export interface Payout {
  id: string;
  device: string;
  t: number;
  amount: number;
  wallet?: string | null;
  tx?: string | null;
  status: 'pending' | 'sent' | 'confirmed' | 'failed';
  detail?: string | null;
}
export interface Hire {
  id: string;
  device: string;
  client?: string | null;
  started: number;
  reservedUntil?: number | null;
  ended?: number | null;
  status: 'reserved' | 'running' | 'completed' | 'failed' | 'cancelled';
  minutesServed?: number;
  paid?: number;
  detail?: string | null;
}
export interface Job {
  id: string;
  hireId?: string | null;
  device: string;
  kind: 'benchmark' | 'ray' | 'container' | 'proof';
  started: number;
  ended?: number | null;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  exitCode?: number | null;
  detail?: string | null;
}

export interface Streak {
  device: string;
  online: boolean;
  since: number | null;
  seconds: number;
}

interface DeviceUptime {
  span: { session: number; start: number; end: number } | null;
  gap: { start: number; reason: GapReason; detail: string | null } | null;
  streakStart: number | null;
  streakMono: number;
}

type Write = (db: DatabaseSync) => void;

// SQLite primary result codes that mean "the disk will not take this now", not "a bug".
const STORAGE_CODES = new Set([3 /* PERM */, 5 /* BUSY */, 8 /* READONLY */, 10 /* IOERR */, 13 /* FULL */, 14 /* CANTOPEN */]);
const CORRUPT_CODES = new Set([11 /* CORRUPT */, 26 /* NOTADB */]);
const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO']);

function sqliteCode(error: unknown): number | null {
  const e = error as { code?: string; errcode?: number };
  return e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number' ? e.errcode & 0xff : null;
}
export function isStorageError(error: unknown): boolean {
  const code = sqliteCode(error);
  if (code !== null) return STORAGE_CODES.has(code);
  return FS_CODES.has(String((error as NodeJS.ErrnoException)?.code));
}

function describeStorageError(error: unknown, file: string): string {
  const code = sqliteCode(error);
  const fsCode = String((error as NodeJS.ErrnoException)?.code);
  if (code === 13 || fsCode === 'ENOSPC' || fsCode === 'EDQUOT') return `The disk holding ${file} is full.`;
  if (code === 8 || code === 3 || fsCode === 'EROFS' || fsCode === 'EACCES' || fsCode === 'EPERM') {
    return `${path.dirname(file)} is read-only or not writable by IO Worker.`;
  }
  if (code === 14) return `${file} cannot be opened (is its folder writable?).`;
  return `Writing ${file} failed (${(error as Error)?.message ?? String(error)}).`;
}

function checkDevice(device: string): string {
  if (typeof device !== 'string' || device.length === 0 || device.length > 128) {
    throw new TypeError(`A device id must be a string of 1 to 128 characters, not ${JSON.stringify(device)}.`);
  }
  return device;
}
function checkTime(name: string, t: number): number {
  if (!Number.isSafeInteger(t) || t < 0) throw new TypeError(`${name} must be a non-negative integer of epoch milliseconds, not ${t}.`);
  return t;
}
function toNano(name: string, amount: number): number {
  const nano = Math.round(amount * NANO);
  if (!Number.isFinite(amount) || amount < 0 || !Number.isSafeInteger(nano)) {
    throw new TypeError(`${name} must be a non-negative token amount below ${Math.floor(Number.MAX_SAFE_INTEGER / NANO)}, not ${amount}.`);
  }
  return nano;
}
function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new TypeError(`${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}.`);
  return value;
}
const fromNano = (nano: number) => nano / NANO;

const REWARD_COLUMNS =
  'device, block_ms, block_id, status, amount_nano, base_score, normalized_score, detail, recorded_ms, tier, processor, quantity, pow, potl_answered, potl_issued';
interface RewardRow {
  device: string;
  block_ms: number;
  block_id: number | null;
  status: 'passed' | 'failed';
  amount_nano: number;
  base_score: number | null;
  normalized_score: number | null;
  detail: string | null;
  recorded_ms: number;
  tier: number | null;
  processor: 'GPU' | 'CPU' | null;
  quantity: number | null;
  pow: string | null;
  potl_answered: number | null;
  potl_issued: number | null;
}
function rewardFromRow(r: RewardRow): StoredBlockReward {
  return {
    device: r.device,
    blockStart: r.block_ms,
    blockId: r.block_id,
    status: r.status,
    amount: fromNano(r.amount_nano),
    baseScore: r.base_score,
    normalizedScore: r.normalized_score,
    detail: r.detail,
    recordedAt: r.recorded_ms,
    tier: r.tier,
    processorType: r.processor,
    quantity: r.quantity,
    pow: r.pow,
    // Both counts or neither: a row from before schema 2 says nothing about POTL.
    potl: r.potl_answered === null || r.potl_issued === null ? null : { answered: r.potl_answered, issued: r.potl_issued },
  };
}
function payoutFromRow(r: Record<string, never>): Payout {
  return {
    id: r.id,
    device: r.device,
    t: r.t_ms,
    amount: fromNano(r.amount_nano),
    wallet: r.wallet,
    tx: r.tx,
    status: r.status,
    detail: r.detail,
  };
}

export class Ledger {
  readonly file: string;
  readonly mode: 'writer' | 'reader';
  readonly #options: LedgerOptions;
  readonly #now: () => number;
  readonly #tolerance: number;
  readonly #log: (message: string, error?: unknown) => void;
  #db: DatabaseSync | null = null;
  #closed = false;
  #problem: string | null = null;
  #retryAt = 0;
  #retryDelay = 2000;
  #lastProblemNotice = -Infinity;
  readonly #statements = new Map<string, StatementSync>();
  #version = 0; // counts a writer's commits: what it read before is current while this is unchanged
  #tail: RawTail | null = null;
  readonly #pending = new Map<string, Write>();
  #parkedFrames: string[] = [];
  #droppedFrames = 0;
  #frameSeq = 0;
  // Chosen before the database opens, so spans recorded while the disk refuses writes still name their run.
  readonly #session = randomInt(1, 2 ** 47);
  readonly #series = new Map<string, number>();
  readonly #uptime = new Map<string, DeviceUptime>();
  #watermark = 0; // every raw minute below it has been rolled up
  #rawKeptFrom = 0; // raw minutes below it have been pruned
  readonly #lateMinutes = new Set<number>();
  #lastFrameMinute = -1;
  #rollupDue = false;
  readonly #noticeListeners = new Set<(notice: Notice) => void>();

  private constructor(options: LedgerOptions) {
    this.#options = { ...options };
    this.mode = options.mode ?? 'writer';
    this.file = options.memory ? ':memory:' : path.join(options.dataDir, options.fileName ?? LEDGER_FILE);
    this.#now = options.now ?? Date.now;
    this.#tolerance = options.onlineToleranceMs ?? 60_000;
    this.#retryDelay = options.retryMs ?? 2000;
    this.#log = options.log ?? ((message, error) => console.error(`[io-worker] ledger: ${message}`, error ?? ''));
  }

  /**
   * Opens (creating and migrating) the database. A writer never throws for a full or read-only
   * disk: it comes up unavailable, says why in a notice, and retries on later writes. A reader
   * throws when there is no database to read.
   */
  static open(options: LedgerOptions): Ledger {
    const ledger = new Ledger(options);
    if (ledger.mode === 'reader') {
      if (!options.memory && !fs.existsSync(ledger.file)) throw new LedgerUnavailableError(`No history in ${options.dataDir}: ${LEDGER_FILE} does not exist yet.`);
      ledger.#openDatabase();
      return ledger;
    }
    ledger.#tryOpen();
    return ledger;
  }

  /** Null while history is being saved; otherwise one sentence on why not. */
  get problem(): string | null {
    return this.#problem;
  }
  get available(): boolean {
    return this.#db !== null;
  }
  /** Writes parked in memory waiting for the disk. */
  get pendingWrites(): number {
    return this.#pending.size;
  }
  get droppedFrames(): number {
    return this.#droppedFrames;
  }

  onNotice(listener: (notice: Notice) => void): () => void {
    this.#noticeListeners.add(listener);
    return () => this.#noticeListeners.delete(listener);
  }

  // ------------------------------------------------------------ opening and failure handling
  #openDatabase(): void {
    const memory = this.#options.memory === true;
    if (this.mode === 'writer' && !memory) fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const db = new DatabaseSync(this.file);
    try {
      db.exec('PRAGMA busy_timeout = 2000');
      const mode = memory
        ? 'wal'
        : (db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string }).journal_mode;
      if (mode !== 'wal') throw new Error(`SQLite refused WAL mode for ${this.file} (got ${mode}).`);
      // WAL + NORMAL: a killed process loses nothing committed; a power cut keeps the file consistent.
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA journal_size_limit = 8388608'); // the WAL shrinks back to 8 MiB after a checkpoint
      if (this.#options.maxPageCount) db.exec(`PRAGMA max_page_count = ${Math.floor(this.#options.maxPageCount)}`);
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#statements.clear();
    this.#series.clear();
    this.#tail = null;
  }

  #tryOpen(): boolean {
    try {
      try {
        this.#openDatabase();
      } catch (error) {
        if (!CORRUPT_CODES.has(sqliteCode(error) ?? -1)) throw error;
        // A damaged file must not keep the worker from starting: keep it aside for inspection, start anew.
        const aside = `${this.file}.damaged-${this.#now()}`;
        for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(this.file + suffix)) fs.renameSync(this.file + suffix, aside + suffix);
        this.#notify('warning', 'History file was damaged', `It was kept as ${aside}; IO Worker started a new one.`);
        this.#openDatabase();
      }
      this.#recover();
      return true;
    } catch (error) {
      this.#db?.close();
      this.#db = null;
      if (!isStorageError(error) && !(error instanceof SchemaTooNewError)) throw error;
      this.#degrade(error);
      return false;
    }
  }

  #degrade(error: unknown): void {
    const reason = error instanceof SchemaTooNewError ? error.message : describeStorageError(error, this.file);
    // One notice per episode, and not more than one per 10 minutes if the disk keeps flapping.
    const first = this.#problem !== reason && performance.now() - this.#lastProblemNotice > 600_000;
    this.#problem = reason;
    this.#retryAt = performance.now() + this.#retryDelay;
    this.#retryDelay = Math.min(this.#retryDelay * 2, 60_000);
    if (first) {
      this.#lastProblemNotice = performance.now();
      this.#log(`writes paused: ${reason}`, error);
      this.#notify(
        'error',
        'History is not being saved',
        `${reason} IO Worker keeps running and keeps the last 15 minutes in memory; it saves again as soon as the disk takes writes.`,
      );
    }
  }

  #recovered(): void {
    const was = this.#problem;
    this.#problem = null;
    this.#retryDelay = this.#options.retryMs ?? 2000;
    const lost = this.#droppedFrames ? ` ${this.#droppedFrames} telemetry samples older than 15 minutes could not be kept.` : '';
    this.#droppedFrames = 0;
    this.#notify('info', 'History is being saved again', `The earlier problem (${was}) is over.${lost}`);
  }

  #notify(level: Notice['level'], title: string, body: string): void {
    const t = this.#now();
    const notice: Notice = { id: `ledger-${t}-${this.#frameSeq++}`, t, level, title, body };
    if (this.mode === 'writer') this.#enqueue(`notice:${notice.id}`, (db) => this.#insertNotice(db, notice, null));
    for (const listener of this.#noticeListeners) {
      try {
        listener(notice);
      } catch (error) {
        this.#log('notice listener failed', error);
      }
    }
  }

  #stmt(db: DatabaseSync, sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) this.#statements.set(sql, (s = db.prepare(sql)));
    return s;
  }

  /** A statement whose rows come back as arrays: no object per row, for reads of thousands of rows. */
  #rows(db: DatabaseSync, sql: string): StatementSync {
    const key = `rows:${sql}`;
    let s = this.#statements.get(key);
    if (!s) {
      s = db.prepare(sql);
      s.setReturnArrays(true);
      this.#statements.set(key, s);
    }
    return s;
  }

  #requireWriter(): void {
    if (this.mode !== 'writer') throw new Error('This ledger was opened for reading only.');
    if (this.#closed) throw new Error('The ledger is closed.');
  }

  #enqueue(key: string, write: Write): void {
    this.#pending.delete(key); // re-queue at the end: the newest state of a key wins and keeps order
    this.#pending.set(key, write);
  }

  /** Commits everything queued in one transaction; false (and keeps it queued) if the disk refuses. */
  flush(): boolean {
    if (this.mode !== 'writer' || this.#closed) return false;
    if (this.#problem !== null && performance.now() < this.#retryAt) return false;
    if (!this.#db && !this.#tryOpen()) return false;
    const db = this.#db as DatabaseSync;
    let wrote = false;
    if (this.#pending.size > 0) {
      try {
        db.exec('BEGIN IMMEDIATE');
        for (const write of this.#pending.values()) write(db);
        db.exec('COMMIT');
      } catch (error) {
        this.#rollback(db);
        if (isStorageError(error)) {
          this.#degrade(error);
          return false;
        }
        this.#log('a queued write failed; retrying one by one', error);
        if (!this.#flushOneByOne(db)) return false;
      }
      this.#pending.clear();
      this.#parkedFrames = [];
      wrote = true;
    }
    let rolled = false;
    if (this.#rollupDue) {
      if (!this.#rollup(db)) return false;
      rolled = true;
    }
    if (wrote || rolled) this.#version++;
    if (this.#problem !== null && (wrote || rolled)) this.#recovered();
    return true;
  }

  /** Isolates a write that can never succeed (dropped, logged); a storage error parks the rest again. */
  #flushOneByOne(db: DatabaseSync): boolean {
    for (const [key, write] of [...this.#pending]) {
      try {
        db.exec('BEGIN IMMEDIATE');
        write(db);
        db.exec('COMMIT');
      } catch (error) {
        this.#rollback(db);
        if (isStorageError(error)) {
          this.#degrade(error);
          return false;
        }
        this.#log(`dropped a write that cannot succeed (${key})`, error);
      }
      this.#pending.delete(key);
    }
    return true;
  }

  #rollback(db: DatabaseSync): void {
    if (db.isTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite may already have rolled back on its own (e.g. SQLITE_FULL during commit)
      }
    }
    this.#series.clear(); // ids created inside the rolled-back transaction are gone
  }

  // ------------------------------------------------------------ sessions and crash recovery
  #recover(): void {
    const db = this.#db as DatabaseSync;
    const now = this.#now();
    db.exec('BEGIN IMMEDIATE');
    try {
      this.#watermark = this.#meta(db, 'rollup_watermark_m');
      this.#rawKeptFrom = this.#meta(db, 'raw_kept_from_m');
      db.prepare(
        `UPDATE sessions SET clean = 0, ended_ms = max(started_ms,
           COALESCE((SELECT max(end_ms) FROM uptime_spans WHERE session = sessions.id), started_ms))
         WHERE ended_ms IS NULL`,
      ).run();
      // Spans still open belong to a run that never said goodbye: it was killed, crashed or lost power.
      const open = db.prepare('SELECT device, session, start_ms, end_ms FROM uptime_spans WHERE closed = 0 AND session != ?').all(this.#session) as {
        device: string;
        session: number;
        start_ms: number;
        end_ms: number;
      }[];
      for (const span of open) {
        db.prepare('UPDATE uptime_spans SET closed = 1 WHERE device = ? AND session = ? AND start_ms = ?').run(
          span.device,
          span.session,
          span.start_ms,
        );
        db.prepare(
          `INSERT INTO uptime_gaps (device, start_ms, reason, end_ms, detail) VALUES (?, ?, 'app-closed', NULL, ?)
           ON CONFLICT DO NOTHING`,
        ).run(span.device, span.end_ms, 'IO Worker stopped unexpectedly (killed, crashed or the power went out).');
      }
      db.prepare('INSERT OR IGNORE INTO sessions (id, started_ms) VALUES (?, ?)').run(this.#session, now);
      // Devices already online in memory (the disk refused writes at first): their old open gap ends where they came back.
      for (const [device, st] of this.#uptime) {
        if (st.span) db.prepare('UPDATE uptime_gaps SET end_ms = max(start_ms, ?) WHERE device = ? AND end_ms IS NULL').run(st.span.start, device);
      }
      db.exec('COMMIT');
    } catch (error) {
      this.#rollback(db);
      throw error;
    }
    // Minutes written after the last rollup (or late, after a clock step back) get rolled up now.
    for (const row of db.prepare('SELECT DISTINCT t / 60000 AS m FROM raw WHERE t < ?').all(this.#watermark * MINUTE) as { m: number }[]) {
      this.#lateMinutes.add(row.m);
    }
    this.#rollupDue = true;
  }

  #meta(db: DatabaseSync, key: string): number {
    const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined;
    return row ? Number(row.value) : 0;
  }
  #setMeta(db: DatabaseSync, key: string, value: number): void {
    this.#stmt(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // ------------------------------------------------------------ telemetry
  #seriesId(db: DatabaseSync, device: string, metric: string): number {
    const key = `${device}\u0000${metric}`;
    let id = this.#series.get(key);
    if (id === undefined) {
      this.#stmt(db, 'INSERT OR IGNORE INTO series (device, metric) VALUES (?, ?)').run(device, metric);
      id = Number((this.#stmt(db, 'SELECT id FROM series WHERE device = ? AND metric = ?').get(device, metric) as { id: number }).id);
      this.#series.set(key, id);
    }
    return id;
  }

  /** Records one sampler frame (all devices); null readings are skipped. */
  recordFrame(frame: TelemetryFrame): void {
    this.#requireWriter();
    const t = checkTime('frame.t', frame.t);
    const readings: [string, Metric, number][] = [];
    forEachReading(frame, (device, metric, value) => {
      const v = Math.round(value * SCALE);
      if (Number.isSafeInteger(v)) readings.push([device, metric, v]);
    });
    const key = `frame:${this.#frameSeq++}`;
    this.#enqueue(key, (db) => {
      const insert = this.#stmt(db, 'INSERT OR REPLACE INTO raw (t, series, v) VALUES (?, ?, ?)');
      for (const [device, metric, v] of readings) insert.run(t, this.#seriesId(db, device, metric), v);
    });
    this.#parkedFrames.push(key);
    if (this.#parkedFrames.length > MAX_PARKED_FRAMES) {
      this.#pending.delete(this.#parkedFrames.shift() as string);
      this.#droppedFrames++;
    }
    const minute = Math.floor(t / MINUTE);
    if (minute < this.#watermark) this.#lateMinutes.add(minute);
    if (minute !== this.#lastFrameMinute) {
      this.#lastFrameMinute = minute;
      this.#rollupDue = true;
    }
    this.flush();
  }

  /** Rolls finished minutes into 1-minute and 1-hour rollups and prunes what is past its keep. */
  #rollup(db: DatabaseSync): boolean {
    const current = Math.floor(this.#now() / MINUTE);
    // A new database starts its watermark at its first sample, so nothing before it is scanned.
    const watermark = this.#watermark > 0 ? this.#watermark : Math.min(current, this.#minRawMinute(db) ?? current);
    const hours = new Set<number>();
    try {
      db.exec('BEGIN IMMEDIATE');
      if (current > watermark) {
        this.#stmt(
          db,
          `INSERT OR REPLACE INTO rollup_1m (series, m, n, lo, av, hi)
           SELECT series, t / 60000, count(*), min(v), CAST(round(avg(v)) AS INTEGER), max(v)
           FROM raw WHERE t >= ? AND t < ? GROUP BY series, t / 60000`,
        ).run(watermark * MINUTE, current * MINUTE);
        for (const row of this.#stmt(db, 'SELECT DISTINCT t / 3600000 AS h FROM raw WHERE t >= ? AND t < ?').all(
          watermark * MINUTE,
          current * MINUTE,
        ) as { h: number }[]) {
          hours.add(row.h);
        }
      }
      for (const m of this.#lateMinutes) {
        if (m >= current) continue;
        if (m >= this.#rawKeptFrom) {
          this.#stmt(
            db,
            `INSERT OR REPLACE INTO rollup_1m (series, m, n, lo, av, hi)
             SELECT series, ?, count(*), min(v), CAST(round(avg(v)) AS INTEGER), max(v)
             FROM raw WHERE t >= ? AND t < ? GROUP BY series`,
          ).run(m, m * MINUTE, (m + 1) * MINUTE);
        } else {
          // Samples that arrived after their minute's raw data was pruned: merge, then drop them so they count once.
          this.#stmt(
            db,
            `INSERT INTO rollup_1m (series, m, n, lo, av, hi)
             SELECT series, ?, count(*), min(v), CAST(round(avg(v)) AS INTEGER), max(v)
             FROM raw WHERE t >= ? AND t < ? GROUP BY series
             ON CONFLICT (series, m) DO UPDATE SET
               av = CAST(round((av * n + excluded.av * excluded.n) * 1.0 / (n + excluded.n)) AS INTEGER),
               n = n + excluded.n, lo = min(lo, excluded.lo), hi = max(hi, excluded.hi)`,
          ).run(m, m * MINUTE, (m + 1) * MINUTE);
          this.#stmt(db, 'DELETE FROM raw WHERE t >= ? AND t < ?').run(m * MINUTE, (m + 1) * MINUTE);
        }
        hours.add(Math.floor(m / 60));
      }
      const newWatermark = Math.max(watermark, current);
      const minuteKeptFrom = newWatermark - MINUTE_KEEP_MINUTES;
      const rollHour = this.#stmt(
        db,
        `INSERT OR REPLACE INTO rollup_1h (series, h, n, lo, av, hi)
         SELECT s.id, ?, sum(r.n), min(r.lo), CAST(round(sum(r.av * r.n) * 1.0 / sum(r.n)) AS INTEGER), max(r.hi)
         FROM series s JOIN rollup_1m r ON r.series = s.id AND r.m >= ? AND r.m < ? GROUP BY s.id`,
      );
      for (const h of hours) if (h * 60 >= minuteKeptFrom) rollHour.run(h, h * 60, h * 60 + 60);

      const rawKeptFrom = newWatermark - RAW_KEEP_MINUTES;
      if (rawKeptFrom > this.#rawKeptFrom) this.#stmt(db, 'DELETE FROM raw WHERE t < ?').run(rawKeptFrom * MINUTE);
      if (newWatermark > this.#watermark) {
        const seriesIds = this.#stmt(db, 'SELECT id FROM series').all() as { id: number }[];
        const pruneMinute = this.#stmt(db, 'DELETE FROM rollup_1m WHERE series = ? AND m < ?');
        const pruneHour = this.#stmt(db, 'DELETE FROM rollup_1h WHERE series = ? AND h < ?');
        for (const { id } of seriesIds) {
          pruneMinute.run(id, minuteKeptFrom);
          pruneHour.run(id, Math.floor(newWatermark / 60) - HOUR_KEEP_HOURS);
        }
      }
      this.#setMeta(db, 'rollup_watermark_m', newWatermark);
      this.#setMeta(db, 'raw_kept_from_m', Math.max(this.#rawKeptFrom, rawKeptFrom));
      db.exec('COMMIT');
      this.#watermark = newWatermark;
      this.#rawKeptFrom = Math.max(this.#rawKeptFrom, rawKeptFrom);
      for (const m of [...this.#lateMinutes]) if (m < current) this.#lateMinutes.delete(m);
      this.#rollupDue = false;
      return true;
    } catch (error) {
      this.#rollback(db);
      if (!isStorageError(error)) throw error;
      this.#degrade(error);
      return false;
    }
  }

  #minRawMinute(db: DatabaseSync): number | null {
    if (this.#watermark > 0) return null;
    const row = this.#stmt(db, 'SELECT min(t) AS t FROM raw').get() as { t: number | null };
    return row.t === null ? null : Math.floor(row.t / MINUTE);
  }

  #readDb(): DatabaseSync {
    if (this.#closed) throw new LedgerUnavailableError('The ledger is closed.');
    if (this.mode === 'writer' && this.#pending.size > 0) this.flush();
    if (!this.#db) throw new LedgerUnavailableError(`History cannot be read: ${this.#problem ?? 'the database is not open.'}`);
    return this.#db;
  }

  /**
   * One chart series. 'raw' is the last 15 minutes as sampled; '1m' and '1h' are rollups, with the
   * minutes not yet rolled up taken straight from the raw samples so a chart reaches "now".
   * `maxPoints` merges neighbours (a day of minutes on a 400-pixel chart) as the rows are read,
   * keeping each bucket's min and max (the peaks) and weighting its average by samples.
   */
  history(
    device: string,
    metric: Metric,
    from: number,
    to: number,
    resolution: Resolution | 'auto' = 'auto',
    maxPoints?: number,
  ): { resolution: Resolution; bucketMs: number; points: HistoryPoint[] } {
    if (!DEVICE_PATTERN.test(device)) throw new RangeError(`Unknown device "${device}": use host or gpu<index>.`);
    if (!METRIC_NAMES.includes(metric)) throw new RangeError(`Unknown metric "${metric}".`);
    if (!(to > from)) throw new RangeError('The range must end after it starts.');
    const db = this.#readDb();
    const now = this.#now();
    const res: Resolution =
      resolution !== 'auto'
        ? resolution
        : from >= now - RAW_KEEP_MINUTES * MINUTE
          ? 'raw'
          : to - from <= 2 * 24 * HOUR && from >= now - MINUTE_KEEP_MINUTES * MINUTE
            ? '1m'
            : '1h';
    const row = this.#stmt(db, 'SELECT id FROM series WHERE device = ? AND metric = ?').get(device, metric) as { id: number } | undefined;
    const points: HistoryPoint[] = [];
    // Rows arrive in time order; a row in the same bucket as the last point merges into it.
    let weighted = 0;
    const add = (t: number, n: number, lo: number, av: number, hi: number) => {
      const last = points.at(-1);
      if (last && last.t === t) {
        weighted += av * n;
        last.n += n;
        last.min = Math.min(last.min, lo / SCALE);
        last.max = Math.max(last.max, hi / SCALE);
        last.avg = Math.round(weighted / last.n) / SCALE;
        return;
      }
      weighted = av * n;
      points.push({ t, n, min: lo / SCALE, avg: Math.round(av) / SCALE, max: hi / SCALE });
    };
    if (res === 'raw') {
      const rows = row
        ? (this.#stmt(db, 'SELECT t, v FROM raw WHERE t >= ? AND t < ? AND series = ? ORDER BY t').all(from, to, row.id) as { t: number; v: number }[])
        : [];
      // Raw samples come at the rate the user set (250 ms to 60 s): the smallest gap is the step.
      let step = Infinity;
      for (let i = 1; i < rows.length; i++) step = Math.min(step, rows[i]!.t - rows[i - 1]!.t);
      if (!Number.isFinite(step) || step <= 0) step = 1000;
      const bucketMs = maxPoints && rows.length > maxPoints ? step * Math.ceil((to - from) / step / maxPoints) : step;
      for (const r of rows) add(bucketMs === step ? r.t : Math.floor(r.t / bucketMs) * bucketMs, 1, r.v, r.v, r.v);
      return { resolution: res, bucketMs, points };
    }
    const step = res === '1m' ? MINUTE : HOUR;
    const k = maxPoints ? Math.max(1, Math.ceil((to - from) / step / maxPoints)) : 1;
    const bucketMs = step * k;
    if (!row) return { resolution: res, bucketMs, points };
    const unit = res === '1m' ? 'm' : 'h';
    const table = res === '1m' ? 'rollup_1m' : 'rollup_1h';
    const first = Math.floor(from / step);
    const end = Math.ceil(to / step);
    let last = first - 1;
    // Merged here rather than by a GROUP BY on u / k, which SQLite sorts in a temporary b-tree.
    for (const [u, n, lo, av, hi] of this.#rows(db, `SELECT ${unit}, n, lo, av, hi FROM ${table} WHERE series = ? AND ${unit} >= ? AND ${unit} < ? ORDER BY ${unit}`).all(
      row.id,
      first,
      end,
    ) as unknown as Bucket[]) {
      add(Math.floor(u / k) * bucketMs, n, lo, av, hi);
      last = u;
    }
    const tailFrom = Math.max(from, (last + 1) * step);
    if (tailFrom < to) {
      for (const [u, n, lo, av, hi] of this.#rawTail(db, row.id, Math.floor(tailFrom / step), to, step)) {
        if (u > last) add(Math.floor(u / k) * bucketMs, n, lo, av, hi);
      }
    }
    return { resolution: res, bucketMs, points };
  }

  /**
   * Raw samples from bucket `first` (in steps) up to `to`, per step, for a series whose rollups end
   * before them. raw is keyed by time first, so reading one series scans them all: a writer scans
   * once for every series and keeps the answer until its next commit (a chart's lines ask in a burst).
   */
  #rawTail(db: DatabaseSync, series: number, first: number, to: number, step: number): Bucket[] {
    const columns = `t / ${step} AS u, count(*), min(v), avg(v), max(v)`;
    const tail = this.#tail;
    const fresh = tail && tail.version === this.#version && tail.step === step && tail.first <= first && to > tail.newest;
    if (fresh) return (tail.bySeries.get(series) ?? []).filter((b) => b[0] >= first);
    const newest = (this.#stmt(db, 'SELECT max(t) AS t FROM raw').get() as { t: number | null }).t ?? -Infinity;
    if (this.mode !== 'writer' || to <= newest) {
      return this.#rows(db, `SELECT ${columns} FROM raw WHERE t >= ? AND t < ? AND series = ? GROUP BY u ORDER BY u`).all(first * step, to, series) as unknown as Bucket[];
    }
    const bySeries = new Map<number, Bucket[]>();
    for (const [id, ...bucket] of this.#rows(db, `SELECT series, ${columns} FROM raw WHERE t >= ? GROUP BY series, u ORDER BY series, u`).all(first * step) as unknown as [number, ...Bucket][]) {
      let list = bySeries.get(id);
      if (!list) bySeries.set(id, (list = []));
      list.push(bucket);
    }
    this.#tail = { version: this.#version, step, first, newest, bySeries };
    return bySeries.get(series) ?? [];
  }

  /** Time of the newest raw sample (null when none is kept). */
  latestSample(): number | null {
    const row = this.#stmt(this.#readDb(), 'SELECT max(t) AS t FROM raw').get() as { t: number | null };
    return row.t;
  }

  /** Telemetry rollup rows in a range, in device, metric, time order (the CSV export reads this). */
  *rollupRows(from: number, to: number, resolution: '1m' | '1h', filter: { device?: string; metric?: string } = {}): Generator<{
    t: number;
    device: string;
    metric: string;
    n: number;
    min: number;
    avg: number;
    max: number;
  }> {
    const db = this.#readDb();
    const step = resolution === '1m' ? MINUTE : HOUR;
    const table = resolution === '1m' ? 'rollup_1m' : 'rollup_1h';
    const unit = resolution === '1m' ? 'm' : 'h';
    const rows = db
      .prepare(
        `SELECT s.device AS device, s.metric AS metric, r.${unit} AS u, r.n AS n, r.lo AS lo, r.av AS av, r.hi AS hi
         FROM series s JOIN ${table} r ON r.series = s.id AND r.${unit} >= ?1 AND r.${unit} < ?2
         WHERE (?3 IS NULL OR s.device = ?3) AND (?4 IS NULL OR s.metric = ?4)
         ORDER BY s.device, s.metric, r.${unit}`,
      )
      .iterate(Math.floor(from / step), Math.ceil(to / step), filter.device ?? null, filter.metric ?? null) as Iterable<{
      device: string;
      metric: string;
      u: number;
      n: number;
      lo: number;
      av: number;
      hi: number;
    }>;
    for (const r of rows) {
      yield { t: r.u * step, device: r.device, metric: r.metric, n: r.n, min: r.lo / SCALE, avg: r.av / SCALE, max: r.hi / SCALE };
    }
  }

  // ------------------------------------------------------------ uptime
  #deviceState(device: string): DeviceUptime {
    let st = this.#uptime.get(device);
    if (!st) {
      st = { span: null, gap: null, streakStart: null, streakMono: 0 };
      if (this.#db) {
        const gap = this.#stmt(
          this.#db,
          'SELECT start_ms, reason, detail FROM uptime_gaps WHERE device = ? AND end_ms IS NULL ORDER BY start_ms DESC LIMIT 1',
        ).get(device) as { start_ms: number; reason: GapReason; detail: string | null } | undefined;
        if (gap) st.gap = { start: gap.start_ms, reason: gap.reason, detail: gap.detail };
      }
      this.#uptime.set(device, st);
    }
    return st;
  }

  #putSpan(device: string, span: { session: number; start: number; end: number }, closed: boolean): void {
    const { session, start, end } = span;
    this.#enqueue(`span:${device}:${session}:${start}`, (db) =>
      this.#stmt(
        db,
        `INSERT INTO uptime_spans (device, session, start_ms, end_ms, closed) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device, session, start_ms) DO UPDATE SET end_ms = max(end_ms, excluded.end_ms), closed = max(closed, excluded.closed)`,
      ).run(device, session, start, end, closed ? 1 : 0),
    );
  }

  #putGap(device: string, gap: { start: number; reason: GapReason; detail: string | null }, end: number | null): void {
    const { start, reason, detail } = gap;
    this.#enqueue(`gap:${device}:${start}:${reason}`, (db) =>
      this.#stmt(
        db,
        `INSERT INTO uptime_gaps (device, start_ms, reason, end_ms, detail) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device, start_ms, reason) DO UPDATE SET end_ms = excluded.end_ms, detail = excluded.detail`,
      ).run(device, start, reason, end === null ? null : Math.max(start, end), detail),
    );
  }

  #startSpan(device: string, st: DeviceUptime, t: number, newStreak: boolean): void {
    st.span = { session: this.#session, start: t, end: t };
    if (newStreak || st.streakStart === null) {
      st.streakStart = t;
      st.streakMono = performance.now();
    }
    this.#putSpan(device, st.span, false);
  }

  /**
   * The device is online at t: the runtime is up and the network acknowledged its heartbeat.
   * Call it on every acknowledged heartbeat; silence longer than the tolerance becomes a gap.
   */
  markOnline(device: string, t = this.#now()): void {
    this.#requireWriter();
    checkDevice(device);
    checkTime('t', t);
    const st = this.#deviceState(device);
    if (st.span) {
      const delta = t - st.span.end;
      if (delta >= 0 && delta <= this.#tolerance) {
        st.span.end = t;
        this.#putSpan(device, st.span, false);
      } else if (delta < -this.#tolerance) {
        // The clock stepped back: what was online stays online; a new span continues the same streak.
        this.#putSpan(device, st.span, true);
        this.#startSpan(device, st, t, false);
      } else if (delta > this.#tolerance) {
        // No mark for longer than the tolerance while running: the machine slept, or the clock leapt.
        const gap = { start: st.span.end, reason: 'asleep' as const, detail: 'No heartbeat while the machine was asleep (or the clock jumped).' };
        this.#putSpan(device, st.span, true);
        this.#putGap(device, gap, t);
        this.#startSpan(device, st, t, true);
      } // a small step back is clock jitter: nothing to record
    } else {
      if (st.gap) {
        this.#putGap(device, st.gap, Math.max(st.gap.start, t));
        st.gap = null;
      }
      this.#startSpan(device, st, t, true);
    }
    this.flush();
  }

  /** The device went offline at t for this reason (paused, network down, over temperature, ...). */
  markGap(device: string, reason: GapReason, t = this.#now(), detail: string | null = null): void {
    this.#requireWriter();
    checkDevice(device);
    checkTime('t', t);
    oneOf('reason', reason, GAP_REASONS);
    const st = this.#deviceState(device);
    if (st.span) {
      const delta = t - st.span.end;
      if (delta > 0 && delta <= this.#tolerance) st.span.end = t;
      this.#putSpan(device, st.span, true);
      st.gap = { start: st.span.end, reason, detail };
      st.span = null;
      st.streakStart = null;
      this.#putGap(device, st.gap, null);
    } else if (st.gap) {
      if (st.gap.reason === reason) return;
      const at = Math.max(st.gap.start, t);
      this.#putGap(device, st.gap, at);
      st.gap = { start: at, reason, detail };
      this.#putGap(device, st.gap, null);
    } else {
      st.gap = { start: t, reason, detail };
      this.#putGap(device, st.gap, null);
    }
    this.flush();
  }

  /** The continuous-uptime streak: since when the device has been online without a gap or restart. */
  streak(device: string): Streak {
    checkDevice(device);
    const now = this.#now();
    const st = this.#uptime.get(device);
    if (st?.span && st.streakStart !== null) {
      const online = now - st.span.end <= this.#tolerance;
      // Seconds from the monotonic clock: a wall-clock step cannot make a streak negative or inflate it.
      const seconds = online ? Math.max(0, (performance.now() - st.streakMono) / 1000) : 0;
      return { device, online, since: online ? st.streakStart : null, seconds: Math.round(seconds) };
    }
    if (this.mode === 'reader' && this.#db) {
      const row = this.#stmt(
        this.#db,
        'SELECT start_ms, end_ms FROM uptime_spans WHERE device = ? AND closed = 0 ORDER BY end_ms DESC LIMIT 1',
      ).get(device) as { start_ms: number; end_ms: number } | undefined;
      if (row && now - row.end_ms <= this.#tolerance) {
        return { device, online: true, since: row.start_ms, seconds: Math.max(0, Math.round((now - row.start_ms) / 1000)) };
      }
    }
    return { device, online: false, since: null, seconds: 0 };
  }

  #firstRecord(device: string): number | null {
    const row = this.#stmt(
      this.#readDb(),
      `SELECT min(s) AS s FROM (SELECT min(start_ms) AS s FROM uptime_spans WHERE device = ?1
       UNION ALL SELECT min(start_ms) FROM uptime_gaps WHERE device = ?1)`,
    ).get(device) as { s: number | null };
    const st = this.#uptime.get(device);
    const live = [st?.span?.start, st?.gap?.start].filter((t): t is number => t !== undefined);
    return live.length === 0 ? row.s : Math.min(row.s ?? Infinity, ...live);
  }

  /** An open span whose last mark is within the tolerance is online up to now (the next mark is on its way). */
  #liveEnd(end: number, now: number): number {
    return now >= end && now - end <= this.#tolerance ? now : end;
  }

  #uptimeInputs(device: string, from: number, to: number): { spans: Interval[]; gaps: ReasonedGap[]; recordedFrom: number | null } {
    const db = this.#readDb();
    const now = this.#now();
    const spans = (
      this.#stmt(db, 'SELECT start_ms, end_ms, closed FROM uptime_spans WHERE device = ? AND end_ms >= ? AND start_ms < ?').all(
        device,
        from - this.#tolerance,
        to,
      ) as { start_ms: number; end_ms: number; closed: number }[]
    ).map((r) => ({ start: r.start_ms, end: r.closed === 0 ? this.#liveEnd(r.end_ms, now) : r.end_ms }));
    const gaps = (
      this.#stmt(
        db,
        'SELECT start_ms, end_ms, reason FROM uptime_gaps WHERE device = ? AND (end_ms IS NULL OR end_ms >= ?) AND start_ms < ?',
      ).all(device, from, to) as { start_ms: number; end_ms: number | null; reason: GapReason }[]
    ).map((r) => ({ start: r.start_ms, end: r.end_ms ?? Math.max(r.start_ms, now), reason: r.reason }));
    const st = this.#uptime.get(device);
    if (st?.span) spans.push({ start: st.span.start, end: this.#liveEnd(st.span.end, now) });
    if (st?.gap) gaps.push({ start: st.gap.start, end: Math.max(st.gap.start, now), reason: st.gap.reason });
    let recordedFrom = this.#firstRecord(device);
    for (const i of [...spans, ...gaps]) recordedFrom = recordedFrom === null ? i.start : Math.min(recordedFrom, i.start);
    return { spans, gaps, recordedFrom };
  }

  /** The uptime bar: per local day (or per UTC hour, the network's blocks) for the last `days`. */
  uptimeBar(device: string, options: { days?: number; resolution?: 'day' | 'hour'; timeZone?: string } = {}): {
    device: string;
    timeZone: string;
    resolution: 'day' | 'hour';
    buckets: UptimeBucket[];
  } {
    checkDevice(device);
    const days = options.days ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 400) throw new RangeError('days must be an integer from 1 to 400.');
    const resolution = options.resolution ?? 'day';
    const timeZone = checkTimeZone(options.timeZone ?? systemTimeZone());
    const now = this.#now();
    const buckets = resolution === 'day' ? dayBuckets(now, days, timeZone) : hourBuckets(now, days * 24);
    const from = buckets[0].start;
    const to = buckets[buckets.length - 1].end;
    const { spans, gaps, recordedFrom } = this.#uptimeInputs(device, from, to);
    return { device, timeZone, resolution, buckets: sweepUptime(buckets, spans, gaps, recordedFrom, now) };
  }

  /** Per-day uptime between two instants (the export): whole local days touching [from, to). */
  uptimeDays(device: string, from: number, to: number, timeZone = systemTimeZone()): UptimeBucket[] {
    checkDevice(device);
    checkTimeZone(timeZone);
    const now = this.#now();
    const end = Math.min(to, now);
    const first = this.#firstRecord(device);
    if (first === null || first >= to) return [];
    from = Math.max(from, first); // no rows for the years before the first run
    const days = Math.min(400 * 3, Math.max(1, Math.ceil((end - from) / (24 * HOUR)) + 1));
    const buckets = dayBuckets(end, days, timeZone).filter((b) => b.end > from && b.start < to);
    if (buckets.length === 0) return [];
    const { spans, gaps, recordedFrom } = this.#uptimeInputs(device, buckets[0].start, buckets[buckets.length - 1].end);
    return sweepUptime(buckets, spans, gaps, recordedFrom, now);
  }

  /** Devices that have uptime history, for exports across all of them. */
  uptimeDevices(): string[] {
    const db = this.#readDb();
    return (db.prepare('SELECT device FROM uptime_spans UNION SELECT device FROM uptime_gaps ORDER BY device').all() as { device: string }[]).map(
      (r) => r.device,
    );
  }

  // ------------------------------------------------------------ what the network and runtime write
  /** One hourly block's outcome for a device; recording the same block again replaces it. */
  recordBlockReward(reward: BlockReward): void {
    this.#requireWriter();
    const device = checkDevice(reward.device);
    const block = checkTime('blockStart', reward.blockStart);
    const blockId = reward.blockId ?? null;
    if (blockId !== null && !Number.isSafeInteger(blockId)) throw new TypeError(`blockId must be an integer, not ${blockId}.`);
    const status = oneOf('status', reward.status, ['passed', 'failed'] as const);
    const nano = toNano('amount', reward.amount);
    if (status === 'failed' && nano !== 0) throw new TypeError('A failed block earns nothing: amount must be 0.');
    const count = (name: string, v: number | null | undefined, max = Number.MAX_SAFE_INTEGER) => {
      if (v == null) return null;
      if (!Number.isSafeInteger(v) || v < 0 || v > max) throw new TypeError(`${name} must be an integer from 0 to ${max}, not ${v}.`);
      return v;
    };
    const tier = count('tier', reward.tier, 4);
    const processor = reward.processorType == null ? null : oneOf('processorType', reward.processorType, ['GPU', 'CPU'] as const);
    const quantity = count('quantity', reward.quantity);
    const potl = reward.potl ?? null;
    const answered = count('potl.answered', potl?.answered);
    const issued = count('potl.issued', potl?.issued);
    if (answered !== null && issued !== null && answered > issued) throw new TypeError(`potl.answered (${answered}) cannot exceed potl.issued (${issued}).`);
    const pow = reward.pow == null ? null : String(reward.pow).slice(0, 64);
    const recorded = this.#now();
    const row = [
      device, block, blockId, status, nano, reward.baseScore ?? null, reward.normalizedScore ?? null, reward.detail ?? null, recorded,
      tier, processor, quantity, pow, answered, issued,
    ] as const;
    this.#enqueue(`reward:${device}:${block}`, (db) =>
      this.#stmt(
        db,
        `INSERT OR REPLACE INTO block_rewards (device, block_ms, block_id, status, amount_nano, base_score, normalized_score, detail, recorded_ms,
           tier, processor, quantity, pow, potl_answered, potl_issued)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...row),
    );
    this.flush();
  }

  recordPayout(payout: Payout): void {
    this.#requireWriter();
    if (!payout.id) throw new TypeError('A payout needs an id.');
    const row = [
      payout.id,
      checkDevice(payout.device),
      checkTime('t', payout.t),
      toNano('amount', payout.amount),
      payout.wallet ?? null,
      payout.tx ?? null,
      oneOf('status', payout.status, ['pending', 'sent', 'confirmed', 'failed'] as const),
      payout.detail ?? null,
    ] as const;
    this.#enqueue(`payout:${payout.id}`, (db) =>
      this.#stmt(db, 'INSERT OR REPLACE INTO payouts (id, device, t_ms, amount_nano, wallet, tx, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(...row),
    );
    this.flush();
  }

  recordHire(hire: Hire): void {
    this.#requireWriter();
    if (!hire.id) throw new TypeError('A hire needs an id.');
    const minutes = hire.minutesServed ?? 0;
    if (!Number.isFinite(minutes) || minutes < 0) throw new TypeError(`minutesServed must be >= 0, not ${minutes}.`);
    const row = [
      hire.id,
      checkDevice(hire.device),
      hire.client ?? null,
      checkTime('started', hire.started),
      hire.reservedUntil == null ? null : checkTime('reservedUntil', hire.reservedUntil),
      hire.ended == null ? null : checkTime('ended', hire.ended),
      oneOf('status', hire.status, ['reserved', 'running', 'completed', 'failed', 'cancelled'] as const),
      minutes,
      toNano('paid', hire.paid ?? 0),
      hire.detail ?? null,
    ] as const;
    this.#enqueue(`hire:${hire.id}`, (db) =>
      this.#stmt(
        db,
        // A later report keeps the first start time and never lowers what was served or paid.
        `INSERT INTO hires (id, device, client, started_ms, reserved_until_ms, ended_ms, status, minutes_served, paid_nano, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET client = COALESCE(excluded.client, client), started_ms = min(started_ms, excluded.started_ms),
           reserved_until_ms = COALESCE(excluded.reserved_until_ms, reserved_until_ms), ended_ms = COALESCE(excluded.ended_ms, ended_ms),
           status = excluded.status, minutes_served = max(minutes_served, excluded.minutes_served),
           paid_nano = max(paid_nano, excluded.paid_nano), detail = COALESCE(excluded.detail, detail)`,
      ).run(...row),
    );
    this.flush();
  }

  recordJob(job: Job): void {
    this.#requireWriter();
    if (!job.id) throw new TypeError('A job needs an id.');
    const row = [
      job.id,
      job.hireId ?? null,
      checkDevice(job.device),
      oneOf('kind', job.kind, ['benchmark', 'ray', 'container', 'proof'] as const),
      checkTime('started', job.started),
      job.ended == null ? null : checkTime('ended', job.ended),
      oneOf('status', job.status, ['running', 'completed', 'failed', 'cancelled'] as const),
      job.exitCode ?? null,
      job.detail ?? null,
    ] as const;
    this.#enqueue(`job:${job.id}`, (db) =>
      this.#stmt(
        db,
        'INSERT OR REPLACE INTO jobs (id, hire_id, device, kind, started_ms, ended_ms, status, exit_code, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(...row),
    );
    this.flush();
  }

  /** Keeps a notice in the notifications history (same id again replaces it). */
  recordNotice(notice: Notice, device: string | null = null): void {
    this.#requireWriter();
    if (!notice.id) throw new TypeError('A notice needs an id.');
    checkTime('t', notice.t);
    oneOf('level', notice.level, ['info', 'warning', 'error'] as const);
    const copy = { ...notice };
    this.#enqueue(`notice:${notice.id}`, (db) => this.#insertNotice(db, copy, device));
    this.flush();
  }

  #insertNotice(db: DatabaseSync, notice: Notice, device: string | null): void {
    this.#stmt(db, 'INSERT OR REPLACE INTO notices (id, t_ms, level, title, body, device) VALUES (?, ?, ?, ?, ?, ?)').run(
      notice.id,
      notice.t,
      notice.level,
      notice.title,
      notice.body,
      device,
    );
  }

  blockRewards(from: number, to: number, device?: string): StoredBlockReward[] {
    const db = this.#readDb();
    return (
      this.#stmt(
        db,
        `SELECT ${REWARD_COLUMNS} FROM block_rewards
         WHERE block_ms >= ? AND block_ms < ? AND (?3 IS NULL OR device = ?3) ORDER BY block_ms, device`,
      ).all(from, to, device ?? null) as unknown as RewardRow[]
    ).map(rewardFromRow);
  }

  /** One page of the Block Rewards history, newest first (page 1 is the newest), with the total count. */
  rewardsPage(page: number, pageSize: number, device?: string): { rows: StoredBlockReward[]; total: number } {
    if (!Number.isSafeInteger(page) || page < 1) throw new RangeError('page must be a whole number from 1.');
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError('pageSize must be from 1 to 1000.');
    const db = this.#readDb();
    const total = Number(
      (this.#stmt(db, 'SELECT count(*) AS n FROM block_rewards WHERE (?1 IS NULL OR device = ?1)').get(device ?? null) as { n: number }).n,
    );
    const rows = (
      this.#stmt(
        db,
        `SELECT ${REWARD_COLUMNS} FROM block_rewards WHERE (?1 IS NULL OR device = ?1)
         ORDER BY block_ms DESC, device LIMIT ?2 OFFSET ?3`,
      ).all(device ?? null, pageSize, (page - 1) * pageSize) as unknown as RewardRow[]
    ).map(rewardFromRow);
    return { rows, total };
  }

  /**
   * Everything earned as of now, exact: block rewards and their pass/fail counts, hire payments
   * (payouts not failed) and hours of hired compute served.
   */
  earningsTotals(): { blockRewards: number; blocksPassed: number; blocksFailed: number; jobEarnings: number; computeHours: number } {
    const db = this.#readDb();
    const blocks = this.#stmt(
      db,
      `SELECT COALESCE(sum(amount_nano), 0) AS s, COALESCE(sum(status = 'passed'), 0) AS passed, COALESCE(sum(status = 'failed'), 0) AS failed
       FROM block_rewards`,
    ).get() as { s: number; passed: number; failed: number };
    const paid = this.#stmt(db, "SELECT COALESCE(sum(amount_nano), 0) AS s FROM payouts WHERE status != 'failed'").get() as { s: number };
    const served = this.#stmt(db, 'SELECT COALESCE(sum(minutes_served), 0) AS m FROM hires').get() as { m: number };
    return {
      blockRewards: fromNano(Number(blocks.s)),
      blocksPassed: Number(blocks.passed),
      blocksFailed: Number(blocks.failed),
      jobEarnings: fromNano(Number(paid.s)),
      computeHours: Number(served.m) / 60,
    };
  }

  /** Payouts (not failed) made in [from, to), oldest first: the daily earnings' hire payments. */
  payoutsBetween(from: number, to: number): Payout[] {
    const db = this.#readDb();
    return (
      this.#stmt(db, "SELECT * FROM payouts WHERE t_ms >= ? AND t_ms < ? AND status != 'failed' ORDER BY t_ms").all(from, to) as Record<string, never>[]
    ).map(payoutFromRow);
  }

  /** Total earned in a range, exact (summed as integer nano-tokens). */
  rewardTotal(from: number, to: number, device?: string): number {
    const db = this.#readDb();
    const row = this.#stmt(
      db,
      'SELECT COALESCE(sum(amount_nano), 0) AS s FROM block_rewards WHERE block_ms >= ? AND block_ms < ? AND (?3 IS NULL OR device = ?3)',
    ).get(from, to, device ?? null) as { s: number };
    return fromNano(Number(row.s));
  }

  payouts(limit = 100): Payout[] {
    const db = this.#readDb();
    return (this.#stmt(db, 'SELECT * FROM payouts ORDER BY t_ms DESC LIMIT ?').all(limit) as Record<string, never>[]).map(payoutFromRow);
  }

  hires(limit = 100): Required<Hire>[] {
    const db = this.#readDb();
    return (this.#stmt(db, 'SELECT * FROM hires ORDER BY started_ms DESC LIMIT ?').all(limit) as Record<string, never>[]).map((r) => ({
      id: r.id,
      device: r.device,
      client: r.client,
      started: r.started_ms,
      reservedUntil: r.reserved_until_ms,
      ended: r.ended_ms,
      status: r.status,
      minutesServed: r.minutes_served,
      paid: fromNano(r.paid_nano),
      detail: r.detail,
    }));
  }

  jobs(limit = 100): Required<Job>[] {
    const db = this.#readDb();
    return (this.#stmt(db, 'SELECT * FROM jobs ORDER BY started_ms DESC LIMIT ?').all(limit) as Record<string, never>[]).map((r) => ({
      id: r.id,
      hireId: r.hire_id,
      device: r.device,
      kind: r.kind,
      started: r.started_ms,
      ended: r.ended_ms,
      status: r.status,
      exitCode: r.exit_code,
      detail: r.detail,
    }));
  }

  notices(limit = 100): (Notice & { device: string | null })[] {
    const db = this.#readDb();
    return (this.#stmt(db, 'SELECT * FROM notices ORDER BY t_ms DESC LIMIT ?').all(limit) as Record<string, never>[]).map((r) => ({
      id: r.id,
      t: r.t_ms,
      level: r.level,
      title: r.title,
      body: r.body,
      device: r.device,
    }));
  }

  /** Caps the database at this many pages (null: SQLite's own limit); at the cap writes park as on a full disk. */
  setMaxPageCount(pages: number | null): void {
    this.#options.maxPageCount = pages ?? undefined;
    this.#db?.exec(`PRAGMA max_page_count = ${pages === null ? 0xfffffffe : Math.max(1, Math.floor(pages))}`);
    this.#retryAt = 0; // try again now: the cap was the reason
  }

  /** Integrity of the file as SQLite sees it: 'ok' or the first problems found. */
  integrityCheck(): string {
    const db = this.#readDb();
    return (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  }

  // ------------------------------------------------------------ closing
  /** A clean stop: open spans end as 'app-closed', the session is marked clean, rollups are brought up to date. */
  close(): void {
    if (this.#closed) return;
    if (this.mode === 'writer') {
      const now = this.#now();
      for (const [device, st] of this.#uptime) if (st.span) this.markGap(device, 'app-closed', now, 'IO Worker was closed.');
      const session = this.#session;
      if (session) {
        this.#enqueue(`session:${session}`, (db) =>
          this.#stmt(db, 'UPDATE sessions SET ended_ms = max(started_ms, ?), clean = 1 WHERE id = ?').run(now, session),
        );
      }
      this.#rollupDue = true;
      this.#retryAt = 0; // one last try even while the disk was refusing
      this.flush();
      if (this.#pending.size > 0) this.#log(`closing with ${this.#pending.size} writes the disk would not take: ${this.#problem}`);
    }
    this.#closed = true;
    if (this.#db) {
      try {
        this.#db.exec('PRAGMA optimize');
      } catch {
        // optimizing is a courtesy; a full disk must not block closing
      }
      this.#db.close();
      this.#db = null;
    }
  }
}
