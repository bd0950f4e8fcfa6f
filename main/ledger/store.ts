// The ledger's one durable write queue over one node:sqlite file: opening and migrating it, group
// commits of keyed writes, parking them in memory while the disk is full or read-only (frames
// bounded, money never dropped) and landing them when it takes writes again, and this run's session.
import fs from 'node:fs';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Notice } from '../../preload/contract/index.ts';
import { openSqlite } from '../lib/sqlite.ts';
import { SchemaTooNewError, migrate } from './schema.ts';
import { describeDamage, historyEndsAt, type DamagedHistory } from './damaged.ts';
import { CORRUPT_CODES, describeStorageError, diskRefused, sqliteCode } from './storage-errors.ts';
import { Emitter } from '../lib/emitter.ts';

const LEDGER_FILE = 'ledger.db';
/** Frames parked in memory while the disk refuses writes: 15 minutes at 1 Hz. */
const MAX_PARKED_FRAMES = 900;

export class LedgerUnavailableError extends Error {
  override name = 'LedgerUnavailableError';
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

type Write = (db: DatabaseSync) => void;

/** What a flush's catching up did: nothing was due, it committed, or the disk refused it (it stays due). */
export type CatchUp = 'idle' | 'done' | 'refused';

/** A part of the ledger with state beside the file; the store tells it when the file opens, recovers, rolls back and commits. */
export interface LedgerRoom {
  /** The file was (re)opened: anything cached from the old connection is stale. */
  opened?(): void;
  /** A transaction rolled back: ids created inside it are gone. */
  rolledBack?(): void;
  /** Inside the transaction that starts a writer's run on the file: repair what a crash or a refusing disk left. */
  recover?(db: DatabaseSync): void;
  /** Work each flush does after the queued writes land (the rollups). */
  catchUp?(db: DatabaseSync): CatchUp;
}

export class LedgerStore {
  readonly file: string;
  readonly mode: 'writer' | 'reader';
  readonly now: () => number;
  readonly log: (message: string, error?: unknown) => void;
  // Chosen before the database opens, so spans recorded while the disk refuses writes still name their run.
  readonly session = randomInt(1, 2 ** 47);
  readonly #options: LedgerOptions;
  readonly #rooms: LedgerRoom[] = [];
  #db: DatabaseSync | null = null;
  #closed = false;
  #problem: string | null = null;
  #damaged: DamagedHistory | null = null;
  #retryAt = 0;
  #retryDelay = 2000;
  #lastProblemNotice = -Infinity;
  readonly #statements = new Map<string, StatementSync>();
  #commits = 0;
  readonly #pending = new Map<string, Write>();
  readonly #unsavedNotices = new Map<string, Notice & { device: string | null }>(); // shown while the disk refuses them
  #parkedFrames: string[] = [];
  #droppedFrames = 0;
  #seq = 0; // numbers frame keys and the store's own notice ids
  readonly #notices = new Emitter<Notice>((error) => this.log('notice listener failed', error));

  constructor(options: LedgerOptions) {
    this.#options = { ...options };
    this.mode = options.mode ?? 'writer';
    this.file = options.memory ? ':memory:' : path.join(options.dataDir, options.fileName ?? LEDGER_FILE);
    this.now = options.now ?? Date.now;
    this.#retryDelay = options.retryMs ?? 2000;
    this.log = options.log ?? ((message, error) => console.error(`[io-worker] ledger: ${message}`, error ?? ''));
  }

  /** Rooms join before the file opens, so they take part in its recovery. */
  join(room: LedgerRoom): void {
    this.#rooms.push(room);
  }

  /**
   * Opens (creating and migrating) the database. A writer never throws for a full or read-only
   * disk: it comes up unavailable, says why in a notice, and retries on later writes. A reader
   * throws when there is no database to read.
   */
  open(): void {
    if (this.mode === 'reader') {
      if (!this.#options.memory && !fs.existsSync(this.file)) {
        throw new LedgerUnavailableError(`No history in ${this.#options.dataDir}: ${LEDGER_FILE} does not exist yet.`);
      }
      this.#openDatabase();
      return;
    }
    this.#tryOpen();
  }

