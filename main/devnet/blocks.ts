// The block scheduler: a block every blockSeconds nominates the online devices, asks each for POTL
// and POW answers at unpredictable times, judges them, scores the block and tells the workers.
import crypto from 'node:crypto';
import type { z } from 'zod';
import type { BlockResult, PotlAnswerSchema, PowAnswerSchema, PowCommitSchema } from '../worker/protocol.ts';
import { ProtocolError, type Rooms } from './context.ts';
import { pickRows, potlPassed, verifyOpenings, type PowBatch, type PowPick } from './proofs.ts';
import { baseScore, eligibility, failingRules, powPlan, provenHardware, scoreBlock, type BlockEntry, type Hardware } from './scoring.ts';
import type { BlockDeviceRow, BlockRow } from './store.ts';

const RESTART_GRACE_MS = 3000;

interface Nominee {
  row: BlockDeviceRow;
  potlTimes: number[];
  pendingPotl: Map<string, { nonce: string; deadline: number }>;
  powAt: number | null;
  pow: PowState | null;
}

/** One POW challenge in flight: what was asked for the claim, what was committed, what was picked. */
interface PowState {
  challengeId: string;
  seed: string;
  size: number;
  products: number;
  claim: Hardware;
  issuedAt: number;
  deadline: number;
  batches: PowBatch[];
  committed: number;
  lastCommitAt: number | null;
  picks: PowPick[] | null;
  openDeadline: number;
  /** What a passed proof supports (the claim, a share of it, or one CPU). */
  proven: Hardware | null;
}

interface CurrentBlock {
  row: BlockRow;
  nominees: Map<string, Nominee>;
}

export class Blocks {
  readonly #c: Rooms;
  #block: CurrentBlock | null = null;

  constructor(c: Rooms) {
    this.#c = c;
  }

  resumeOrOpen(now: number): void {
    const { store, params } = this.#c;
    const open = store.get<BlockRow>("SELECT * FROM blocks WHERE status != 'Completed' ORDER BY id DESC LIMIT 1");
    if (!open) return this.#open(now);
    // A block interrupted by a restart goes on with what was stored; challenges not yet sent are re-planned.
    // The outage is the coordinator's fault, not the workers': challenges left unanswered across it
    // are void, and new ones wait until the workers have had time to reconnect.
    const nominees = new Map<string, Nominee>();
    const from = Math.max(now + RESTART_GRACE_MS, open.started_at);
    const roomForPotl = open.ends_at - from > params.potl.deadlineSeconds * 1000 + 500;
    const roomForPow = open.ends_at - from > 1000;
    store.tx(() => {
      for (const row of store.all<BlockDeviceRow>('SELECT * FROM block_devices WHERE block_id = ?', open.id)) {
        row.potl_issued = row.potl_answered;
        const remaining = roomForPotl ? Math.max(0, params.potl.challengesPerBlock - row.potl_issued) : 0;
        const nominee: Nominee = { row, potlTimes: this.#plan(remaining, from, open.ends_at), pendingPotl: new Map(), powAt: null, pow: null };
        if (row.pow === 'pending' || row.pow === 'not-issued') {
          row.pow = 'not-issued';
          if (roomForPow) nominee.powAt = randomTime(from, from + (open.ends_at - from) / 3);
        }
        store.run('UPDATE block_devices SET potl_issued = ?, pow = ? WHERE block_id = ? AND device_id = ?', row.potl_issued, row.pow, open.id, row.device_id);
        nominees.set(row.device_id, nominee);
      }
    });
    this.#block = { row: { ...open, status: 'In Progress' }, nominees };
    store.run("UPDATE blocks SET status = 'In Progress' WHERE id = ?", open.id);
  }

  #plan(count: number, from: number, to: number): number[] {
    const latest = Math.max(from, to - this.#c.params.potl.deadlineSeconds * 1000 - 500);
    return Array.from({ length: count }, () => randomTime(from, latest)).sort((a, b) => a - b);
  }

  #open(now: number): void {
    const { store, params, devices, hires } = this.#c;
    const last = store.get<{ id: number; ends_at: number }>('SELECT id, ends_at FROM blocks ORDER BY id DESC LIMIT 1');
    const id = (last?.id ?? 0) + 1;
    const startedAt = now;
    const endsAt = startedAt + params.blockSeconds * 1000;
    const nominees = new Map<string, Nominee>();
    const hiredIds = hires.hiredIds();
    store.tx(() => {
      store.run('INSERT INTO blocks (id, started_at, ends_at, status, emission) VALUES (?, ?, ?, ?, ?)', id, startedAt, endsAt, 'In Progress', params.blockEmission);
      for (const device of devices.all()) {
        // A paused device is not nominated: no challenges, no result, no failure (docs/protocol.md, "Pauses").
        if (!devices.online(device, now) || device.blocked || device.paused !== null) continue;
        const hired = hiredIds.has(device.id);
        const row: BlockDeviceRow = {
          block_id: id, device_id: device.id, potl_issued: 0, potl_answered: 0, pow: hired ? 'skipped-hired' : 'not-issued', pow_ms: null,
          pow_ops_per_sec: null, was_hired: hired ? 1 : 0, base: 0, normalized: 0, reward: 0, status: 'In Progress', reason: null,
        };
        store.run('INSERT INTO block_devices (block_id, device_id, pow, was_hired) VALUES (?, ?, ?, ?)', id, device.id, row.pow, row.was_hired);
        const powWindowEnd = startedAt + (endsAt - startedAt) / 3;
        nominees.set(device.id, {
          row,
          potlTimes: this.#plan(params.potl.challengesPerBlock, startedAt, endsAt),
          pendingPotl: new Map(),
          powAt: hired ? null : randomTime(startedAt, powWindowEnd),
          pow: null,
        });
      }
      store.run('UPDATE blocks SET nominated = ? WHERE id = ?', nominees.size, id);
    });
    this.#block = { row: { id, started_at: startedAt, ends_at: endsAt, status: 'In Progress', emission: params.blockEmission, nominated: nominees.size, passed: 0, distributed: 0, closed_at: null }, nominees };
  }

