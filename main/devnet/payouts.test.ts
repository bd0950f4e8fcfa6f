// Payouts on the network's schedule: when they run, who is paid from what minimum, the simulated
// signature's form, and that nothing is paid twice. A real coordinator (in memory) and its store.
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { base58Decode, isTransactionSignature } from '../../renderer/solscan.ts';
import { TX_SIGNATURE_PATTERN } from '../worker/protocol.ts';
import { Coordinator } from './coordinator.ts';
import { resolveParams } from './params.ts';
import { base58, lastDue, nextDue, payoutStatement } from './payouts.ts';

const DAY = 86_400_000;

describe('payout schedule', () => {
  it('runs on whole periods since the epoch: a daily payout is at 00:00 UTC', () => {
    const t = Date.UTC(2026, 2, 14, 15, 27, 3);
    expect(lastDue(t, 86_400)).toBe(Date.UTC(2026, 2, 14));
    expect(nextDue(t, 86_400)).toBe(Date.UTC(2026, 2, 15));
    expect(nextDue(Date.UTC(2026, 2, 14), 86_400)).toBe(Date.UTC(2026, 2, 15)); // a run exactly due is the last one, not the next
    expect(nextDue(t, 3600)).toBe(Date.UTC(2026, 2, 14, 16));
    expect(nextDue(10_500, 2)).toBe(12_000);
  });

  it('is a network parameter: daily from 1 IO by default, simulated on devnet; a bad one is refused by name', () => {
    expect(resolveParams().payout).toEqual({ everySeconds: 86_400, minimum: 1, cluster: 'devnet', settlement: 'simulated' });
    expect(resolveParams({ payout: { everySeconds: 5 } }).payout).toMatchObject({ everySeconds: 5, minimum: 1 });
    expect(() => resolveParams({ payout: { everySeconds: 0 } })).toThrow(/payout\.everySeconds/);
    expect(() => resolveParams({ payout: { minimum: -1 } })).toThrow(/payout\.minimum/);
    expect(() => resolveParams({ payout: { cluster: 'localnet' } })).toThrow(/payout\.cluster/);
  });
});

describe('base58', () => {
  it('encodes as Solana does, leading zero bytes as 1s, and decodes back', () => {
    expect(base58(Uint8Array.from([0, 0, 1]))).toBe('112');
    expect(base58(Buffer.from('hello world'))).toBe('StV1DL6CwTryKyV');
    for (let i = 0; i < 50; i++) {
      const bytes = crypto.randomBytes(64);
      if (i % 10 === 0) bytes[0] = 0;
      const text = base58(bytes);
      expect(text).toMatch(TX_SIGNATURE_PATTERN);
      expect(Buffer.from(base58Decode(text)!)).toEqual(bytes);
    }
  });
});