  /** Null while history is being saved; otherwise one sentence on why not. */
  get problem(): string | null {
    return this.#problem;
  }
  /** The damaged file this run moved aside, and how far its history reached (null: none). */
  get damaged(): DamagedHistory | null {
    return this.#damaged;
  }
  /** The open file, or null while the disk refuses it; reads that must not flush first use this. */
  get db(): DatabaseSync | null {
    return this.#db;
  }
  get closed(): boolean {
    return this.#closed;
  }
  /** Counts a writer's commits: what it read before is current while this is unchanged. */
  get commits(): number {
    return this.#commits;
  }
  /** Notices still waiting for the disk, newest first: the notifications list shows them meanwhile. */
  unsavedNotices(): (Notice & { device: string | null })[] {
    return [...this.#unsavedNotices.values()].sort((a, b) => b.t - a.t);
  }
  /** Writes parked in memory waiting for the disk. */
  get pendingWrites(): number {
    return this.#pending.size;
  }
  get droppedFrames(): number {
    return this.#droppedFrames;
  }

  onNotice(listener: (notice: Notice) => void): () => void {
    return this.#notices.on(listener);
  }

  // ------------------------------------------------------------ opening and failure handling
  #openDatabase(): void {
    const memory = this.#options.memory === true;
    if (this.mode === 'writer' && !memory) fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const db = openSqlite(this.file);
    try {
      db.exec('PRAGMA journal_size_limit = 8388608'); // the WAL shrinks back to 8 MiB after a checkpoint
      if (this.#options.maxPageCount) db.exec(`PRAGMA max_page_count = ${Math.floor(this.#options.maxPageCount)}`);
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    this.#db = db;
    this.#statements.clear();
    for (const room of this.#rooms) room.opened?.();
  }

  #tryOpen(): boolean {
    try {
      try {
        this.#openDatabase();
        this.#recover();
      } catch (error) {
        if (!CORRUPT_CODES.has(sqliteCode(error) ?? -1)) throw error;
        this.#db?.close();
        this.#db = null;
        this.#keepDamagedAside();
        this.#openDatabase();
        this.#recover();
      }
      return true;
    } catch (error) {
      this.#db?.close();
      this.#db = null;
      if (!diskRefused(error) && !(error instanceof SchemaTooNewError)) throw error;
      this.#degrade(error);
      return false;
    }
  }

  /** A damaged file must not keep the worker from starting: keep it aside for inspection, start anew. */
  #keepDamagedAside(): void {
    const aside = `${this.file}.damaged-${this.now()}`;
    const until = historyEndsAt(this.file, this.now());
    for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(this.file + suffix)) fs.renameSync(this.file + suffix, aside + suffix);
    this.#damaged = { aside, until };
    const said = describeDamage(this.#damaged, this.now());
    this.#notify('warning', 'History file was damaged', `${said[0].toUpperCase()}${said.slice(1)} in ${path.dirname(aside)}; IO Worker started a new history file.`);
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
      this.log(`writes paused: ${reason}`, error);
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
    const t = this.now();
    const notice: Notice = { id: `ledger-${t}-${this.#seq++}`, t, level, title, body };
    if (this.mode === 'writer') this.saveNotice(notice, null);
    this.#notices.emit(notice);
  }

  // ------------------------------------------------------------ statements and the write queue
  statement(db: DatabaseSync, sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) this.#statements.set(sql, (s = db.prepare(sql)));
    return s;
  }

  /** A statement whose rows come back as arrays: no object per row, for reads of thousands of rows. */
  arrayStatement(db: DatabaseSync, sql: string): StatementSync {
    const key = `rows:${sql}`;
    let s = this.#statements.get(key);
    if (!s) {
      s = db.prepare(sql);
      s.setReturnArrays(true);
      this.#statements.set(key, s);
    }
    return s;
  }