  /** Sends the challenges that are due; closes the block at its end and opens the next. */
  tick(now: number): void {
    const { store, params, sessions } = this.#c;
    const block = this.#block;
    if (!block) return;
    for (const [deviceId, n] of block.nominees) {
      while (n.potlTimes.length && n.potlTimes[0] <= now) {
        n.potlTimes.shift();
        const challengeId = crypto.randomBytes(8).toString('hex');
        const nonce = crypto.randomBytes(16).toString('hex');
        const deadline = now + params.potl.deadlineSeconds * 1000;
        n.pendingPotl.set(challengeId, { nonce, deadline });
        n.row.potl_issued += 1;
        store.run('UPDATE block_devices SET potl_issued = ? WHERE block_id = ? AND device_id = ?', n.row.potl_issued, block.row.id, deviceId);
        sessions.send(deviceId, { type: 'potl', challengeId, nonce, deadline });
      }
      if (n.powAt !== null && n.powAt <= now && n.row.pow === 'not-issued') {
        n.powAt = null;
        this.#issuePow(deviceId, n, block.row, now);
      }
      // The commitments close at the deadline: the rows are picked from what came in time.
      if (n.pow && n.row.pow === 'pending' && !n.pow.picks && now >= n.pow.deadline) this.#openPow(deviceId, n, now);
    }
    if (now >= block.row.ends_at) {
      this.#close(now);
      this.#open(now);
    }
  }

  answerPotl(deviceId: string, body: z.infer<typeof PotlAnswerSchema>): void {
    const nominee = this.#block?.nominees.get(deviceId);
    const pending = nominee?.pendingPotl.get(body.challengeId);
    if (!nominee || !pending) throw new ProtocolError('unknown-challenge', 'No open liveness challenge with this id.');
    nominee.pendingPotl.delete(body.challengeId);
    if (pending.nonce !== body.nonce) throw new ProtocolError('bad-answer', 'The answer does not echo the challenge nonce.');
    if (Date.now() > pending.deadline) throw new ProtocolError('late', 'The liveness answer came after its deadline.');
    nominee.row.potl_answered += 1;
    this.#c.store.run('UPDATE block_devices SET potl_answered = ? WHERE block_id = ? AND device_id = ?', nominee.row.potl_answered, nominee.row.block_id, deviceId);
  }