describe('payouts on a coordinator', () => {
  let coordinator: Coordinator | null = null;
  afterEach(async () => {
    await coordinator?.close();
    coordinator = null;
  });

  async function start(payout: object) {
    // A schedule far from any test run's clock: only run() pays here.
    coordinator = await Coordinator.start({ dataDir: null, params: resolveParams({ payout: { everySeconds: 30 * 86_400, ...payout } }) });
    const c = coordinator;
    let block = 100;
    const device = (id: string, account: string, wallet: string | null) => {
      c.store.run('INSERT OR IGNORE INTO accounts VALUES (?, ?, ?)', account, 'pem', 0);
      c.store.run(
        `INSERT INTO devices (id, account_id, public_key, name, wallet, inventory, processor_type, model, quantity, multiplier, registered_at)
         VALUES (?, ?, 'pem', ?, ?, '{}', 'GPU', 'H100', 1, 4, 0)`,
        id, account, id, wallet,
      );
    };
    /** One closed block with a result per device: [device, reward, passed]. */
    const close = (results: [string, number, boolean][]) => {
      block++;
      c.store.run("INSERT INTO blocks (id, started_at, ends_at, status, emission, closed_at) VALUES (?, 0, 1, 'Completed', 10, 1)", block, );
      for (const [id, reward, passed] of results) {
        c.store.run('INSERT INTO block_devices (block_id, device_id, reward, status) VALUES (?, ?, ?, ?)', block, id, passed ? reward : 0, passed ? 'Completed' : 'Failed');
      }
    };
    return { c, device, close };
  }

  it('pays each account per payout address once the minimum has accrued, never twice, and waits for a wallet', async () => {
    const { c, device, close } = await start({ minimum: 1 });
    device('dev-a1', 'acct-a', 'WalletA');
    device('dev-a2', 'acct-a', 'WalletA');
    device('dev-b', 'acct-b', 'WalletB');
    device('dev-c', 'acct-c', null);
    close([['dev-a1', 0.6, true], ['dev-a2', 0.5, true], ['dev-b', 0.3, true], ['dev-c', 5, true]]);
    close([['dev-a1', 7, false], ['dev-b', 0.4, true]]);
    const t1 = Date.UTC(2026, 0, 1);
    const first = c.payouts.run(t1, t1 + 5);
    // Account A: 0.6 + 0.5 in one transaction; B has 0.7 (< 1); C has no payout address; a failed block pays nothing.
    expect(first.map((p) => ({ wallet: p.wallet, amount: p.amount, account: p.account_id }))).toEqual([{ wallet: 'WalletA', amount: 1.1, account: 'acct-a' }]);
    expect(first[0]).toMatchObject({ cluster: 'devnet', settlement: 'simulated', created_at: t1 + 5, due_at: t1 });
    expect(c.payouts.forDevice('dev-a1')).toEqual([expect.objectContaining({ id: first[0].id, amount: 1.1, share: 0.6, blocks: 1, wallet: 'WalletA' })]);
    expect(c.payouts.forDevice('dev-a2')[0]).toMatchObject({ share: 0.5 });
    expect(c.payouts.run(t1 + DAY, t1 + DAY)).toEqual([]); // nothing new accrued: nothing paid again
    close([['dev-b', 0.35, true], ['dev-a1', 0.2, true]]);
    c.store.run("UPDATE devices SET wallet = 'WalletC' WHERE id = 'dev-c'");
    const third = c.payouts.run(t1 + 2 * DAY, t1 + 2 * DAY);
    expect(third.map((p) => [p.wallet, p.amount]).sort()).toEqual([['WalletB', 1.05], ['WalletC', 5]]);
    // A's 0.2 waits for the minimum; every paid result is covered exactly once.
    expect(c.store.get<{ n: number }>('SELECT count(*) AS n FROM payout_items')!.n).toBe(6);
    expect(c.store.all<{ due_at: number; payouts: number }>('SELECT due_at, payouts FROM payout_runs ORDER BY due_at')).toEqual([
      { due_at: t1, payouts: 1 }, { due_at: t1 + DAY, payouts: 0 }, { due_at: t1 + 2 * DAY, payouts: 2 },
    ]);
  });

  it('signs each simulated payout with the network key: 64 bytes in base58, checkable against its record', async () => {
    const { c, device, close } = await start({ minimum: 0 });
    device('dev-a1', 'acct-a', 'WalletA');
    close([['dev-a1', 2.5, true]]);
    const [p] = c.payouts.run(1000, 2000);
    expect(isTransactionSignature(p.signature)).toBe(true);
    const key = crypto.createPublicKey(c.network.publicKeyPem);
    expect(crypto.verify(null, Buffer.from(payoutStatement(c.network.networkId, p)), key, base58Decode(p.signature)!)).toBe(true);
    expect(crypto.verify(null, Buffer.from(payoutStatement(c.network.networkId, { ...p, amount: 25 })), key, base58Decode(p.signature)!)).toBe(false);
  });

  it('refuses to pretend: a devnet coordinator cannot settle on-chain', async () => {
    await expect(Coordinator.start({ dataDir: null, params: resolveParams({ payout: { settlement: 'on-chain' } }) })).rejects.toThrow(/cannot pay on Solana.*simulated/);
  });
});
