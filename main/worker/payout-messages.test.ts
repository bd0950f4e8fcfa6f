// Block-reward payouts end to end over real sockets: a coordinator with 2-second blocks and a
// 3-second payout schedule, a worker client, and the worker's real ledger (SQLite on disk). A
// payout arrives, is stored once with its signature and the network's schedule, and a reconnect
// that sends it again neither stores nor tells it twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTransactionSignature } from '../../renderer/solscan.ts';
import { Alerter } from '../alerts/alerter.ts';
import { tapRewardSink } from '../alerts/sources.ts';
import { startHttpReceiver } from '../alerts/testing/receivers.ts';
import { webhookChannel } from '../alerts/webhook.ts';
import { defaultSettings } from '../settings/schema.ts';
import { Coordinator } from '../devnet/coordinator.ts';
import { resolveParams } from '../devnet/params.ts';
import { Ledger } from '../ledger/ledger.ts';
import { ledgerRewardSink } from '../ledger/reward-sink.ts';
import { memoryStore } from '../settings/secrets.ts';
import { withStoryLines } from '../story-log.ts';
import { WorkerClient, type RewardSink } from './client.ts';
import { loadOrCreateAccount, loadOrCreateIdentity } from './identity.ts';
import { onPayoutMessage } from './payout-messages.ts';
import type { RewardPayout } from './protocol.ts';

const params = resolveParams({
  blockSeconds: 2,
  blockEmission: 1000,
  eligibility: { minUptimeSeconds: 0, requireWallet: true },
  potl: { challengesPerBlock: 2, deadlineSeconds: 0.5, passShare: 1 },
  pow: { size: 48, deadlineSeconds: 1.5 },
  heartbeat: { intervalSeconds: 30, offlineAfterSeconds: 60 },
  tiers: [{ tier: 1, minDownMbps: 0.1, minUpMbps: 0.1, maxLatencyMs: 5000 }],
  payout: { everySeconds: 3, minimum: 0.000001, cluster: 'devnet', settlement: 'simulated' },
});

const inventory = async () => ({ hostname: 'test', os: 'linux', cpu: { brand: 'Test CPU', threads: 4 }, memoryBytes: 8e9, gpus: [{ model: 'NVIDIA H100 80GB HBM3', vramMiB: 80000 }] });

