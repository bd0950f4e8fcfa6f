// The Earnings figures and the Block Rewards history: schema 2 over old rows, pages newest first,
// daily sums in the user's time zone, and the five read channels through the real dispatcher.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCore } from '../../test/core-fixture.ts';
import { earningsSummary } from './earnings.ts';
import { Ledger } from './ledger.ts';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// 2026-11-20 22:00 UTC = 2026-11-21 07:00 in Tokyo (UTC+9, no DST)
const T0 = Date.UTC(2026, 10, 20, 22, 0, 0);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-earnings-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('schema 2: the Block Rewards columns', () => {
  it('migrates a schema-1 file and keeps its rows readable, with the new fields null', () => {
    const file = path.join(dir, 'ledger.db');
    const old = new DatabaseSync(file);
    old.exec(MIGRATIONS[0]!);
    old.exec('PRAGMA user_version = 1');
    old.prepare(
      `INSERT INTO block_rewards (device, block_ms, block_id, status, amount_nano, base_score, normalized_score, detail, recorded_ms)
       VALUES ('d', ?, 7, 'passed', 1250000000, 8150, 566.96, 'POTL 12/12; POW passed', ?)`,
    ).run(T0, T0);
    old.close();

    const ledger = Ledger.open({ dataDir: dir, now: () => T0 + HOUR, log: () => {} });
    expect(ledger.problem).toBeNull();
    ledger.recordBlockReward({
      device: 'd', blockStart: T0 + HOUR, blockId: 8, status: 'failed', amount: 0, baseScore: 8150, normalizedScore: 0,
      tier: 3, processorType: 'GPU', quantity: 2, pow: 'failed', potl: { answered: 4, issued: 12 }, detail: 'POW failed',
    });
    const [before, after] = ledger.blockRewards(0, T0 + DAY);
    expect(before).toEqual({
      device: 'd', blockStart: T0, blockId: 7, status: 'passed', amount: 1.25, baseScore: 8150, normalizedScore: 566.96,
      detail: 'POTL 12/12; POW passed', recordedAt: T0, tier: null, processorType: null, quantity: null, pow: null, potl: null,
    });
    expect(after).toMatchObject({ blockId: 8, tier: 3, processorType: 'GPU', quantity: 2, pow: 'failed', potl: { answered: 4, issued: 12 } });
    ledger.close();
    const db = new DatabaseSync(file);
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3); // later migrations append
    db.close();
  });

  it('refuses impossible details with a reason', () => {
    const ledger = Ledger.open({ dataDir: '', memory: true, log: () => {} });
    const base = { device: 'd', blockStart: T0, status: 'passed' as const, amount: 1 };
    expect(() => ledger.recordBlockReward({ ...base, tier: 5 })).toThrow(/tier must be an integer from 0 to 4/);
    expect(() => ledger.recordBlockReward({ ...base, processorType: 'TPU' as 'GPU' })).toThrow(/processorType/);
    expect(() => ledger.recordBlockReward({ ...base, potl: { answered: 13, issued: 12 } })).toThrow(/cannot exceed/);
    expect(ledger.blockRewards(0, T0 + DAY)).toEqual([]);
    ledger.close();
  });
});

describe('rewardsPage', () => {
  it('pages newest first with the total, per device or all', () => {
    const ledger = Ledger.open({ dataDir: '', memory: true, log: () => {} });
    for (let k = 0; k < 7; k++) ledger.recordBlockReward({ device: 'a', blockStart: T0 + k * HOUR, blockId: 100 + k, status: 'passed', amount: 0.5 });
    ledger.recordBlockReward({ device: 'b', blockStart: T0 + 3 * HOUR, blockId: 103, status: 'failed', amount: 0 });
    const first = ledger.rewardsPage(1, 3);
    expect(first.total).toBe(8);
    expect(first.rows.map((r) => `${r.device}${r.blockId}`)).toEqual(['a106', 'a105', 'a104']);
    expect(ledger.rewardsPage(2, 3).rows.map((r) => `${r.device}${r.blockId}`)).toEqual(['a103', 'b103', 'a102']);
    expect(ledger.rewardsPage(3, 3).rows).toHaveLength(2);
    expect(ledger.rewardsPage(4, 3).rows).toEqual([]);
    expect(ledger.rewardsPage(1, 50, 'b')).toMatchObject({ total: 1, rows: [{ status: 'failed', amount: 0 }] });
    expect(() => ledger.rewardsPage(0, 3)).toThrow(RangeError);
    ledger.close();
  });
});

