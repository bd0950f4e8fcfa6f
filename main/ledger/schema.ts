// The ledger's tables, as numbered migrations applied in order; PRAGMA user_version records how far
// a database has come. Never edit a shipped migration: add the next one.
import type { DatabaseSync } from 'node:sqlite';
import { PAUSE_SOURCES } from '../../preload/contract/words.ts';
import { applyMigrations } from '../lib/sqlite.ts';

export { SchemaTooNewError } from '../lib/sqlite.ts';

export const MIGRATIONS: readonly string[] = [
  // 1: telemetry, uptime, and what the network and runtime write.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    metric TEXT NOT NULL,
    UNIQUE (device, metric)
  );
  -- Values are hundredths (integers). raw is keyed by time first: each tick appends to one page.
  CREATE TABLE raw (
    t INTEGER NOT NULL,
    series INTEGER NOT NULL,
    v INTEGER NOT NULL,
    PRIMARY KEY (t, series)
  ) WITHOUT ROWID;
  -- m: minutes since the epoch (UTC); h: hours since the epoch (UTC).
  CREATE TABLE rollup_1m (
    series INTEGER NOT NULL,
    m INTEGER NOT NULL,
    n INTEGER NOT NULL,
    lo INTEGER NOT NULL,
    av INTEGER NOT NULL,
    hi INTEGER NOT NULL,
    PRIMARY KEY (series, m)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_1h (
    series INTEGER NOT NULL,
    h INTEGER NOT NULL,
    n INTEGER NOT NULL,
    lo INTEGER NOT NULL,
    av INTEGER NOT NULL,
    hi INTEGER NOT NULL,
    PRIMARY KEY (series, h)
  ) WITHOUT ROWID;

  CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER,
    clean INTEGER NOT NULL DEFAULT 0
  );
  -- Online spans: the runtime was up and the network acknowledged heartbeats.
  CREATE TABLE uptime_spans (
    device TEXT NOT NULL,
    session INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (device, session, start_ms),
    CHECK (end_ms >= start_ms)
  ) WITHOUT ROWID;
  CREATE INDEX uptime_spans_by_end ON uptime_spans (device, end_ms);
  -- Gaps with their reason; end_ms NULL while the gap is still going on.
  CREATE TABLE uptime_gaps (
    device TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('app-closed', 'asleep', 'network-down', 'paused', 'over-temperature')),
    end_ms INTEGER,
    detail TEXT,
    PRIMARY KEY (device, start_ms, reason),
    CHECK (end_ms IS NULL OR end_ms >= start_ms)
  ) WITHOUT ROWID;

  -- Amounts are integers in nano-units of the network's token: sums stay exact.
  -- block_ms: the block's start (UTC ms); block_id: the network's number for it.
  CREATE TABLE block_rewards (
    device TEXT NOT NULL,
    block_ms INTEGER NOT NULL,
    block_id INTEGER,
    status TEXT NOT NULL CHECK (status IN ('passed', 'failed')),
    amount_nano INTEGER NOT NULL CHECK (amount_nano >= 0),
    base_score REAL,
    normalized_score REAL,
    detail TEXT,
    recorded_ms INTEGER NOT NULL,
    PRIMARY KEY (device, block_ms)
  ) WITHOUT ROWID;
  CREATE TABLE payouts (
    id TEXT PRIMARY KEY,
    device TEXT NOT NULL,
    t_ms INTEGER NOT NULL,
    amount_nano INTEGER NOT NULL CHECK (amount_nano >= 0),
    wallet TEXT, -- NULL: paid to the wallet on file at the network
    tx TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'confirmed', 'failed')),
    detail TEXT
  );
  CREATE INDEX payouts_by_time ON payouts (t_ms);
  CREATE TABLE hires (
    id TEXT PRIMARY KEY,
    device TEXT NOT NULL,
    client TEXT,
    started_ms INTEGER NOT NULL,
    reserved_until_ms INTEGER,
    ended_ms INTEGER,
    status TEXT NOT NULL CHECK (status IN ('reserved', 'running', 'completed', 'failed', 'cancelled')),
    minutes_served REAL NOT NULL DEFAULT 0 CHECK (minutes_served >= 0),
    paid_nano INTEGER NOT NULL DEFAULT 0 CHECK (paid_nano >= 0),
    detail TEXT
  );
  CREATE INDEX hires_by_time ON hires (started_ms);
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    hire_id TEXT, -- the hire it ran under, if any (no foreign key: the runtime may report either first)
    device TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('benchmark', 'ray', 'container', 'proof')),
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    exit_code INTEGER,
    detail TEXT
  );
  CREATE INDEX jobs_by_time ON jobs (started_ms);
  CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    t_ms INTEGER NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    device TEXT
  );
  CREATE INDEX notices_by_time ON notices (t_ms);
  `,
  // 2: what the Block Rewards table shows per block. Rows written before stay readable: their new
  // columns are NULL ("not recorded"), never a made-up value.
  `
  ALTER TABLE block_rewards ADD COLUMN tier INTEGER CHECK (tier IS NULL OR tier BETWEEN 0 AND 4);
  ALTER TABLE block_rewards ADD COLUMN processor TEXT CHECK (processor IS NULL OR processor IN ('GPU', 'CPU'));
  ALTER TABLE block_rewards ADD COLUMN quantity INTEGER CHECK (quantity IS NULL OR quantity >= 0);
  ALTER TABLE block_rewards ADD COLUMN pow TEXT;
  ALTER TABLE block_rewards ADD COLUMN potl_answered INTEGER CHECK (potl_answered IS NULL OR potl_answered >= 0);
  ALTER TABLE block_rewards ADD COLUMN potl_issued INTEGER CHECK (potl_issued IS NULL OR potl_issued >= 0);
  -- The history table pages newest first across devices.
  CREATE INDEX block_rewards_by_time ON block_rewards (block_ms DESC);
  `,
  // Pauses are time online but not earning (docs/protocol.md, "Pauses"): kept apart from gaps, with
  // the typed source that held them. The CHECK is built from the one table of pause sources.
  `
  CREATE TABLE pauses (
    device TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN (${PAUSE_SOURCES.map((s) => `'${s}'`).join(', ')})),
    end_ms INTEGER CHECK (end_ms IS NULL OR end_ms >= start_ms),
    detail TEXT,
    PRIMARY KEY (device, start_ms, source)
  ) WITHOUT ROWID;
  `,
  // What the worker saw of each block (docs/architecture.md, main/worker/block-evidence.ts): each
  // challenge (kind potl or pow, item its id) and each gap in its session (kind gap, item
  // reason:start). t_ms: arrival or gap start; a block's record is read back by its time span.
  `
  CREATE TABLE block_evidence (
    device TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('potl', 'pow', 'gap')),
    item TEXT NOT NULL,
    t_ms INTEGER NOT NULL,
    end_ms INTEGER,
    deadline_ms INTEGER,
    answered_ms INTEGER,
    acked_ms INTEGER,
    solve_ms REAL,
    reason TEXT,
    source TEXT,
    problem TEXT,
    refused_code TEXT,
    detail TEXT,
    PRIMARY KEY (device, kind, item)
  ) WITHOUT ROWID;
  CREATE INDEX block_evidence_by_time ON block_evidence (device, t_ms);
  -- When the network closed the block: its span on the time line (NULL: not said).
  ALTER TABLE block_rewards ADD COLUMN closed_ms INTEGER;
  `,
  // Block-reward payouts (docs/protocol.md, "Payouts") beside the hire payments: which kind a payout
  // is, the Solana cluster of its transaction, whether the network only simulated it, and this
  // device's share of it. The payout schedule of the network this worker is on, as last heard.
  `
  ALTER TABLE payouts ADD COLUMN kind TEXT NOT NULL DEFAULT 'hire' CHECK (kind IN ('hire', 'block-rewards'));
  ALTER TABLE payouts ADD COLUMN cluster TEXT CHECK (cluster IS NULL OR cluster IN ('mainnet-beta', 'devnet', 'testnet'));
  ALTER TABLE payouts ADD COLUMN settlement TEXT CHECK (settlement IS NULL OR settlement IN ('simulated', 'on-chain'));
  ALTER TABLE payouts ADD COLUMN share_nano INTEGER CHECK (share_nano IS NULL OR share_nano >= 0);
  CREATE TABLE payout_schedule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    every_s INTEGER NOT NULL CHECK (every_s > 0),
    minimum_nano INTEGER NOT NULL CHECK (minimum_nano >= 0),
    next_ms INTEGER NOT NULL,
    cluster TEXT NOT NULL CHECK (cluster IN ('mainnet-beta', 'devnet', 'testnet')),
    settlement TEXT NOT NULL CHECK (settlement IN ('simulated', 'on-chain')),
    received_ms INTEGER NOT NULL
  );
  `,
  // What this worker sent and received over the network, per hour and run (traffic-record.ts): each
  // run's row holds its absolute bytes for the hour, so the days add runs up without double counting.
  `
  CREATE TABLE traffic_hours (
    device TEXT NOT NULL,
    hour_ms INTEGER NOT NULL,
    run INTEGER NOT NULL,
    sent_bytes INTEGER NOT NULL CHECK (sent_bytes >= 0),
    received_bytes INTEGER NOT NULL CHECK (received_bytes >= 0),
    PRIMARY KEY (device, hour_ms, run)
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the missing migrations, each in its own transaction with its version bump. */
export function migrate(db: DatabaseSync): void {
  applyMigrations(db, MIGRATIONS, (found, known) =>
    `The history database was written by a newer IO Worker (schema ${found}, this one knows ${known}); update IO Worker.`,
  );
}