describe('block-reward payouts over a real session', () => {
  let dir: string;
  let coordinator: Coordinator;
  let ledger: Ledger;
  const clients: WorkerClient[] = [];
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payouts-'));
    coordinator = await Coordinator.start({ dataDir: path.join(dir, 'coordinator'), params });
    ledger = Ledger.open({ dataDir: path.join(dir, 'worker'), log: () => {} });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await coordinator.close();
    ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pays accrued block rewards to the payout address on schedule; the worker keeps each payout once', async () => {
    const secrets = memoryStore('test');
    const identity = await loadOrCreateIdentity(secrets);
    const account = await loadOrCreateAccount(secrets);
    const story: string[] = [];
    const sink = withStoryLines(ledgerRewardSink(ledger, { log: () => {} }), (line) => story.push(line));
    const client = () => {
      const c = new WorkerClient({
        network: coordinator.url, identity, account, name: () => 'rig', wallet: () => 'PayoutWa11et', inventory, sink,
        backoff: { initialMs: 100, maxMs: 400 }, speedTestBytes: 256 * 1024,
      });
      clients.push(c);
      c.start();
      return c;
    };
    const first = client();
    const paid = () => ledger.payouts().filter((p) => p.kind === 'block-rewards');
    await expect.poll(paid, { timeout: 20_000, interval: 200 }).not.toEqual([]);

    const [p] = paid();
    const network = coordinator.store.get<{ amount: number; signature: string; wallet: string; account_id: string }>('SELECT * FROM payouts WHERE id = ?', p.id)!;
    expect(network).toMatchObject({ wallet: 'PayoutWa11et', account_id: account.id, signature: p.tx });
    expect(p).toMatchObject({ device: identity.deviceId, wallet: 'PayoutWa11et', cluster: 'devnet', settlement: 'simulated', status: 'confirmed', amount: network.amount });
    expect(p.amount).toBeGreaterThan(0);
    expect(p.share).toBe(p.amount); // one machine: the whole payout is its share
    expect(isTransactionSignature(p.tx!)).toBe(true);
    // What it paid is what the blocks rewarded this device, none of it counted as hire earnings.
    const items = coordinator.store.get<{ s: number }>('SELECT sum(amount) AS s FROM payout_items WHERE payout_id = ?', p.id)!.s;
    expect(p.amount).toBeCloseTo(items, 9);
    expect(ledger.earningsTotals().jobEarnings).toBe(0);
    expect(ledger.payoutSchedule()).toMatchObject({ everySeconds: 3, minimum: 0.000001, cluster: 'devnet', settlement: 'simulated' });
    expect(story.filter((l) => l.includes(p.id))).toEqual([expect.stringMatching(/^payout: .* IO of block rewards to PayoutWa11et \(devnet, not on-chain; this machine's share .* IO, po-/)]);

    // A new session is sent the recent payouts again: nothing is stored or told twice.
    await first.stop();
    const again = client();
    await again.waitFor((s) => s.connection === 'online', 5000);
    const before = paid().length;
    await expect.poll(() => paid().length, { timeout: 10_000, interval: 200 }).toBeGreaterThan(before);
    const ids = paid().map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(story.filter((l) => l.includes(id)), id).toHaveLength(1);
  }, 40_000);
});

describe('onPayoutMessage', () => {
  const payout: RewardPayout = {
    id: 'po-0123456789abcdef', at: 1000, amount: 2, share: 1.5, wallet: 'W', cluster: 'testnet', settlement: 'on-chain', blocks: 3,
    signature: '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW',
  };

  it('hands each payout to the sink once, and the schedule every time', () => {
    const seen: string[] = [];
    const sink: RewardSink = {
      recordBlockReward() {}, recordPayout() {}, recordHire() {},
      recordRewardPayout: (_d, p) => void seen.push(p.id),
      recordPayoutSchedule: (s) => void seen.push(`schedule ${s.nextAt}`),
    };
    onPayoutMessage({ type: 'reward-payout', payout }, 'dev-1', sink);
    onPayoutMessage({ type: 'reward-payout', payout }, 'dev-1', sink);
    onPayoutMessage({ type: 'payout-schedule', schedule: { everySeconds: 60, minimum: 1, nextAt: 60_000, cluster: 'testnet', settlement: 'on-chain' } }, 'dev-1', sink);
    expect(seen).toEqual(['po-0123456789abcdef', 'schedule 60000']);
  });

  it('asks a ledger sink what it keeps already (a restarted worker is sent its payouts again)', () => {
    const ledger = Ledger.open({ dataDir: '', memory: true, log: () => {} });
    const story: string[] = [];
    const fresh = () => withStoryLines(ledgerRewardSink(ledger, { log: () => {} }), (l) => story.push(l));
    onPayoutMessage({ type: 'reward-payout', payout }, 'dev-1', fresh());
    onPayoutMessage({ type: 'reward-payout', payout }, 'dev-1', fresh());
    expect(ledger.payouts()).toEqual([expect.objectContaining({ id: payout.id, kind: 'block-rewards', tx: payout.signature, cluster: 'testnet', settlement: 'on-chain', share: 1.5 })]);
    expect(story).toEqual([`payout: 2.00 IO of block rewards to W (Solana testnet, transaction ${payout.signature}; this machine's share 1.50 IO, po-0123456789abcdef)`]);
    ledger.close();
  });

  it('feeds the "payout received" alert rule once per payout, saying a simulated one is not on-chain', async () => {
    const receiver = await startHttpReceiver();
    try {
      const alerter = new Alerter({
        settings: () => defaultSettings().alerts,
        channels: async () => ({ channels: [webhookChannel({ url: receiver.url, secret: null })], problems: [] }),
        device: () => ({ id: 'dev-1', name: 'rig' }),
        record: () => {},
      });
      const kept: string[] = [];
      const sink = tapRewardSink(alerter, { recordBlockReward() {}, recordPayout() {}, recordHire() {}, recordRewardPayout: (_d: string, p: RewardPayout) => void kept.push(p.id) });
      onPayoutMessage({ type: 'reward-payout', payout: { ...payout, settlement: 'simulated' } }, 'dev-1', sink);
      onPayoutMessage({ type: 'reward-payout', payout: { ...payout, settlement: 'simulated' } }, 'dev-1', sink);
      await alerter.settled();
      expect(kept).toEqual([payout.id]);
      expect(receiver.received.map((r) => JSON.parse(r.body) as { text: string; body: string })).toEqual([
        expect.objectContaining({ text: 'Payout received: 2.00 IO', body: 'Block rewards paid to W (devnet, not on-chain).' }),
      ]);
    } finally {
      await receiver.close();
    }
  });
});
