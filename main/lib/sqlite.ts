// One way to open and migrate a node:sqlite file, for the ledger and the devnet alike: WAL with
// NORMAL sync (a killed process loses nothing committed), a busy timeout, and numbered migrations,
// each in its own transaction with its PRAGMA user_version bump.
import { DatabaseSync } from 'node:sqlite';

export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/** Opens `file` (':memory:' for none) in WAL mode; throws when SQLite refuses WAL for a file. */
export function openSqlite(file: string, options: { foreignKeys?: boolean } = {}): DatabaseSync {
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA busy_timeout = 2000');
    const mode = (db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode: string }).journal_mode;
    if (file !== ':memory:' && mode !== 'wal') throw new Error(`SQLite refused WAL mode for ${file} (got ${mode}).`);
    db.exec('PRAGMA synchronous = NORMAL');
    if (options.foreignKeys) db.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

export function schemaVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

/**
 * Applies the migrations a file has not seen yet, in order. `tooNew` words the refusal of a file
 * written by a newer version (it is never downgraded).
 */
export function applyMigrations(db: DatabaseSync, migrations: readonly string[], tooNew: (found: number, known: number) => string): void {
  const from = schemaVersion(db);
  if (from > migrations.length) throw new SchemaTooNewError(tooNew(from, migrations.length));
  for (let version = from + 1; version <= migrations.length; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(migrations[version - 1]);
      db.exec(`PRAGMA user_version = ${version}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
}
