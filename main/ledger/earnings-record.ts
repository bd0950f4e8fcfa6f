// What the network and the runtime report, kept: block rewards, payouts, hires, jobs and notices,
// checked field by field before they are queued, and read back in the contract's shapes.
import type { BlockRewardRow, JobsHistory, Notice, NoticeHistory, Payout, PayoutSchedule, RewardsPage, RewardsSummary } from '../../preload/contract/index.ts';
import { SOLANA_CLUSTERS } from '../../preload/contract/earnings.ts';
import { checkDevice, checkTime, oneOf } from './checks.ts';
import { LedgerUnavailableError, type LedgerStore } from './store.ts';

// Amounts are kept as integer nano-tokens, so sums stay exact.
const NANO = 1_000_000_000;
export const nano = (amount: number) => Math.round(amount * NANO);
export const tokens = (nanoTokens: number) => nanoTokens / NANO;

function toNano(name: string, amount: number): number {
  const n = nano(amount);
  if (!Number.isFinite(amount) || amount < 0 || !Number.isSafeInteger(n)) {
    throw new TypeError(`${name} must be a non-negative token amount below ${Math.floor(Number.MAX_SAFE_INTEGER / NANO)}, not ${amount}.`);
  }
  return n;
}

/** T with the K fields optional: a report may leave out what the ledger reads back as null (or 0). */
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
export type BlockRewardReport = Optional<
  Omit<BlockRewardRow, 'recordedAt'>,
  'blockId' | 'baseScore' | 'normalizedScore' | 'detail' | 'tier' | 'processorType' | 'quantity' | 'pow' | 'potl'
> & { /** When the network closed the block (the block page's time line). */ closedAt?: number | null };
export type PayoutReport = Optional<Payout, 'wallet' | 'tx' | 'detail' | 'kind' | 'cluster' | 'settlement' | 'share'>;
type Hire = JobsHistory['hires'][number];
export type HireReport = Optional<Hire, 'client' | 'reservedUntil' | 'ended' | 'minutesServed' | 'paid' | 'detail'>;
type Job = JobsHistory['jobs'][number];
export type JobReport = Optional<Job, 'hireId' | 'ended' | 'exitCode' | 'detail'>;
type EarningsTotals = Omit<RewardsSummary['totals'], 'today'>;

const REWARD_COLUMNS =
  'device, block_ms, block_id, status, amount_nano, base_score, normalized_score, detail, recorded_ms, tier, processor, quantity, pow, potl_answered, potl_issued';
interface RewardRow {
  device: string;
  block_ms: number;
  block_id: number | null;
  status: 'passed' | 'failed';
  amount_nano: number;
  base_score: number | null;
  normalized_score: number | null;
  detail: string | null;
  recorded_ms: number;
  tier: number | null;
  processor: 'GPU' | 'CPU' | null;
  quantity: number | null;
  pow: string | null;
  potl_answered: number | null;
  potl_issued: number | null;
}
function rewardFromRow(r: RewardRow): BlockRewardRow {
  return {
    device: r.device,
    blockStart: r.block_ms,
    blockId: r.block_id,
    status: r.status,
    amount: tokens(r.amount_nano),
    baseScore: r.base_score,
    normalizedScore: r.normalized_score,
    detail: r.detail,
    recordedAt: r.recorded_ms,
    tier: r.tier,
    processorType: r.processor,
    quantity: r.quantity,
    pow: r.pow,
    // Both counts or neither: a row from before schema 2 says nothing about POTL.
    potl: r.potl_answered === null || r.potl_issued === null ? null : { answered: r.potl_answered, issued: r.potl_issued },
  };
}
function payoutFromRow(r: Record<string, never>): Payout {
  return {
    id: r.id,
    device: r.device,
    t: r.t_ms,
    amount: tokens(r.amount_nano),
    wallet: r.wallet,
    tx: r.tx,
    status: r.status,
    detail: r.detail,
    kind: r.kind,
    cluster: r.cluster,
    settlement: r.settlement,
    share: r.share_nano === null ? null : tokens(r.share_nano),
  };
}

