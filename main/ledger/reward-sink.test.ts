// The ledger as the worker runtime's sink, and the network's presence turned into uptime.
import { describe, expect, it } from 'vitest';
import { EventBus } from '../events.ts';
import { attachLedger } from './handlers.ts';
import { Ledger } from './ledger.ts';
import { ledgerRewardSink, presenceGap, type NetworkPresence } from './reward-sink.ts';
import { frameAt } from './testing/frames.ts';
import type { TelemetryFrame } from '../../preload/contract/index.ts';

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

describe('reward sink', () => {
  it('keeps block results, payouts, hire reports and notices in the shapes the worker sends', () => {
    const logged: string[] = [];
    const ledger = Ledger.open({ dataDir: '', memory: true, log: () => {} });
    const sink = ledgerRewardSink(ledger, { log: (m) => logged.push(m) });
    const block = { potl: { answered: 12, issued: 12 }, pow: 'passed', base: 8150, normalized: 566.96, closedAt: T0 + 3_600_000 };
    sink.recordBlockReward('dev', { ...block, block: 41, status: 'Completed', reason: null, reward: 1.75 });
    sink.recordBlockReward('dev', { ...block, block: 42, status: 'Failed', reason: 'POW failed', reward: 0, closedAt: T0 + 7_200_000 });
    // tier, processor and quantity are left out where the block result does not carry them
    sink.recordBlockReward('dev', { ...block, block: 43, startedAt: T0 + 7_200_000, status: 'Completed', reason: null, reward: 2, closedAt: T0 + 9_000_000, tier: 3, processorType: 'GPU', quantity: 8 });
    expect(ledger.blockRewards(0, T0 + 86_400_000)).toEqual([
      expect.objectContaining({ blockId: 41, blockStart: T0, status: 'passed', amount: 1.75, pow: 'passed', potl: { answered: 12, issued: 12 }, baseScore: 8150, normalizedScore: 566.96, tier: null, processorType: null, quantity: null, detail: null }),
      expect.objectContaining({ blockId: 42, blockStart: T0 + 3_600_000, status: 'failed', amount: 0, detail: 'POW failed' }),
      // startedAt, when the network sends it, is the block's start (a short devnet block is not an hour)
      expect.objectContaining({ blockId: 43, blockStart: T0 + 7_200_000, tier: 3, processorType: 'GPU', quantity: 8 }),
    ]);
    // a detail the ledger refuses does not cost the reward
    sink.recordBlockReward('dev', { ...block, block: 44, status: 'Completed', reason: null, reward: 1, closedAt: T0 + 20_000_000, potl: { answered: 13, issued: 12 } });
    expect(ledger.blockRewards(0, T0 + 86_400_000).at(-1)).toMatchObject({ blockId: 44, amount: 1, potl: null, pow: null });
    expect(logged).toEqual(['block 44: kept without its proof and tier details']);
    logged.length = 0;
    sink.recordHire('dev', { hireId: 'h1', state: 'running', minutesServed: 5, detail: 'ray up', at: T0 });
    sink.recordHire('dev', { hireId: 'h1', state: 'completed', minutesServed: 60, detail: 'done', at: T0 + 3_600_000 });
    expect(ledger.hires()[0]).toMatchObject({ id: 'h1', started: T0, ended: T0 + 3_600_000, status: 'completed', minutesServed: 60 });
    sink.recordPayout('dev', { hireId: 'h1', amount: 3.2, hours: 1, at: T0 + 3_600_000 });
    expect(ledger.payouts()[0]).toMatchObject({ amount: 3.2, wallet: null, status: 'confirmed' });
    sink.recordNotice({ level: 'warning', title: 'Block failed', body: 'POW failed' });
    expect(ledger.notices(1)[0]).toMatchObject({ title: 'Block failed' });
    // a record the ledger refuses is logged, not thrown into the network session
    expect(() => sink.recordPayout('dev', { hireId: 'h2', amount: -1, hours: 1, at: T0 })).not.toThrow();
    expect(logged).toEqual(['could not record payout for hire h2']);
    ledger.close();
  });

  it('names the gap from the network state; a pause is no gap', () => {
    expect(presenceGap({ connection: 'online', paused: null })).toBeNull();
    expect(presenceGap({ connection: 'offline', paused: null })).toBe('network-down');
    expect(presenceGap({ connection: 'online', paused: { source: 'user', detail: 'until you resume' } })).toBeNull();
    expect(presenceGap({ connection: 'online', paused: { source: 'limits', detail: 'GPU 0 over its temperature limit (92 °C)' } })).toBeNull();
  });

  it('marks online only while the network acknowledges heartbeats, and keeps pauses apart with their source', () => {
    let now = T0;
    const ledger = Ledger.open({ dataDir: '', memory: true, now: () => now, log: () => {} });
    const listeners = new Set<(f: TelemetryFrame) => void>();
    const sampler = { onFrame: (l: (f: TelemetryFrame) => void) => (listeners.add(l), () => listeners.delete(l)) };
    let presence: NetworkPresence = { connection: 'online', paused: null };
    const off = attachLedger(ledger, sampler, new EventBus(), 'dev', () => {}, () => presence);
    const tick = (seconds: number) => {
      for (let k = 0; k < seconds; k++) for (const l of listeners) l(frameAt((now += 1000), 1));
    };
    tick(600);
    presence = { connection: 'offline', paused: null };
    tick(120);
    presence = { connection: 'online', paused: { source: 'user', detail: 'until you resume' } };
    tick(60);
    presence = { connection: 'online', paused: { source: 'limits', detail: 'GPU 0 at 91 °C' } };
    tick(30);
    presence = { connection: 'online', paused: null };
    tick(60);
    const [day] = ledger.uptimeBar('dev', { days: 1, timeZone: 'UTC' }).buckets;
    expect(day.onlineSeconds).toBe(600 + 60 + 30 + 59); // a gap starts at the frame that reports it
    expect(day.downtime).toEqual({ 'network-down': 120 });
    expect(day.pausedSeconds).toBe(90);
    expect(day.paused).toEqual({ user: 60, limits: 30 });
    // The streak went on through the pauses; only the network outage restarted it.
    expect(ledger.streak('dev').since).toBe(T0 + 720_000 + 1000);
    for (const unsubscribe of off) unsubscribe();
    ledger.close();
  });
});
