// The worker's own record of a block, kept in a real (in-memory) ledger, read back per block, and
// the one sentence that names why the block failed.
import { afterEach, describe, expect, it } from 'vitest';
import { blockCauseSentence, clockTime } from '../../preload/contract/block-words.ts';
import { blockDetail } from '../ledger/handlers.ts';
import { Ledger } from '../ledger/ledger.ts';
import { BlockEvidence } from './block-evidence.ts';

const DEVICE = 'dev-00000000000000aa';
const T0 = Date.UTC(2026, 0, 5, 3, 0, 0);
const MIN = 60_000;
const utc = clockTime('UTC');

let ledger: Ledger;
afterEach(() => ledger?.close());

function setup() {
  ledger = Ledger.open({ dataDir: '', memory: true, log: () => {} });
  let now = T0;
  const evidence = new BlockEvidence(ledger, DEVICE, { now: () => now });
  return { evidence, at: (t: number) => (now = t), online: () => evidence.state({ connection: 'online', paused: null, hire: null }) };
}

function reward(over: Partial<Parameters<Ledger['recordBlockReward']>[0]> = {}) {
  ledger.recordBlockReward({
    device: DEVICE, blockId: 7, blockStart: T0, closedAt: T0 + 15 * MIN, status: 'failed', amount: 0, baseScore: 1.5, normalizedScore: 0,
    tier: 3, processorType: 'GPU', quantity: 2, pow: 'passed', potl: { answered: 4, issued: 4 }, detail: null, ...over,
  });
}

const sentence = () => blockCauseSentence(blockDetail(ledger, DEVICE, T0).cause, utc);