describe('earningsSummary', () => {
  it('sums per local day in the given time zone, estimates what failed blocks missed, and totals everything', () => {
    const now = T0 + 3 * HOUR; // 2026-11-21 10:00 Tokyo, 01:00 UTC
    const ledger = Ledger.open({ dataDir: '', memory: true, now: () => now, log: () => {} });
    // Tokyo 2026-11-21: blocks at 07:00, 08:00 (passed), 09:00 (failed); Tokyo 2026-11-20 15:00: one passed
    ledger.recordBlockReward({ device: 'a', blockStart: T0 - 16 * HOUR, status: 'passed', amount: 1 });
    ledger.recordBlockReward({ device: 'a', blockStart: T0, status: 'passed', amount: 2 });
    ledger.recordBlockReward({ device: 'a', blockStart: T0 + HOUR, status: 'passed', amount: 3 });
    ledger.recordBlockReward({ device: 'a', blockStart: T0 + 2 * HOUR, status: 'failed', amount: 0 });
    // a device that never passed: its failure cannot be estimated
    ledger.recordBlockReward({ device: 'z', blockStart: T0 - 15 * HOUR, status: 'failed', amount: 0 });
    // older than the window: in the totals, not in the days
    ledger.recordBlockReward({ device: 'a', blockStart: T0 - 40 * DAY, status: 'passed', amount: 10 });
    ledger.recordPayout({ id: 'p1', device: 'a', t: T0 + 30 * 60_000, amount: 0.7, status: 'confirmed' });
    ledger.recordPayout({ id: 'p2', device: 'a', t: T0 + 40 * 60_000, amount: 5, status: 'failed' });
    ledger.recordHire({ id: 'h1', device: 'a', started: T0, ended: T0 + 90 * 60_000, status: 'completed', minutesServed: 90 });

    const tokyo = earningsSummary(ledger, { days: 30, timeZone: 'Asia/Tokyo', now });
    expect(tokyo.daily).toHaveLength(30);
    const today = tokyo.daily.at(-1)!;
    const yesterday = tokyo.daily.at(-2)!;
    expect(today).toEqual({
      date: '2026-11-21', start: Date.UTC(2026, 10, 20, 15), end: Date.UTC(2026, 10, 21, 15),
      earned: 5, jobEarned: 0.7, blocksPassed: 2, blocksFailed: 1, missed: 2, // a's average over the window: (1+2+3)/3
    });
    expect(yesterday).toMatchObject({ date: '2026-11-20', earned: 1, blocksPassed: 1, blocksFailed: 1, missed: null });
    expect(tokyo.totals).toEqual({ blockRewards: 16, jobEarnings: 0.7, computeHours: 1.5, blocksPassed: 4, blocksFailed: 2, today: 5.7 });
    expect(tokyo.window).toEqual({ blockRewards: 6, jobEarnings: 0.7, blocksPassed: 3, blocksFailed: 2, missed: 2 });

    // The same blocks in UTC fall on other days: 2026-11-20 holds 22:00 and 23:00, 2026-11-21 holds 00:00.
    const utc = earningsSummary(ledger, { days: 2, timeZone: 'UTC', now });
    expect(utc.daily.map((d) => [d.date, d.blocksPassed, d.blocksFailed, d.earned])).toEqual([
      ['2026-11-20', 3, 1, 6],
      ['2026-11-21', 0, 1, 0],
    ]);
    expect(() => earningsSummary(ledger, { days: 0, timeZone: 'UTC' })).toThrow(RangeError);
    ledger.close();
  });
});

describe('read channels', () => {
  it("answer 'unavailable' without a ledger", async () => {
    const core = await testCore({ ledger: undefined });
    for (const channel of ['rewards.summary', 'rewards.page', 'payouts.list', 'jobs.list', 'notices.list'] as const) {
      expect(await core.dispatch(channel, {})).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/no ledger/) } });
    }
  });

  it('serve the ledger through the contract', async () => {
    const ledger = Ledger.open({ dataDir: '', memory: true, log: () => {} });
    const core = await testCore({ ledger });
    const now = Date.now();
    ledger.recordBlockReward({
      device: 'dev', blockStart: now - HOUR, blockId: 9, status: 'passed', amount: 0.25, baseScore: 8150, normalizedScore: 566.96,
      tier: 2, processorType: 'CPU', quantity: 1, pow: 'passed', potl: { answered: 12, issued: 12 },
    });
    ledger.recordPayout({ id: 'p', device: 'dev', t: now, amount: 1.5, status: 'confirmed', tx: '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW' });
    ledger.recordHire({ id: 'h', device: 'dev', started: now - HOUR, status: 'running', minutesServed: 30 });
    ledger.recordJob({ id: 'j', hireId: 'h', device: 'dev', kind: 'benchmark', started: now - HOUR, status: 'running' });
    ledger.recordNotice({ id: 'n', t: now, level: 'info', title: 'Block 9 passed', body: '0.25 earned' });

    const summary = await core.dispatch('rewards.summary', { timeZone: 'UTC' });
    expect(summary).toMatchObject({ ok: true, result: { days: 30, totals: { blockRewards: 0.25, jobEarnings: 1.5, computeHours: 0.5 } } });
    const page = await core.dispatch('rewards.page', { pageSize: 10 });
    expect(page).toMatchObject({ ok: true, result: { page: 1, pageSize: 10, total: 1, rows: [{ blockId: 9, tier: 2, processorType: 'CPU', pow: 'passed', potl: { answered: 12, issued: 12 } }] } });
    expect(await core.dispatch('rewards.page', { pageSize: 201 })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await core.dispatch('payouts.list', {})).toMatchObject({ ok: true, result: [{ id: 'p', amount: 1.5, wallet: null, tx: expect.stringMatching(/^5VER/) }] });
    expect(await core.dispatch('jobs.list', { limit: 5 })).toMatchObject({ ok: true, result: { hires: [{ id: 'h', minutesServed: 30 }], jobs: [{ id: 'j', hireId: 'h' }] } });
    expect(await core.dispatch('notices.list', {})).toMatchObject({ ok: true, result: [{ id: 'n', device: null }] });
    expect(await core.dispatch('rewards.summary', { timeZone: 'Mars/Olympus' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const csv = await core.dispatch('export', { what: 'rewards' });
    if (!csv.ok) throw new Error(csv.error.message);
    expect((csv.result as { csv: string }).csv.split('\r\n')[1]).toMatch(/,9,dev,passed,0\.25,8150,566\.96,,2,CPU,1,passed,12,12,/);
    ledger.close();
  });
});