  /** Sends a challenge sized to the device's claimed processors, due by the time they need. */
  #issuePow(deviceId: string, n: Nominee, block: BlockRow, now: number): void {
    const { params, devices, sessions } = this.#c;
    const device = devices.get(deviceId);
    if (!device) return;
    const claim: Hardware = { processorType: device.processor_type, model: device.model, quantity: device.quantity, multiplier: device.multiplier };
    const plan = powPlan(claim, params);
    // Room to open the rows before the block closes.
    const openRoom = Math.min(params.pow.openSeconds * 1000, (block.ends_at - now) / 4);
    const deadline = Math.min(now + plan.deadlineMs, block.ends_at - openRoom);
    const seed = crypto.randomBytes(16).toString('hex');
    const challengeId = crypto.randomBytes(8).toString('hex');
    n.pow = {
      challengeId, seed, size: params.pow.size, products: plan.products, claim, issuedAt: now, deadline,
      batches: [], committed: 0, lastCommitAt: null, picks: null, openDeadline: block.ends_at, proven: null,
    };
    const sent = sessions.send(deviceId, { type: 'pow', challengeId, seed, size: params.pow.size, products: plan.products, deadline });
    this.#setPow(n, sent ? 'pending' : 'failed', sent ? null : 'offline when the POW challenge was issued');
  }

  /** Picks the rows to open among the committed products, after the commitments, from the CSPRNG. */
  #openPow(deviceId: string, n: Nominee, now: number): void {
    const pow = n.pow!;
    if (pow.committed === 0) return this.#setPow(n, 'failed', 'no POW commitment before the deadline');
    pow.picks = pickRows(pow.committed, pow.size, this.#c.params.pow.rowsOpened);
    pow.openDeadline = Math.min(this.#block!.row.ends_at, now + this.#c.params.pow.openSeconds * 1000);
    const sent = this.#c.sessions.send(deviceId, { type: 'pow-open', challengeId: pow.challengeId, rows: pow.picks, deadline: pow.openDeadline });
    if (!sent) this.#setPow(n, 'failed', 'offline when the POW rows were picked');
  }

  answerPowCommit(deviceId: string, body: z.infer<typeof PowCommitSchema>): void {
    const nominee = this.#block?.nominees.get(deviceId);
    const pow = this.#openPowOf(nominee, body.challengeId);
    const now = Date.now();
    if (pow.picks || now > pow.deadline) throw new ProtocolError('late', 'The POW commitment came after its deadline.');
    if (body.from !== pow.committed || body.from + body.count > pow.products) {
      throw new ProtocolError('bad-answer', `The POW commitment must cover products from ${pow.committed}, at most ${pow.products} in all.`);
    }
    if (pow.batches.length >= 2000) throw new ProtocolError('bad-answer', 'Too many POW commitments: commit larger batches.');
    pow.batches.push({ from: body.from, count: body.count, root: body.root });
    pow.committed += body.count;
    pow.lastCommitAt = now;
    if (pow.committed === pow.products) this.#openPow(deviceId, nominee!, now);
  }

  answerPow(deviceId: string, body: z.infer<typeof PowAnswerSchema>): void {
    const nominee = this.#block?.nominees.get(deviceId);
    const pow = this.#openPowOf(nominee, body.challengeId);
    if (!pow.picks) throw new ProtocolError('unknown-challenge', 'No POW rows were picked yet: commit first.');
    const { params } = this.#c;
    const now = Date.now();
    let verdict = now > pow.openDeadline ? { ok: false, reason: 'POW answer came after its deadline' } : verifyOpenings(pow.seed, pow.size, pow.batches, pow.picks, body.rows);
    const row = nominee!.row;
    const tookMs = Math.max(1, (pow.lastCommitAt ?? now) - pow.issuedAt);
    if (verdict.ok) {
      const windowMs = pow.committed === pow.products ? tookMs : pow.deadline - pow.issuedAt;
      pow.proven = provenHardware(pow.claim, { size: pow.size, products: pow.products, committed: pow.committed, windowMs }, params);
      if (!pow.proven) verdict = { ok: false, reason: `POW proved ${pow.committed} of ${pow.products} products in time: too little for any processor` };
    }
    row.pow_ms = tookMs;
    row.pow_ops_per_sec = verdict.ok ? (pow.committed * 2 * pow.size ** 3) / tookMs * 1000 : null;
    this.#setPow(nominee!, verdict.ok ? 'passed' : 'failed', verdict.ok ? null : verdict.reason);
    if (!verdict.ok) this.#c.log(`device ${deviceId} failed POW: ${verdict.reason}`);
  }

  #openPowOf(nominee: Nominee | undefined, challengeId: string): PowState {
    const pow = nominee?.pow;
    if (!nominee || !pow || pow.challengeId !== challengeId || nominee.row.pow !== 'pending') {
      throw new ProtocolError('unknown-challenge', 'No open POW challenge with this id.');
    }
    return pow;
  }

  #setPow(n: Nominee, pow: BlockDeviceRow['pow'], reason: string | null): void {
    n.row.pow = pow;
    n.row.reason = reason;
    this.#c.store.run(
      'UPDATE block_devices SET pow = ?, pow_ms = ?, pow_ops_per_sec = ?, reason = ? WHERE block_id = ? AND device_id = ?',
      n.row.pow, n.row.pow_ms, n.row.pow_ops_per_sec, n.row.reason, n.row.block_id, n.row.device_id,
    );
  }

  /** A device hired in the middle of a block is scored as hired in it. */
  markHired(deviceId: string): void {
    const nominee = this.#block?.nominees.get(deviceId);
    if (!nominee) return;
    nominee.row.was_hired = 1;
    this.#c.store.run('UPDATE block_devices SET was_hired = 1 WHERE block_id = ? AND device_id = ?', nominee.row.block_id, deviceId);
  }

  /** Processing -> Completed: evaluates proofs and eligibility, scores, stores, tells the workers. */
  #close(now: number): void {
    const { store, params, devices, sessions } = this.#c;
    const block = this.#block;
    if (!block) return;
    sessions.flush();
    store.run("UPDATE blocks SET status = 'Processing' WHERE id = ?", block.row.id);
    const entries: BlockEntry[] = [];
    const rows: BlockDeviceRow[] = [];
    const scoredHardware = new Map<string, Hardware>();
    for (const [deviceId, n] of block.nominees) {
      const device = devices.get(deviceId);
      const row = n.row;
      const reasons: string[] = [];
      // 'not-issued' only follows a coordinator restart that left no time to ask: it fails nobody.
      if (row.pow === 'pending') {
        row.pow = 'failed';
        reasons.push('no POW answer before the block closed');
      } else if (row.pow === 'failed') reasons.push(row.reason ?? 'POW failed');
      if (!potlPassed(row.potl_answered, row.potl_issued, params.potl.passShare)) {
        reasons.push(`answered ${row.potl_answered} of ${row.potl_issued} liveness challenges`);
      }
      let processorType: 'GPU' | 'CPU' = 'CPU';
      if (!device) reasons.push('device deleted');
      else {
        // Scored for what the proof supports, not for what was claimed (a hired device's proof is its hire).
        const proven = row.pow === 'passed' ? n.pow?.proven ?? null : null;
        const scoredAs = proven ?? { processorType: device.processor_type, multiplier: device.multiplier, quantity: device.quantity };
        processorType = scoredAs.processorType;
        if (proven) scoredHardware.set(deviceId, proven);
        row.base = baseScore({ tier: device.tier, multiplier: scoredAs.multiplier, quantity: scoredAs.quantity, wasHired: row.was_hired === 1 }, params);
        const facts = devices.facts(device, now, true);
        // Sentences only for the devices that fail a rule: the common case builds none.
        if (failingRules(facts, params)) for (const check of eligibility(facts, params).checks) if (!check.ok) reasons.push(check.detail);
      }
      row.status = reasons.length ? 'Failed' : 'Completed';
      row.reason = reasons.length ? sentences(reasons) : provenNote(n.pow);
      entries.push({ deviceId, processorType, base: row.base, passed: row.status === 'Completed' });
      rows.push(row);
    }
    const { scores, distributed } = scoreBlock(entries, params);
    let passed = 0;
    store.tx(() => {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        row.normalized = scores[i].normalized;
        row.reward = scores[i].reward;
        if (row.status === 'Completed') passed++;
        store.run(
          'UPDATE block_devices SET pow = ?, base = ?, normalized = ?, reward = ?, status = ?, reason = ? WHERE block_id = ? AND device_id = ?',
          row.pow, row.base, row.normalized, row.reward, row.status, row.reason, row.block_id, row.device_id,
        );
      }
      store.run("UPDATE blocks SET status = 'Completed', passed = ?, distributed = ?, closed_at = ? WHERE id = ?", passed, distributed, now, block.row.id);
    });
    this.#block = null;
    for (const row of rows) {
      const scored = devices.get(row.device_id);
      const proven = scoredHardware.get(row.device_id);
      sessions.send(row.device_id, {
        type: 'block-result',
        result: toResult({
          ...row, closed_at: now, started_at: block.row.started_at, tier: scored?.tier,
          processor_type: proven?.processorType ?? scored?.processor_type, quantity: proven?.quantity ?? scored?.quantity,
        }),
      });
      sessions.pushStatus(row.device_id);
    }
    this.#c.log(`block ${block.row.id} completed: ${passed}/${rows.length} passed, ${distributed.toFixed(2)} distributed`);
  }

  /** The closed blocks a reconnecting worker has not stored yet (at most 1000). */
  resultsSince(deviceId: string, lastBlock: number): BlockResult[] {
    return this.#c.store
      .all<BlockDeviceRow & { closed_at: number; started_at: number } & Scored>(
        // The device as it is scored now: a resend carries its tier, processor and quantity too.
        `SELECT bd.*, b.closed_at, b.started_at, d.tier, d.processor_type, d.quantity FROM block_devices bd JOIN blocks b ON b.id = bd.block_id
         LEFT JOIN devices d ON d.id = bd.device_id WHERE bd.device_id = ? AND bd.block_id > ? AND b.status = 'Completed' ORDER BY bd.block_id LIMIT 1000`,
        deviceId, lastBlock,
      )
      .map(toResult);
  }
}