describe('the worker’s record of a block', () => {
  it('a sleeping machine: missed challenges during the timers’ stop', () => {
    const { evidence, at, online } = setup();
    online();
    at(T0 + 2 * MIN);
    evidence.challenge('potl', 'c1', T0 + 2 * MIN + 5000);
    evidence.sent('potl-answer', { challengeId: 'c1' }, 'n1');
    evidence.answered('n1', null);
    // Asleep from 03:10 to 03:14: the challenges issued then arrive after their deadline.
    evidence.state({ connection: 'online', paused: null, hire: null });
    ledger.saveGap(DEVICE, { reason: 'asleep', start: T0 + 10 * MIN, end: T0 + 14 * MIN, source: null, problem: null, detail: null });
    at(T0 + 14 * MIN);
    evidence.challenge('potl', 'c2', T0 + 11 * MIN);
    evidence.sent('potl-answer', { challengeId: 'c2' }, 'n2');
    evidence.answered('n2', { code: 'late', message: 'The liveness answer came after its deadline.' });
    reward({ potl: { answered: 1, issued: 4 }, detail: 'answered 1 of 4 liveness challenges' });
    const detail = blockDetail(ledger, DEVICE, T0);
    expect(detail.verdict).toMatchObject({ tier: 3, processorType: 'GPU', quantity: 2 });
    expect(detail.record!.challenges.map((c) => [c.id, c.ackedAt !== null, c.refused?.code ?? null])).toEqual([['c1', true, null], ['c2', false, 'late']]);
    expect(detail.record!.potlNeverArrived).toBe(2);
    expect(sentence()).toBe('Missed 3 of 4 liveness challenges between 03:10 and 03:14: the machine was asleep.');
  });

  it('detects the stop itself: a tick late by more than the threshold is an asleep gap', async () => {
    ledger = Ledger.open({ dataDir: '', memory: true, log: () => {} });
    let now = Date.now();
    const evidence = new BlockEvidence(ledger, DEVICE, { now: () => now, tickMs: 20, sleepThresholdMs: 1000 });
    evidence.start();
    const from = now;
    now += 30_000; // the clock moved on while no timer ran
    await new Promise((r) => setTimeout(r, 80));
    evidence.stop();
    const record = ledger.blockRecord(DEVICE, from - 1000, now + 1000, { potlIssued: 0, pow: null, hired: false });
    expect(record!.gaps).toEqual([{ reason: 'asleep', start: from, end: now, source: null, problem: null, detail: null }]);
  });

  it('the network unreachable, from the session’s own state', () => {
    const { evidence, at, online } = setup();
    online();
    at(T0 + 42 * MIN / 4); // 03:10:30
    evidence.state({ connection: 'offline', paused: null, hire: null });
    at(T0 + 12 * MIN);
    evidence.state({ connection: 'online', paused: null, hire: null });
    reward({ potl: { answered: 2, issued: 4 }, detail: 'answered 2 of 4 liveness challenges' });
    expect(sentence()).toBe('The network was unreachable from 03:10 to 03:12.');
  });

  it('a late POW says by how much', () => {
    const { evidence, at, online } = setup();
    online();
    at(T0 + MIN);
    evidence.challenge('pow', 'p1', T0 + MIN + 2000);
    at(T0 + MIN + 42_000);
    evidence.sent('pow-commit', { challengeId: 'p1', solveMs: 41_900 }, 'n');
    evidence.answered('n', null);
    reward({ pow: 'failed', detail: 'POW answer came after its deadline' });
    expect(blockDetail(ledger, DEVICE, T0).record!.challenges[0]).toMatchObject({ solveMs: 41_900, answeredAt: T0 + MIN + 42_000 });
    expect(sentence()).toBe('POW answer arrived 40 s after the deadline.');
  });

  it('a disagreement: answered in time, counted missed', () => {
    const { evidence, at, online } = setup();
    online();
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      at(T0 + (i + 1) * MIN);
      evidence.challenge('potl', id, T0 + (i + 1) * MIN + 5000);
      at(T0 + (i + 1) * MIN + 3);
      evidence.sent('potl-answer', { challengeId: id }, `n-${id}`);
    }
    reward({ potl: { answered: 1, issued: 3 }, detail: 'answered 1 of 3 liveness challenges' });
    expect(sentence()).toBe(
      'The worker answered 3 of 3 liveness challenges in time, the network counted 1: the worker answered, the network counted it missed; this record is the evidence to take to support.',
    );
  });

  it('a pause names who held it; a restart is the time IO Worker did not run', () => {
    const { evidence, at, online } = setup();
    online();
    at(T0 + 5 * MIN);
    evidence.state({ connection: 'online', paused: { source: 'gaming', detail: 'steam' }, hire: null });
    at(T0 + 9 * MIN);
    evidence.state({ connection: 'online', paused: null, hire: null });
    reward({ detail: 'worker paused: paused while you play', potl: { answered: 2, issued: 3 } });
    expect(sentence()).toBe('Paused while you play from 03:05 to 03:09, and the network does not pay a block that was paused.');

    const again = new BlockEvidence(ledger, DEVICE, { now: () => T0 + 20 * MIN });
    again.start(T0 + 20 * MIN);
    again.state({ connection: 'online', paused: null, hire: null });
    again.stop();
    const gaps = ledger.blockRecord(DEVICE, T0, T0 + 30 * MIN, { potlIssued: 0, pow: null, hired: false })!.gaps;
    expect(gaps.find((g) => g.reason === 'restart')).toMatchObject({ start: T0 + 9 * MIN, end: T0 + 20 * MIN });
  });

  it('passes, and a block this machine kept nothing of says so', () => {
    setup();
    reward({ status: 'passed', amount: 12.5 });
    expect(sentence()).toBe('Completed: every proof was answered in time.');
    ledger.recordBlockReward({ device: 'dev-other', blockStart: T0, status: 'failed', amount: 0, detail: 'answered 0 of 3 liveness challenges' });
    expect(blockCauseSentence(blockDetail(ledger, 'dev-other', T0).cause, utc)).toBe(
      'The network failed the block (answered 0 of 3 liveness challenges); this machine kept no record of it.',
    );
  });

  it('refuses bad evidence with a clear error and never throws into the session', () => {
    setup();
    expect(() => ledger.saveGap(DEVICE, { reason: 'napping' as 'asleep', start: T0, end: null, source: null, problem: null, detail: null })).toThrow(/reason must be one of/);
    expect(() => ledger.saveGap(DEVICE, { reason: 'asleep', start: T0, end: T0 - 1, source: null, problem: null, detail: null })).toThrow(/cannot end before/);
    const logged: string[] = [];
    const evidence = new BlockEvidence(ledger, '', { log: (m) => logged.push(m) });
    evidence.challenge('potl', 'x', T0);
    expect(logged[0]).toMatch(/could not keep a potl challenge: A device id must be/);
  });
});

describe('the POW causes in the network’s words', () => {
  it('a forged or partly computed answer, and openings that came late', () => {
    const { evidence, at, online } = setup();
    online();
    at(T0 + MIN);
    evidence.challenge('pow', 'p1', T0 + MIN + 20_000);
    at(T0 + MIN + 3000);
    evidence.sent('pow-commit', { challengeId: 'p1', solveMs: 2900 }, 'c');
    evidence.answered('c', null);
    evidence.sent('pow-answer', { challengeId: 'p1' }, 'a');
    evidence.answered('a', null);
    reward({ pow: 'failed', detail: 'POW answer: row 17 of product 2 is not the product of the challenge matrices' });
    expect(sentence()).toBe('The POW answer was not accepted: POW answer: row 17 of product 2 is not the product of the challenge matrices.');
    reward({ pow: 'failed', detail: 'POW answer came after its deadline' });
    expect(sentence()).toBe('POW answer arrived after the deadline.');
    reward({ pow: 'failed', detail: 'no POW commitment before the deadline' });
    expect(sentence()).toBe('The worker sent its POW answer in time, the network counted it missed: this record is the evidence to take to support.');
  });
});
