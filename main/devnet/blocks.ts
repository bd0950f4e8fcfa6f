// The block scheduler: a block every blockSeconds nominates the online devices, asks each for POTL
// and POW answers at unpredictable times, judges them, scores the block and tells the workers.
import crypto from 'node:crypto';
import type { z } from 'zod';
import type { BlockResult, PotlAnswerSchema, PowAnswerSchema } from '../worker/protocol.ts';
import { ProtocolError, type Rooms } from './context.ts';
import { potlPassed, verifyEncodedProduct } from './proofs.ts';
import { baseScore, eligibility, failingRules, scoreBlock, type BlockEntry } from './scoring.ts';
import type { BlockDeviceRow, BlockRow } from './store.ts';

const RESTART_GRACE_MS = 3000;

interface Nominee {
  row: BlockDeviceRow;
  potlTimes: number[];
  pendingPotl: Map<string, { nonce: string; deadline: number }>;
  powAt: number | null;
  pow: { challengeId: string; seed: string; size: number; issuedAt: number; deadline: number } | null;
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
        const seed = crypto.randomBytes(16).toString('hex');
        const challengeId = crypto.randomBytes(8).toString('hex');
        const deadline = Math.min(block.row.ends_at, now + params.pow.deadlineSeconds * 1000);
        n.pow = { challengeId, seed, size: params.pow.size, issuedAt: now, deadline };
        const sent = sessions.send(deviceId, { type: 'pow', challengeId, seed, size: params.pow.size, deadline });
        n.row.pow = sent ? 'pending' : 'failed';
        n.row.reason = sent ? null : 'offline when the POW challenge was issued';
        store.run('UPDATE block_devices SET pow = ?, reason = ? WHERE block_id = ? AND device_id = ?', n.row.pow, n.row.reason, block.row.id, deviceId);
      }
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

  answerPow(deviceId: string, body: z.infer<typeof PowAnswerSchema>): void {
    const nominee = this.#block?.nominees.get(deviceId);
    const pow = nominee?.pow;
    if (!nominee || !pow || pow.challengeId !== body.challengeId || nominee.row.pow !== 'pending') {
      throw new ProtocolError('unknown-challenge', 'No open POW challenge with this id.');
    }
    const now = Date.now();
    const verdict = now > pow.deadline ? { ok: false, reason: 'POW answer came after its deadline' } : verifyEncodedProduct(pow.seed, pow.size, body.product);
    nominee.row.pow = verdict.ok ? 'passed' : 'failed';
    nominee.row.pow_ms = now - pow.issuedAt;
    nominee.row.pow_ops_per_sec = verdict.ok ? (2 * pow.size ** 3) / Math.max(1, now - pow.issuedAt) * 1000 : null;
    nominee.row.reason = verdict.ok ? null : verdict.reason;
    this.#c.store.run(
      'UPDATE block_devices SET pow = ?, pow_ms = ?, pow_ops_per_sec = ?, reason = ? WHERE block_id = ? AND device_id = ?',
      nominee.row.pow, nominee.row.pow_ms, nominee.row.pow_ops_per_sec, nominee.row.reason, nominee.row.block_id, deviceId,
    );
    if (!verdict.ok) this.#c.log(`device ${deviceId} failed POW: ${verdict.reason}`);
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
        processorType = device.processor_type;
        row.base = baseScore({ tier: device.tier, multiplier: device.multiplier, quantity: device.quantity, wasHired: row.was_hired === 1 }, params);
        const facts = devices.facts(device, now, true);
        // Sentences only for the devices that fail a rule: the common case builds none.
        if (failingRules(facts, params)) for (const check of eligibility(facts, params).checks) if (!check.ok) reasons.push(check.detail);
      }
      row.status = reasons.length ? 'Failed' : 'Completed';
      row.reason = reasons.length ? reasons.join('; ') : null;
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
      sessions.send(row.device_id, { type: 'block-result', result: toResult({ ...row, closed_at: now, started_at: block.row.started_at }) });
      sessions.pushStatus(row.device_id);
    }
    this.#c.log(`block ${block.row.id} completed: ${passed}/${rows.length} passed, ${distributed.toFixed(2)} distributed`);
  }

  /** The closed blocks a reconnecting worker has not stored yet (at most 1000). */
  resultsSince(deviceId: string, lastBlock: number): BlockResult[] {
    return this.#c.store
      .all<BlockDeviceRow & { closed_at: number; started_at: number }>(
        `SELECT bd.*, b.closed_at, b.started_at FROM block_devices bd JOIN blocks b ON b.id = bd.block_id
         WHERE bd.device_id = ? AND bd.block_id > ? AND b.status = 'Completed' ORDER BY bd.block_id LIMIT 1000`,
        deviceId, lastBlock,
      )
      .map(toResult);
  }
}

function toResult(row: BlockDeviceRow & { closed_at: number; started_at: number }): BlockResult {
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
  };
}

/** Unpredictable to the worker: a challenge time drawn from the CSPRNG. */
function randomTime(from: number, to: number): number {
  const span = Math.floor(to - from);
  return span <= 1 ? Math.floor(from) : Math.floor(from) + crypto.randomInt(0, span);
}
