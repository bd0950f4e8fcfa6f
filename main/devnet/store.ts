// The coordinator's own node:sqlite store (WAL): accounts, devices, heartbeats, blocks and their
// per-device outcomes, hires. Versioned migrations; every write a restart must not lose lands here.
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { PAUSE_SOURCES } from '../../preload/contract/words.ts';
import { applyMigrations, openSqlite } from '../lib/sqlite.ts';
import type { WirePause } from '../worker/protocol.ts';

const MIGRATIONS: string[] = [
  `CREATE TABLE accounts (id TEXT PRIMARY KEY, public_key TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE devices (
     id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), public_key TEXT NOT NULL,
     name TEXT NOT NULL, wallet TEXT, inventory TEXT NOT NULL, processor_type TEXT NOT NULL, model TEXT NOT NULL,
     quantity INTEGER NOT NULL, multiplier REAL NOT NULL, speed TEXT, tier INTEGER NOT NULL DEFAULT 0,
     registered_at INTEGER NOT NULL, last_beat_at INTEGER, online_since INTEGER, session_started_at INTEGER,
     paused TEXT, blocked INTEGER NOT NULL DEFAULT 0, deleted_at INTEGER, services TEXT NOT NULL DEFAULT '[]',
     heartbeats INTEGER NOT NULL DEFAULT 0, rx_bytes REAL NOT NULL DEFAULT 0, tx_bytes REAL NOT NULL DEFAULT 0);
   CREATE INDEX devices_account ON devices(account_id);
   CREATE TABLE heartbeats (device_id TEXT NOT NULL, sampled_at INTEGER NOT NULL, seq INTEGER NOT NULL,
     received_at INTEGER NOT NULL, buffered INTEGER NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (device_id, sampled_at, seq));
   CREATE TABLE blocks (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, status TEXT NOT NULL,
     emission REAL NOT NULL, nominated INTEGER NOT NULL DEFAULT 0, passed INTEGER NOT NULL DEFAULT 0,
     distributed REAL NOT NULL DEFAULT 0, closed_at INTEGER);
   CREATE TABLE block_devices (block_id INTEGER NOT NULL, device_id TEXT NOT NULL, potl_issued INTEGER NOT NULL DEFAULT 0,
     potl_answered INTEGER NOT NULL DEFAULT 0, pow TEXT NOT NULL DEFAULT 'not-issued', pow_ms REAL, pow_ops_per_sec REAL,
     was_hired INTEGER NOT NULL DEFAULT 0, base REAL NOT NULL DEFAULT 0, normalized REAL NOT NULL DEFAULT 0, reward REAL NOT NULL DEFAULT 0,
     status TEXT NOT NULL DEFAULT 'In Progress', reason TEXT, PRIMARY KEY (block_id, device_id));
   CREATE INDEX block_devices_device ON block_devices(device_id, block_id);
   CREATE TABLE hires (id TEXT PRIMARY KEY, device_id TEXT NOT NULL, hours REAL NOT NULL, workload TEXT NOT NULL,
     created_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, status TEXT NOT NULL, minutes_served REAL NOT NULL DEFAULT 0,
     paid_hours REAL NOT NULL DEFAULT 0, paid_amount REAL NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '');`,
  // 2: who holds a device's pause (docs/protocol.md, "Pauses"), from the one table of sources.
  `ALTER TABLE devices ADD COLUMN pause_source TEXT CHECK (pause_source IS NULL OR pause_source IN (${PAUSE_SOURCES.map((s) => `'${s}'`).join(', ')}));`,
  // 3: the network's identity: its id and the coordinator's signing key (identity.ts).
  `CREATE TABLE network (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 4 (offline-alerts.ts): the owner's alert channels per device, and when "offline" was sent.
  `CREATE TABLE alert_channels (device_id TEXT PRIMARY KEY, offline_after_ms INTEGER NOT NULL, channels TEXT NOT NULL,
     registered_at INTEGER NOT NULL, offline_since INTEGER);`,
  // 5 (wallet-change.ts): a payout wallet change that waits for its delay or another machine's confirmation.
  `CREATE TABLE wallet_changes (device_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, wallet TEXT NOT NULL, requested_by TEXT NOT NULL,
     requested_at INTEGER NOT NULL, effective_at INTEGER NOT NULL);`,
  // 6 (payouts.ts): block rewards paid to payout addresses, which block results each payout covers, and each scheduled run.
  `CREATE TABLE payouts (id TEXT PRIMARY KEY, account_id TEXT NOT NULL, wallet TEXT NOT NULL, amount REAL NOT NULL, signature TEXT NOT NULL,
     cluster TEXT NOT NULL, settlement TEXT NOT NULL CHECK (settlement IN ('simulated', 'on-chain')), created_at INTEGER NOT NULL, due_at INTEGER NOT NULL);
   CREATE TABLE payout_items (block_id INTEGER NOT NULL, device_id TEXT NOT NULL, payout_id TEXT NOT NULL REFERENCES payouts(id),
     amount REAL NOT NULL, PRIMARY KEY (block_id, device_id));
   CREATE INDEX payout_items_payout ON payout_items(payout_id, device_id);
   CREATE TABLE payout_runs (due_at INTEGER PRIMARY KEY, ran_at INTEGER NOT NULL, payouts INTEGER NOT NULL);`,
  // 7 (pairing.ts): one-time pairing codes, and the owner's delegations to paired machines' keys.
  `CREATE TABLE pairing_codes (code TEXT PRIMARY KEY, account_id TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
     member_id TEXT, member_key TEXT, device_id TEXT, device_name TEXT, redeemed_at INTEGER, confirmed_at INTEGER);
   CREATE INDEX pairing_codes_account ON pairing_codes(account_id, expires_at);
   CREATE TABLE delegations (member_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, member_key TEXT NOT NULL, device_id TEXT NOT NULL,
     code TEXT NOT NULL, sig TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);`,
];

export interface DeviceRow {
  id: string;
  account_id: string;
  public_key: string;
  name: string;
  wallet: string | null;
  inventory: string;
  processor_type: 'GPU' | 'CPU';
  model: string;
  quantity: number;
  multiplier: number;
  speed: string | null;
  tier: number;
  registered_at: number;
  last_beat_at: number | null;
  online_since: number | null;
  session_started_at: number | null;
  /** The pause's detail, and who holds it (both null when not paused). */
  paused: string | null;
  pause_source: WirePause['source'] | null;
  blocked: number;
  deleted_at: number | null;
  services: string;
  heartbeats: number;
  rx_bytes: number;
  tx_bytes: number;
}

export interface BlockRow {
  id: number;
  started_at: number;
  ends_at: number;
  status: 'In Progress' | 'Processing' | 'Completed';
  emission: number;
  nominated: number;
  passed: number;
  distributed: number;
  closed_at: number | null;
}

export interface BlockDeviceRow {
  block_id: number;
  device_id: string;
  potl_issued: number;
  potl_answered: number;
  pow: 'passed' | 'failed' | 'skipped-hired' | 'not-issued' | 'pending';
  pow_ms: number | null;
  pow_ops_per_sec: number | null;
  was_hired: number;
  base: number;
  normalized: number;
  reward: number;
  status: 'In Progress' | 'Completed' | 'Failed';
  reason: string | null;
}

export interface HireRow {
  id: string;
  device_id: string;
  hours: number;
  workload: string;
  created_at: number;
  ends_at: number;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  minutes_served: number;
  paid_hours: number;
  paid_amount: number;
  detail: string;
}

export interface PendingBeat {
  deviceId: string;
  sampledAt: number;
  seq: number;
  receivedAt: number;
  buffered: boolean;
  summary: string;
}

export class DevnetStore {
  readonly db: DatabaseSync;
  readonly #cache = new Map<string, StatementSync>();

  constructor(dataDir: string | null) {
    if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
    this.db = openSqlite(dataDir ? path.join(dataDir, 'devnet.sqlite') : ':memory:', { foreignKeys: true });
    applyMigrations(this.db, MIGRATIONS, (found) => `The devnet store is from a newer version (schema ${found}); update io-worker.`);
  }

  #stmt(sql: string): StatementSync {
    let s = this.#cache.get(sql);
    if (!s) this.#cache.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  run(sql: string, ...params: (string | number | null)[]): void {
    this.#stmt(sql).run(...params);
  }
  get<T>(sql: string, ...params: (string | number | null)[]): T | undefined {
    return this.#stmt(sql).get(...params) as T | undefined;
  }
  all<T>(sql: string, ...params: (string | number | null)[]): T[] {
    return this.#stmt(sql).all(...params) as T[];
  }

  tx<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** One transaction for a batch of heartbeats and the devices' running counters. */
  writeBeats(beats: PendingBeat[], devices: Iterable<DeviceRow>): void {
    this.tx(() => {
      for (const b of beats) {
        this.run('INSERT OR IGNORE INTO heartbeats VALUES (?, ?, ?, ?, ?, ?)', b.deviceId, b.sampledAt, b.seq, b.receivedAt, b.buffered ? 1 : 0, b.summary);
      }
      for (const d of devices) {
        this.run(
          'UPDATE devices SET last_beat_at = ?, online_since = ?, session_started_at = ?, paused = ?, pause_source = ?, services = ?, heartbeats = ?, rx_bytes = ?, tx_bytes = ? WHERE id = ?',
          d.last_beat_at, d.online_since, d.session_started_at, d.paused, d.pause_source, d.services, d.heartbeats, d.rx_bytes, d.tx_bytes, d.id,
        );
      }
    });
  }

  close(): void {
    this.db.close();
  }
}
