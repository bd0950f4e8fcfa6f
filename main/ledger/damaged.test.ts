// A damaged history file is kept aside and said with WHEN: how far its history reached (the newest
// readable row, else the file's last write), or that this is not known.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from './ledger.ts';
import { localTime } from './damaged.ts';
import { frameAt } from './testing/frames.ts';

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-damaged-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = () => path.join(dir, 'ledger.db');
const hhmm = (t: number) => `${String(new Date(t).getHours()).padStart(2, '0')}:${String(new Date(t).getMinutes()).padStart(2, '0')}`;

/** Overwrites one table's root page with junk: the file opens, that table does not read. */
function damageTable(table: string): void {
  const db = new DatabaseSync(file());
  const { rootpage } = db.prepare('SELECT rootpage FROM sqlite_schema WHERE name = ?').get(table) as { rootpage: number };
  const { page_size: size } = db.prepare('PRAGMA page_size').get() as { page_size: number };
  db.close();
  const fd = fs.openSync(file(), 'r+');
  fs.writeSync(fd, Buffer.alloc(size, 0xab), 0, size, (rootpage - 1) * size);
  fs.closeSync(fd);
}

describe('a damaged history file', () => {
  it('with readable rows: kept aside, said with the time of its newest row, and the worker starts', () => {
    let now = T0;
    const first = Ledger.open({ dataDir: dir, now: () => now, log: () => {} });
    for (let k = 0; k < 42 * 60; k++) first.recordFrame(frameAt((now += 1000), 2));
    const last = now;
    first.close();
    damageTable('sessions'); // the start's own crash recovery reads it

    now = last + 3_600_000;
    const ledger = Ledger.open({ dataDir: dir, now: () => now, log: () => {} });
    expect(ledger.problem).toBeNull();
    expect(ledger.damaged).toEqual({ aside: `${file()}.damaged-${now}`, until: last });
    const notice = ledger.notices(10).find((n) => n.title === 'History file was damaged')!;
    expect(notice.body).toBe(`History before ${hhmm(last)} was damaged and kept in ledger.db.damaged-${now} in ${dir}; IO Worker started a new history file.`);
    expect(fs.existsSync(`${file()}.damaged-${now}`)).toBe(true);
    ledger.close();
  });

  it('not a database at all: said with the time of its last write', () => {
    fs.writeFileSync(file(), 'this is not a database'.repeat(300));
    const written = T0 - 86_400_000 * 3;
    fs.utimesSync(file(), written / 1000, written / 1000);
    const ledger = Ledger.open({ dataDir: dir, now: () => T0, log: () => {} });
    expect(ledger.damaged?.until).toBe(written);
    expect(localTime(written, T0)).toMatch(/^2026-11-1\d \d\d:\d\d$/); // another day: the date is said
    expect(ledger.notices(10)[0].body).toContain(`History before ${localTime(written, T0)} was damaged`);
    ledger.close();
  });

  it('when nothing tells when, says so', () => {
    fs.writeFileSync(file(), 'this is not a database'.repeat(300));
    fs.utimesSync(file(), 0, 0); // a clock that was never set
    const ledger = Ledger.open({ dataDir: dir, now: () => T0, log: () => {} });
    expect(ledger.damaged?.until).toBeNull();
    expect(ledger.notices(10)[0].body).toMatch(/^History from before this start was damaged \(when it was last written is not known\) and kept in ledger\.db\.damaged-/);
    ledger.close();
  });
});
