// Payouts: on the network's schedule (params.payout) the block rewards each account has accrued and
// not yet been paid are summed per payout address, and where the sum reaches the minimum they are
// paid in one transaction. This devnet cannot send on Solana: it records each payout with a
// signature it makes itself (Ed25519 by the network key, base58, the form of a Solana transaction
// signature) and marks it simulated, so no page may present it as on-chain. Each payout goes to the
// sessions of the devices it pays for, again whenever one reconnects (workers keep it once by id).
import crypto from 'node:crypto';
import type { PayoutSchedule, RewardPayout } from '../worker/protocol.ts';
import type { Rooms } from './context.ts';

/** Payouts a reconnecting device is sent again: its recent ones, newest first. */
const RESEND_DAYS = 30;
const RESEND_LIMIT = 50;
const DELIVERY_CHECK_MS = 1000;
const NANO = 1e9;

interface PayoutRow {
  id: string;
  account_id: string;
  wallet: string;
  amount: number;
  signature: string;
  cluster: RewardPayout['cluster'];
  settlement: RewardPayout['settlement'];
  created_at: number;
  due_at: number;
}

interface Unpaid {
  block_id: number;
  device_id: string;
  reward: number;
  account_id: string;
  wallet: string;
}

/** The last scheduled run at or before `now`: runs fall on whole multiples of the period since the epoch. */
export function lastDue(now: number, everySeconds: number): number {
  const period = everySeconds * 1000;
  return Math.floor(now / period) * period;
}

