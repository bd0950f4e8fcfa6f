// This worker's own traffic per day in the real SQLite ledger: runs add up without double counting,
// a new meter counts from zero, days are the user's local days, and the CSV export carries them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportCsv } from './csv.ts';
import { Ledger } from './ledger.ts';

const HOUR = 3_600_000;
// 2026-11-20 22:00 UTC = 2026-11-21 07:00 in Tokyo (UTC+9).
const T0 = Date.UTC(2026, 10, 20, 22, 0, 0);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-traffic-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('traffic per day', () => {
  it('keeps what each hour added across two runs, counting a new meter from zero, on the local day', () => {
    let ledger = Ledger.open({ dataDir: dir });
    // Run 1: the meter climbs through two UTC hours (22:xx and 23:xx), recorded every few seconds.
    for (let i = 0; i <= 100; i++) ledger.recordTraffic('dev-a', T0 + i * 60_000, { sentBytes: i * 1000, receivedBytes: i * 3000 });
    ledger.close();
    // Run 2, after a restart: the worker's meter starts again from zero, the same UTC day.
    ledger = Ledger.open({ dataDir: dir });
    ledger.recordTraffic('dev-a', T0 + 2 * HOUR, { sentBytes: 500, receivedBytes: 700 });
    ledger.recordTraffic('dev-a', T0 + 2 * HOUR + 5000, { sentBytes: 800, receivedBytes: 900 });
    // Its session broke and a new socket began counting from a smaller total: that is new traffic too.
    ledger.recordTraffic('dev-a', T0 + 2 * HOUR + 10_000, { sentBytes: 100, receivedBytes: 50 });
    ledger.recordTraffic('dev-b', T0 + 2 * HOUR, { sentBytes: 5, receivedBytes: 6 });

    const utc = ledger.trafficDays(T0 - HOUR, T0 + 3 * HOUR, { timeZone: 'UTC' });
    // 22:00-23:40 UTC on the 20th; 00:00 UTC on the 21st.
    expect(utc).toEqual([
      { day: '2026-11-20', device: 'dev-a', sentBytes: 100_000, receivedBytes: 300_000 },
      { day: '2026-11-21', device: 'dev-a', sentBytes: 900, receivedBytes: 950 },
      { day: '2026-11-21', device: 'dev-b', sentBytes: 5, receivedBytes: 6 },
    ]);
    // In Tokyo all of it is the morning of the 21st.
    expect(ledger.trafficDays(T0 - HOUR, T0 + 3 * HOUR, { timeZone: 'Asia/Tokyo', device: 'dev-a' })).toEqual([
      { day: '2026-11-21', device: 'dev-a', sentBytes: 100_900, receivedBytes: 300_950 },
    ]);
    const csv = [...exportCsv(ledger, 'traffic', { from: T0 - HOUR, to: T0 + 3 * HOUR, timeZone: 'UTC', device: 'dev-b' })].join('');
    expect(csv).toBe('day,device,sent_bytes,received_bytes\r\n2026-11-21,dev-b,5,6\r\n');
    ledger.close();
  });

  it('writes nothing while nothing moves, and refuses a bad device or time', () => {
    const ledger = Ledger.open({ dataDir: dir });
    ledger.recordTraffic('dev-a', T0, { sentBytes: 0, receivedBytes: 0 });
    ledger.recordTraffic('dev-a', T0 + 1000, { sentBytes: 0, receivedBytes: 0 });
    expect(ledger.trafficDays(0, T0 + HOUR)).toEqual([]);
    expect(() => ledger.recordTraffic('', T0, { sentBytes: 1, receivedBytes: 1 })).toThrow(/device id/);
    expect(() => ledger.recordTraffic('dev-a', -1, { sentBytes: 1, receivedBytes: 1 })).toThrow(/epoch milliseconds/);
    ledger.close();
  });
});