/** What the device was scored as: tier, processor and quantity (absent for a deleted device). */
interface Scored {
  tier?: number | null;
  processor_type?: 'GPU' | 'CPU' | null;
  quantity?: number | null;
}

function toResult(row: BlockDeviceRow & { closed_at: number; started_at: number } & Scored): BlockResult {
  return {
    block: row.block_id,
    startedAt: row.started_at,
    status: row.status === 'Completed' ? 'Completed' : 'Failed',
    reason: row.reason,
    potl: { answered: row.potl_answered, issued: row.potl_issued },
    pow: row.pow === 'pending' ? 'failed' : row.pow,
    base: row.base,
    normalized: row.normalized,
    reward: row.reward,
    closedAt: row.closed_at,
    tier: row.tier ?? null,
    processor: row.processor_type ?? null,
    quantity: row.quantity ?? null,
  };
}

/** A passed proof that supports less than the claim says so on the Completed row. */
function provenNote(pow: PowState | null): string | null {
  const proven = pow?.proven;
  if (!proven || (proven.processorType === pow.claim.processorType && proven.quantity >= pow.claim.quantity)) return null;
  return `scored as ${proven.quantity} × ${proven.model}, not the ${pow.claim.quantity} × ${pow.claim.model} claimed: ` +
    `the POW committed ${pow.committed} of ${pow.products} products by the deadline`;
}

/** Unpredictable to the worker: a challenge time drawn from the CSPRNG. */
function randomTime(from: number, to: number): number {
  const span = Math.floor(to - from);
  return span <= 1 ? Math.floor(from) : Math.floor(from) + crypto.randomInt(0, span);
}

/** Each reason a whole sentence, one after another (never "….; …"). */
function sentences(reasons: string[]): string {
  return reasons.map((r) => (/[.!?]$/.test(r.trim()) ? r.trim() : `${r.trim()}.`)).join(' ');
}
