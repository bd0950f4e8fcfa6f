// A damaged history file, said with WHEN: how far its history reached (the newest row still readable,
// else the file's last write), so the owner knows which history is kept aside and not shown.
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface DamagedHistory {
  /** Where the damaged file was kept. */
  aside: string;
  /** When its history ends: the newest readable row, else its last write; null when neither is known. */
  until: number | null;
}

// Rows outside these years are damaged bytes read as a time, not a time.
const PLAUSIBLE_FROM = Date.UTC(2020, 0, 1);
const PLAUSIBLE_AHEAD_MS = 86_400_000;

/** The newest time the file's history reaches; read before the file is moved aside. */
export function historyEndsAt(file: string, now: number): number | null {
  const plausible = (t: unknown): t is number => typeof t === 'number' && t >= PLAUSIBLE_FROM && t <= now + PLAUSIBLE_AHEAD_MS;
  const times: number[] = [];
  let db: DatabaseSync | null = null;
  try {
    db = new DatabaseSync(file, { readOnly: true });
    for (const sql of ['SELECT max(t) AS t FROM raw', 'SELECT max(end_ms) AS t FROM uptime_spans', 'SELECT max(t_ms) AS t FROM notices']) {
      try {
        const t = (db.prepare(sql).get() as { t: unknown } | undefined)?.t;
        if (plausible(t)) times.push(t);
      } catch {
        // this table is on a damaged page: the others may still answer
      }
    }
  } catch {
    // not readable as a database at all: the file's own times below
  } finally {
    db?.close();
  }
  if (times.length > 0) return Math.max(...times);
  for (const suffix of ['', '-wal']) {
    const mtime = fs.statSync(file + suffix, { throwIfNoEntry: false })?.mtimeMs;
    if (plausible(mtime)) times.push(Math.floor(mtime));
  }
  return times.length > 0 ? Math.max(...times) : null;
}

/** 10:42 today, else 2026-11-20 10:42, in this machine's time. */
export function localTime(t: number, now: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  const clock = `${two(d.getHours())}:${two(d.getMinutes())}`;
  return new Date(now).toDateString() === d.toDateString() ? clock : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${clock}`;
}

/** "history before 10:42 was damaged and kept in ledger.db.damaged-…" */
export function describeDamage(damaged: DamagedHistory, now: number): string {
  const name = path.basename(damaged.aside);
  return damaged.until === null
    ? `history from before this start was damaged (when it was last written is not known) and kept in ${name}`
    : `history before ${localTime(damaged.until, now)} was damaged and kept in ${name}`;
}