export class EarningsRecord {
  readonly #store: LedgerStore;

  constructor(store: LedgerStore) {
    this.#store = store;
  }

  /** One block's outcome for a device (the amount in tokens, kept exact); recording the same block again replaces it. */
  recordBlockReward(reward: BlockRewardReport): void {
    const store = this.#store;
    store.requireWriter();
    const device = checkDevice(reward.device);
    const block = checkTime('blockStart', reward.blockStart);
    const blockId = reward.blockId ?? null;
    if (blockId !== null && !Number.isSafeInteger(blockId)) throw new TypeError(`blockId must be an integer, not ${blockId}.`);
    const status = oneOf('status', reward.status, ['passed', 'failed'] as const);
    const amount = toNano('amount', reward.amount);
    if (status === 'failed' && amount !== 0) throw new TypeError('A failed block earns nothing: amount must be 0.');
    const count = (name: string, v: number | null | undefined, max = Number.MAX_SAFE_INTEGER) => {
      if (v == null) return null;
      if (!Number.isSafeInteger(v) || v < 0 || v > max) throw new TypeError(`${name} must be an integer from 0 to ${max}, not ${v}.`);
      return v;
    };
    const tier = count('tier', reward.tier, 4);
    const processor = reward.processorType == null ? null : oneOf('processorType', reward.processorType, ['GPU', 'CPU'] as const);
    const quantity = count('quantity', reward.quantity);
    const potl = reward.potl ?? null;
    const answered = count('potl.answered', potl?.answered);
    const issued = count('potl.issued', potl?.issued);
    if (answered !== null && issued !== null && answered > issued) throw new TypeError(`potl.answered (${answered}) cannot exceed potl.issued (${issued}).`);
    const pow = reward.pow == null ? null : String(reward.pow).slice(0, 64);
    const recorded = store.now();
    const closed = reward.closedAt == null ? null : checkTime('closedAt', reward.closedAt);
    const row = [
      device, block, blockId, status, amount, reward.baseScore ?? null, reward.normalizedScore ?? null, reward.detail ?? null, recorded,
      tier, processor, quantity, pow, answered, issued, closed,
    ] as const;
    store.enqueue(`reward:${device}:${block}`, (db) =>
      store.statement(
        db,
        `INSERT OR REPLACE INTO block_rewards (device, block_ms, block_id, status, amount_nano, base_score, normalized_score, detail, recorded_ms,
           tier, processor, quantity, pow, potl_answered, potl_issued, closed_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...row),
    );
    store.flush();
  }

  recordPayout(payout: PayoutReport): void {
    const store = this.#store;
    store.requireWriter();
    if (!payout.id) throw new TypeError('A payout needs an id.');
    const row = [
      payout.id,
      checkDevice(payout.device),
      checkTime('t', payout.t),
      toNano('amount', payout.amount),
      payout.wallet ?? null,
      payout.tx ?? null,
      oneOf('status', payout.status, ['pending', 'sent', 'confirmed', 'failed'] as const),
      payout.detail ?? null,
      oneOf('kind', payout.kind ?? 'hire', ['hire', 'block-rewards'] as const),
      payout.cluster == null ? null : oneOf('cluster', payout.cluster, SOLANA_CLUSTERS),
      payout.settlement == null ? null : oneOf('settlement', payout.settlement, ['simulated', 'on-chain'] as const),
      payout.share == null ? null : toNano('share', payout.share),
    ] as const;
    if (payout.settlement === 'on-chain' && !payout.tx) throw new TypeError('An on-chain payout needs its transaction signature (tx).');
    store.enqueue(`payout:${payout.id}`, (db) =>
      store.statement(
        db,
        'INSERT OR REPLACE INTO payouts (id, device, t_ms, amount_nano, wallet, tx, status, detail, kind, cluster, settlement, share_nano) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(...row),
    );
    store.flush();
  }

  recordHire(hire: HireReport): void {
    const store = this.#store;
    store.requireWriter();
    if (!hire.id) throw new TypeError('A hire needs an id.');
    const minutes = hire.minutesServed ?? 0;
    if (!Number.isFinite(minutes) || minutes < 0) throw new TypeError(`minutesServed must be >= 0, not ${minutes}.`);
    const row = [
      hire.id,
      checkDevice(hire.device),
      hire.client ?? null,
      checkTime('started', hire.started),
      hire.reservedUntil == null ? null : checkTime('reservedUntil', hire.reservedUntil),
      hire.ended == null ? null : checkTime('ended', hire.ended),
      oneOf('status', hire.status, ['reserved', 'running', 'completed', 'failed', 'cancelled'] as const),
      minutes,
      toNano('paid', hire.paid ?? 0),
      hire.detail ?? null,
    ] as const;
    store.enqueue(`hire:${hire.id}`, (db) =>
      store.statement(
        db,
        // A later report keeps the first start time and never lowers what was served or paid.
        `INSERT INTO hires (id, device, client, started_ms, reserved_until_ms, ended_ms, status, minutes_served, paid_nano, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET client = COALESCE(excluded.client, client), started_ms = min(started_ms, excluded.started_ms),
           reserved_until_ms = COALESCE(excluded.reserved_until_ms, reserved_until_ms), ended_ms = COALESCE(excluded.ended_ms, ended_ms),
           status = excluded.status, minutes_served = max(minutes_served, excluded.minutes_served),
           paid_nano = max(paid_nano, excluded.paid_nano), detail = COALESCE(excluded.detail, detail)`,
      ).run(...row),
    );
    store.flush();
  }

  recordJob(job: JobReport): void {
    const store = this.#store;
    store.requireWriter();
    if (!job.id) throw new TypeError('A job needs an id.');
    const row = [
      job.id,
      job.hireId ?? null,
      checkDevice(job.device),
      oneOf('kind', job.kind, ['benchmark', 'ray', 'container', 'proof'] as const),
      checkTime('started', job.started),
      job.ended == null ? null : checkTime('ended', job.ended),
      oneOf('status', job.status, ['running', 'completed', 'failed', 'cancelled'] as const),
      job.exitCode ?? null,
      job.detail ?? null,
    ] as const;
    store.enqueue(`job:${job.id}`, (db) =>
      store.statement(
        db,
        'INSERT OR REPLACE INTO jobs (id, hire_id, device, kind, started_ms, ended_ms, status, exit_code, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(...row),
    );
    store.flush();
  }

  /** Keeps a notice in the notifications history (same id again replaces it). */
  recordNotice(notice: Notice, device: string | null = null): void {
    const store = this.#store;
    store.requireWriter();
    if (!notice.id) throw new TypeError('A notice needs an id.');
    checkTime('t', notice.t);
    oneOf('level', notice.level, ['info', 'warning', 'error'] as const);
    store.saveNotice({ ...notice }, device);
    store.flush();
  }

  blockRewards(from: number, to: number, device?: string): BlockRewardRow[] {
    const store = this.#store;
    const db = store.readDb();
    return (
      store.statement(
        db,
        `SELECT ${REWARD_COLUMNS} FROM block_rewards
         WHERE block_ms >= ? AND block_ms < ? AND (?3 IS NULL OR device = ?3) ORDER BY block_ms, device`,
      ).all(from, to, device ?? null) as unknown as RewardRow[]
    ).map(rewardFromRow);
  }

  /** One block's verdict for a device, with when the network closed it (null: not recorded). */
  blockReward(device: string, blockStart: number): (BlockRewardRow & { closedAt: number | null }) | null {
    const store = this.#store;
    const db = store.readDb();
    const row = store.statement(db, `SELECT ${REWARD_COLUMNS}, closed_ms FROM block_rewards WHERE device = ? AND block_ms = ?`).get(device, blockStart) as
      | (RewardRow & { closed_ms: number | null })
      | undefined;
    return row ? { ...rewardFromRow(row), closedAt: row.closed_ms } : null;
  }

  /** One page of the Block Rewards history, newest first (page 1 is the newest), with the total count. */
  rewardsPage(page: number, pageSize: number, device?: string): Pick<RewardsPage, 'rows' | 'total'> {
    if (!Number.isSafeInteger(page) || page < 1) throw new RangeError('page must be a whole number from 1.');
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new RangeError('pageSize must be from 1 to 1000.');
    const store = this.#store;
    const db = store.readDb();
    const total = Number(
      (store.statement(db, 'SELECT count(*) AS n FROM block_rewards WHERE (?1 IS NULL OR device = ?1)').get(device ?? null) as { n: number }).n,
    );
    const rows = (
      store.statement(
        db,
        `SELECT ${REWARD_COLUMNS} FROM block_rewards WHERE (?1 IS NULL OR device = ?1)
         ORDER BY block_ms DESC, device LIMIT ?2 OFFSET ?3`,
      ).all(device ?? null, pageSize, (page - 1) * pageSize) as unknown as RewardRow[]
    ).map(rewardFromRow);
    return { rows, total };
  }

  /**
   * Everything earned as of now, exact: block rewards and their pass/fail counts, hire payments
   * (payouts not failed) and hours of hired compute served.
   */
  earningsTotals(): EarningsTotals {
    const store = this.#store;
    const db = store.readDb();
    const blocks = store.statement(
      db,
      `SELECT COALESCE(sum(amount_nano), 0) AS s, COALESCE(sum(status = 'passed'), 0) AS passed, COALESCE(sum(status = 'failed'), 0) AS failed
       FROM block_rewards`,
    ).get() as { s: number; passed: number; failed: number };
    // Hire payments only: a block-reward payout pays out rewards already counted as block rewards.
    const paid = store.statement(db, "SELECT COALESCE(sum(amount_nano), 0) AS s FROM payouts WHERE status != 'failed' AND kind = 'hire'").get() as { s: number };
    const served = store.statement(db, 'SELECT COALESCE(sum(minutes_served), 0) AS m FROM hires').get() as { m: number };
    return {
      blockRewards: tokens(Number(blocks.s)),
      blocksPassed: Number(blocks.passed),
      blocksFailed: Number(blocks.failed),
      jobEarnings: tokens(Number(paid.s)),
      computeHours: Number(served.m) / 60,
    };
  }

  /** Hire payouts (not failed) made in [from, to), oldest first: the daily earnings' hire payments. */
  payoutsBetween(from: number, to: number): Payout[] {
    const store = this.#store;
    const db = store.readDb();
    return (
      store.statement(db, "SELECT * FROM payouts WHERE t_ms >= ? AND t_ms < ? AND status != 'failed' AND kind = 'hire' ORDER BY t_ms").all(from, to) as Record<string, never>[]
    ).map(payoutFromRow);
  }

  /** Whether a payout with this id is kept (a reconnect sends recent payouts again). */
  hasPayout(id: string): boolean {
    const store = this.#store;
    return store.statement(store.readDb(), 'SELECT 1 AS found FROM payouts WHERE id = ?').get(id) !== undefined;
  }

  /** The network's payout schedule, replacing the one heard before. */
  recordPayoutSchedule(schedule: Omit<PayoutSchedule, 'receivedAt'>): void {
    const store = this.#store;
    store.requireWriter();
    if (!Number.isSafeInteger(schedule.everySeconds) || schedule.everySeconds <= 0) throw new TypeError(`everySeconds must be a positive integer, not ${schedule.everySeconds}.`);
    const row = [
      schedule.everySeconds, toNano('minimum', schedule.minimum), checkTime('nextAt', schedule.nextAt), oneOf('cluster', schedule.cluster, SOLANA_CLUSTERS),
      oneOf('settlement', schedule.settlement, ['simulated', 'on-chain'] as const), store.now(),
    ] as const;
    store.enqueue('payout-schedule', (db) =>
      store.statement(db, 'INSERT OR REPLACE INTO payout_schedule (id, every_s, minimum_nano, next_ms, cluster, settlement, received_ms) VALUES (1, ?, ?, ?, ?, ?, ?)').run(...row),
    );
    store.flush();
  }

  payoutSchedule(): PayoutSchedule | null {
    const store = this.#store;
    const r = store.statement(store.readDb(), 'SELECT * FROM payout_schedule WHERE id = 1').get() as Record<string, never> | undefined;
    if (!r) return null;
    return { everySeconds: r.every_s, minimum: tokens(r.minimum_nano), nextAt: r.next_ms, cluster: r.cluster, settlement: r.settlement, receivedAt: r.received_ms };
  }

  /** Total earned in a range, exact (summed as integer nano-tokens). */
  rewardTotal(from: number, to: number, device?: string): number {
    const store = this.#store;
    const db = store.readDb();
    const row = store.statement(
      db,
      'SELECT COALESCE(sum(amount_nano), 0) AS s FROM block_rewards WHERE block_ms >= ? AND block_ms < ? AND (?3 IS NULL OR device = ?3)',
    ).get(from, to, device ?? null) as { s: number };
    return tokens(Number(row.s));
  }

  payouts(limit = 100): Payout[] {
    const store = this.#store;
    const db = store.readDb();
    return (store.statement(db, 'SELECT * FROM payouts ORDER BY t_ms DESC LIMIT ?').all(limit) as Record<string, never>[]).map(payoutFromRow);
  }

  hires(limit = 100): Hire[] {
    const store = this.#store;
    const db = store.readDb();
    return (store.statement(db, 'SELECT * FROM hires ORDER BY started_ms DESC LIMIT ?').all(limit) as Record<string, never>[]).map((r) => ({
      id: r.id,
      device: r.device,
      client: r.client,
      started: r.started_ms,
      reservedUntil: r.reserved_until_ms,
      ended: r.ended_ms,
      status: r.status,
      minutesServed: r.minutes_served,
      paid: tokens(r.paid_nano),
      detail: r.detail,
    }));
  }

  jobs(limit = 100): Job[] {
    const store = this.#store;
    const db = store.readDb();
    return (store.statement(db, 'SELECT * FROM jobs ORDER BY started_ms DESC LIMIT ?').all(limit) as Record<string, never>[]).map((r) => ({
      id: r.id,
      hireId: r.hire_id,
      device: r.device,
      kind: r.kind,
      started: r.started_ms,
      ended: r.ended_ms,
      status: r.status,
      exitCode: r.exit_code,
      detail: r.detail,
    }));
  }

  notices(limit = 100): NoticeHistory {
    const store = this.#store;
    let saved: NoticeHistory = [];
    try {
      const db = store.readDb();
      saved = (store.statement(db, 'SELECT * FROM notices ORDER BY t_ms DESC LIMIT ?').all(limit) as Record<string, never>[]).map((r) => ({
        id: r.id,
        t: r.t_ms,
        level: r.level,
        title: r.title,
        body: r.body,
        device: r.device,
      }));
    } catch (error) {
      // While the disk refuses the file, the notices of this run (why history is not saved) still show.
      if (!(error instanceof LedgerUnavailableError) || store.unsavedNotices().length === 0) throw error;
    }
    const unsaved = store.unsavedNotices().filter((n) => !saved.some((s) => s.id === n.id));
    return unsaved.length === 0 ? saved : [...unsaved, ...saved].sort((a, b) => b.t - a.t).slice(0, limit);
  }
}