/** The next scheduled run after `now`. */
export function nextDue(now: number, everySeconds: number): number {
  return lastDue(now, everySeconds) + everySeconds * 1000;
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Bitcoin-alphabet base58, the text form of Solana keys and signatures. */
export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

/** What the network signs for a simulated payout: anyone with its public key can check the record. */
export function payoutStatement(networkId: string, p: Pick<PayoutRow, 'id' | 'wallet' | 'amount' | 'created_at'>): string {
  return `io-worker/payout\n${networkId}\n${p.id}\n${p.wallet}\n${Math.round(p.amount * NANO)}\n${p.created_at}`;
}

export class Payouts {
  readonly #c: Rooms;
  #lastRun: number;
  #nextDeliveryCheck = 0;
  /** Devices whose session was open at the last delivery check. */
  #connected = new Set<string>();
  /** Devices a payout could not be sent to: sent again once their session is open. */
  readonly #undelivered = new Set<string>();

  constructor(c: Rooms) {
    this.#c = c;
    if (c.params.payout.settlement === 'on-chain') {
      throw new Error('This devnet coordinator cannot pay on Solana (it holds no funded payer key): set payout.settlement to "simulated".');
    }
    this.#lastRun = c.store.get<{ due: number | null }>('SELECT max(due_at) AS due FROM payout_runs')?.due ?? -1;
  }

  schedule(now = Date.now()): PayoutSchedule {
    const { everySeconds, minimum, cluster, settlement } = this.#c.params.payout;
    return { everySeconds, minimum, cluster, settlement, nextAt: nextDue(now, everySeconds) };
  }

  /** Runs a payout that is due (one run makes up for any missed while the coordinator was down), then delivers. */
  tick(now: number): void {
    const due = lastDue(now, this.#c.params.payout.everySeconds);
    if (due > this.#lastRun) {
      this.#lastRun = due;
      const made = this.run(due, now);
      for (const id of this.#connected) this.#c.sessions.send(id, { type: 'payout-schedule', schedule: this.schedule(now) });
      for (const p of made) this.#sendPayout(p);
    }
    if (now >= this.#nextDeliveryCheck) {
      this.#nextDeliveryCheck = now + DELIVERY_CHECK_MS;
      this.#deliver(now);
    }
  }

  /** Pays every account and payout address whose unpaid block rewards reach the minimum; returns the payouts made. */
  run(due: number, now: number): PayoutRow[] {
    const { store, params, network } = this.#c;
    const unpaid = store.all<Unpaid>(
      `SELECT bd.block_id, bd.device_id, bd.reward, d.account_id, d.wallet FROM block_devices bd
       JOIN blocks b ON b.id = bd.block_id AND b.status = 'Completed' JOIN devices d ON d.id = bd.device_id
       LEFT JOIN payout_items pi ON pi.block_id = bd.block_id AND pi.device_id = bd.device_id
       WHERE bd.status = 'Completed' AND bd.reward > 0 AND pi.payout_id IS NULL AND d.wallet IS NOT NULL`,
    );
    const groups = new Map<string, Unpaid[]>();
    for (const u of unpaid) {
      const key = `${u.account_id}\n${u.wallet}`;
      groups.set(key, [...(groups.get(key) ?? []), u]);
    }
    const made: PayoutRow[] = [];
    store.tx(() => {
      for (const items of groups.values()) {
        // Summed in nano-coins so the total is exactly the sum of its parts.
        const amount = items.reduce((s, u) => s + Math.round(u.reward * NANO), 0) / NANO;
        if (amount < params.payout.minimum || amount <= 0) continue;
        const base = { id: `po-${crypto.randomBytes(8).toString('hex')}`, account_id: items[0].account_id, wallet: items[0].wallet, amount, created_at: now };
        const signature = base58(network.signer.sign(payoutStatement(network.networkId, base)));
        const row: PayoutRow = { ...base, signature, cluster: params.payout.cluster, settlement: params.payout.settlement, due_at: due };
        store.run('INSERT INTO payouts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', row.id, row.account_id, row.wallet, row.amount, row.signature, row.cluster, row.settlement, row.created_at, row.due_at);
        for (const u of items) store.run('INSERT INTO payout_items VALUES (?, ?, ?, ?)', u.block_id, u.device_id, row.id, u.reward);
        made.push(row);
      }
      store.run('INSERT OR REPLACE INTO payout_runs VALUES (?, ?, ?)', due, now, made.length);
    });
    for (const p of made) this.#c.log(`payout ${p.id}: ${p.amount} to ${p.wallet} (${p.settlement}, ${p.cluster})`);
    return made;
  }

  /** A device's payouts as the wire carries them, newest first. */
  forDevice(deviceId: string, since = 0, limit = RESEND_LIMIT): RewardPayout[] {
    return this.#c.store
      .all<PayoutRow & { share: number; blocks: number }>(
        `SELECT p.*, sum(pi.amount) AS share, count(*) AS blocks FROM payouts p JOIN payout_items pi ON pi.payout_id = p.id
         WHERE pi.device_id = ? AND p.created_at >= ? GROUP BY p.id ORDER BY p.created_at DESC LIMIT ?`,
        deviceId, since, limit,
      )
      .map((r) => ({
        id: r.id, at: r.created_at, amount: r.amount, share: Math.round(r.share * NANO) / NANO, wallet: r.wallet, signature: r.signature,
        cluster: r.cluster, settlement: r.settlement, blocks: r.blocks,
      }));
  }

  #sendPayout(p: PayoutRow): void {
    const devices = this.#c.store.all<{ device_id: string }>('SELECT DISTINCT device_id FROM payout_items WHERE payout_id = ?', p.id);
    for (const { device_id: id } of devices) {
      const wire = this.forDevice(id, p.created_at, RESEND_LIMIT).find((w) => w.id === p.id);
      if (!wire || !this.#c.sessions.send(id, { type: 'reward-payout', payout: wire })) this.#undelivered.add(id);
    }
  }

  /** A session that opened since the last check, or one a payout missed, is sent the schedule and its recent payouts. */
  #deliver(now: number): void {
    const { devices, sessions } = this.#c;
    const connected = new Set<string>();
    for (const d of devices.all()) if (sessions.connected(d.id)) connected.add(d.id);
    for (const id of connected) {
      if (this.#connected.has(id) && !this.#undelivered.has(id)) continue;
      let sent = sessions.send(id, { type: 'payout-schedule', schedule: this.schedule(now) });
      for (const payout of this.forDevice(id, now - RESEND_DAYS * 86_400_000).reverse()) sent = sessions.send(id, { type: 'reward-payout', payout }) && sent;
      if (sent) this.#undelivered.delete(id);
    }
    this.#connected = connected;
  }
}