  requireWriter(): void {
    if (this.mode !== 'writer') throw new Error('This ledger was opened for reading only.');
    if (this.#closed) throw new Error('The ledger is closed.');
  }

  enqueue(key: string, write: Write): void {
    this.#pending.delete(key); // re-queue at the end: the newest state of a key wins and keeps order
    this.#pending.set(key, write);
  }

  /** Queues one telemetry frame; while the disk refuses writes only the newest 15 minutes of frames are kept. */
  enqueueFrame(write: Write): void {
    const key = `frame:${this.#seq++}`;
    this.enqueue(key, write);
    this.#parkedFrames.push(key);
    if (this.#parkedFrames.length > MAX_PARKED_FRAMES) {
      this.#pending.delete(this.#parkedFrames.shift() as string);
      this.#droppedFrames++;
    }
  }

  /** Keeps a notice in the notifications history (same id again replaces it). */
  saveNotice(notice: Notice, device: string | null): void {
    this.#unsavedNotices.set(`notice:${notice.id}`, { ...notice, device });
    this.enqueue(`notice:${notice.id}`, (db) =>
      this.statement(db, 'INSERT OR REPLACE INTO notices (id, t_ms, level, title, body, device) VALUES (?, ?, ?, ?, ?, ?)').run(
        notice.id,
        notice.t,
        notice.level,
        notice.title,
        notice.body,
        device,
      ),
    );
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
        if (diskRefused(error)) {
          this.#degrade(error);
          return false;
        }
        this.log('a queued write failed; retrying one by one', error);
        if (!this.#flushOneByOne(db)) return false;
      }
      this.#pending.clear();
      this.#unsavedNotices.clear();
      this.#parkedFrames = [];
      wrote = true;
    }
    let caughtUp = false;
    for (const room of this.#rooms) {
      const result = room.catchUp?.(db) ?? 'idle';
      if (result === 'refused') return false;
      if (result === 'done') caughtUp = true;
    }
    if (wrote || caughtUp) this.#commits++;
    if (this.#problem !== null && (wrote || caughtUp)) this.#recovered();
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
        if (diskRefused(error)) {
          this.#degrade(error);
          return false;
        }
        this.log(`dropped a write that cannot succeed (${key})`, error);
      }
      this.#pending.delete(key);
      this.#unsavedNotices.delete(key);
    }
    return true;
  }

  /** Runs work in one transaction; false when the disk refused it (writes pause), other errors throw. */
  commitOrPause(db: DatabaseSync, work: () => void): boolean {
    try {
      db.exec('BEGIN IMMEDIATE');
      work();
      db.exec('COMMIT');
      return true;
    } catch (error) {
      this.#rollback(db);
      if (!diskRefused(error)) throw error;
      this.#degrade(error);
      return false;
    }
  }

  #rollback(db: DatabaseSync): void {
    if (db.isTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // SQLite may already have rolled back on its own (e.g. SQLITE_FULL during commit)
      }
    }
    for (const room of this.#rooms) room.rolledBack?.();
  }

  // ------------------------------------------------------------ sessions and crash recovery
  #recover(): void {
    const db = this.#db as DatabaseSync;
    const now = this.now();
    db.exec('BEGIN IMMEDIATE');
    try {
      // A run that never said goodbye ended, unclean, at its last online mark.
      db.prepare(
        `UPDATE sessions SET clean = 0, ended_ms = max(started_ms,
           COALESCE((SELECT max(end_ms) FROM uptime_spans WHERE session = sessions.id), started_ms))
         WHERE ended_ms IS NULL`,
      ).run();
      for (const room of this.#rooms) room.recover?.(db);
      db.prepare('INSERT OR IGNORE INTO sessions (id, started_ms) VALUES (?, ?)').run(this.session, now);
      db.exec('COMMIT');
    } catch (error) {
      this.#rollback(db);
      throw error;
    }
  }

  /** The database for a read, with a writer's queue flushed first; throws LedgerUnavailableError when there is none. */
  readDb(): DatabaseSync {
    if (this.#closed) throw new LedgerUnavailableError('The ledger is closed.');
    if (this.mode === 'writer' && this.#pending.size > 0) this.flush();
    if (!this.#db) throw new LedgerUnavailableError(`History cannot be read: ${this.#problem ?? 'the database is not open.'}`);
    return this.#db;
  }

  /** Caps the database at this many pages (null: SQLite's own limit); at the cap writes park as on a full disk. */
  setMaxPageCount(pages: number | null): void {
    this.#options.maxPageCount = pages ?? undefined;
    this.#db?.exec(`PRAGMA max_page_count = ${pages === null ? 0xfffffffe : Math.max(1, Math.floor(pages))}`);
    this.#retryAt = 0; // try again now: the cap was the reason
  }

  /** Integrity of the file as SQLite sees it: 'ok' or the first problems found. */
  integrityCheck(): string {
    const db = this.readDb();
    return (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  }

  // ------------------------------------------------------------ closing
  /** Queues this run's clean end (the last write of a clean stop). */
  endSession(now: number): void {
    const session = this.session;
    this.enqueue(`session:${session}`, (db) =>
      this.statement(db, 'UPDATE sessions SET ended_ms = max(started_ms, ?), clean = 1 WHERE id = ?').run(now, session),
    );
  }

  /** Lands what it can (one last try even while the disk was refusing), then closes the file. */
  close(): void {
    if (this.#closed) return;
    if (this.mode === 'writer') {
      this.#retryAt = 0;
      this.flush();
      if (this.#pending.size > 0) this.log(`closing with ${this.#pending.size} writes the disk would not take: ${this.#problem}`);
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
