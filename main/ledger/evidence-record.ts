// What the worker saw of each block, kept (table block_evidence): challenges with arrival, answer
// and acknowledgement, and session gaps with times. Kept 400 days like the hourly rollups; read
// back per block by its time span.
import type { BlockRecord, EvidenceChallenge, EvidenceGap } from '../../preload/contract/index.ts';
import { EVIDENCE_GAP_REASONS } from '../../preload/contract/blocks.ts';
import { GPU_HEALTH_PROBLEMS, PAUSE_SOURCES } from '../../preload/contract/words.ts';
import { checkDevice, checkTime, oneOf } from './checks.ts';
import type { LedgerStore } from './store.ts';

export const EVIDENCE_KEEP_MS = 400 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;

interface EvidenceRow {
  kind: 'potl' | 'pow' | 'gap';
  item: string;
  t_ms: number;
  end_ms: number | null;
  deadline_ms: number | null;
  answered_ms: number | null;
  acked_ms: number | null;
  solve_ms: number | null;
  reason: string | null;
  source: string | null;
  problem: string | null;
  refused_code: string | null;
  detail: string | null;
}

const optionalTime = (name: string, t: number | null) => (t === null ? null : checkTime(name, Math.round(t)));

export class EvidenceRecord {
  readonly #store: LedgerStore;
  #prunedAt = 0;

  constructor(store: LedgerStore) {
    this.#store = store;
  }

  saveChallenge(device: string, c: EvidenceChallenge): void {
    const store = this.#store;
    store.requireWriter();
    checkDevice(device);
    const kind = oneOf('kind', c.kind, ['potl', 'pow'] as const);
    if (typeof c.id !== 'string' || c.id.length === 0 || c.id.length > 64) throw new TypeError('A challenge needs an id of 1 to 64 characters.');
    const solve = c.solveMs === null ? null : Number(c.solveMs);
    if (solve !== null && !(solve >= 0)) throw new TypeError(`solveMs must be >= 0, not ${c.solveMs}.`);
    const row = [
      device, kind, c.id, checkTime('arrivedAt', c.arrivedAt), checkTime('deadline', c.deadline), optionalTime('answeredAt', c.answeredAt),
      optionalTime('ackedAt', c.ackedAt), solve, c.refused?.code.slice(0, 64) ?? null, c.refused?.message.slice(0, 512) ?? null,
    ] as const;
    store.enqueue(`evidence:${device}:${kind}:${c.id}`, (db) =>
      store.statement(
        db,
        `INSERT OR REPLACE INTO block_evidence (device, kind, item, t_ms, deadline_ms, answered_ms, acked_ms, solve_ms, refused_code, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...row),
    );
    this.#prune(c.arrivedAt);
    store.flush();
  }

  saveGap(device: string, g: EvidenceGap): void {
    const store = this.#store;
    store.requireWriter();
    checkDevice(device);
    const reason = oneOf('reason', g.reason, EVIDENCE_GAP_REASONS);
    const start = checkTime('start', Math.round(g.start));
    const end = optionalTime('end', g.end);
    if (end !== null && end < start) throw new TypeError('A gap cannot end before it starts.');
    const source = g.source === null ? null : oneOf('source', g.source, PAUSE_SOURCES);
    const problem = g.problem === null ? null : oneOf('problem', g.problem, GPU_HEALTH_PROBLEMS);
    const item = `${reason}:${start}`;
    const row = [device, item, start, end, reason, source, problem, g.detail?.slice(0, 512) ?? null] as const;
    store.enqueue(`evidence:${device}:gap:${item}`, (db) =>
      store.statement(
        db,
        `INSERT OR REPLACE INTO block_evidence (device, kind, item, t_ms, end_ms, reason, source, problem, detail)
         VALUES (?, 'gap', ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...row),
    );
    this.#prune(start);
    store.flush();
  }

  /** Past its keep, with the hourly rollups: pruned at most once an hour. */
  #prune(now: number): void {
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    const store = this.#store;
    store.enqueue('evidence:prune', (db) =>
      store.statement(db, 'DELETE FROM block_evidence WHERE coalesce(end_ms, t_ms) < ?').run(now - EVIDENCE_KEEP_MS),
    );
  }

  /** The last moment this device was seen running before `before`: its record or the telemetry it sampled. */
  lastSeenBefore(device: string, before: number): number | null {
    const store = this.#store;
    const db = store.readDb();
    const e = store.statement(
      db,
      `SELECT max(max(t_ms, coalesce(end_ms, 0), coalesce(answered_ms, 0), coalesce(acked_ms, 0))) AS t
       FROM block_evidence WHERE device = ? AND t_ms < ?`,
    ).get(device, before) as { t: number | null };
    const raw = store.statement(db, 'SELECT max(t) AS t FROM raw WHERE t < ?').get(before) as { t: number | null };
    const seen = [e.t, raw.t].filter((t): t is number => t !== null && t < before);
    return seen.length ? Math.max(...seen) : null;
  }

  /**
   * What the worker kept of one block [start, end): challenges whose deadline fell in it, gaps that
   * touched it. Null when it kept nothing from the block's time at all (no record, not "nothing seen").
   */
  blockRecord(device: string, start: number, end: number, verdict: { potlIssued: number | null; pow: string | null; hired: boolean }): BlockRecord | null {
    const store = this.#store;
    const db = store.readDb();
    // Challenges by their deadline (the network's clock): one issued late in a block belongs to it even if it arrived later.
    const rows = store.statement(
      db,
      `SELECT * FROM block_evidence WHERE device = ?1 AND (
         (kind != 'gap' AND deadline_ms > ?2 AND deadline_ms <= ?3) OR
         (kind = 'gap' AND t_ms < ?3 AND (end_ms IS NULL OR end_ms > ?2)))
       ORDER BY t_ms, kind, item`,
    ).all(device, start, end) as unknown as EvidenceRow[];
    const challenges: EvidenceChallenge[] = [];
    const gaps: EvidenceGap[] = [];
    for (const r of rows) {
      if (r.kind === 'gap') {
        gaps.push({
          reason: r.reason as EvidenceGap['reason'], start: r.t_ms, end: r.end_ms, source: r.source as EvidenceGap['source'],
          problem: r.problem as EvidenceGap['problem'], detail: r.detail,
        });
      } else {
        challenges.push({
          kind: r.kind, id: r.item, arrivedAt: r.t_ms, deadline: r.deadline_ms ?? r.t_ms, answeredAt: r.answered_ms, ackedAt: r.acked_ms, solveMs: r.solve_ms,
          refused: r.refused_code === null ? null : { code: r.refused_code, message: r.detail ?? '' },
        });
      }
    }
    if (rows.length === 0 && !this.#ranDuring(device, start, end)) return null;
    const potl = challenges.filter((c) => c.kind === 'potl').length;
    const powAsked = verdict.pow !== null && verdict.pow !== 'not-issued' && verdict.pow !== 'skipped-hired';
    return {
      challenges,
      gaps,
      potlNeverArrived: Math.max(0, (verdict.potlIssued ?? 0) - potl),
      powNeverArrived: powAsked && !challenges.some((c) => c.kind === 'pow'),
      hired: verdict.hired || gaps.some((g) => g.reason === 'hired'),
    };
  }

  /** Whether this machine kept anything at all during the span (its telemetry): then silence is evidence too. */
  #ranDuring(device: string, start: number, end: number): boolean {
    const store = this.#store;
    const db = store.readDb();
    const e = store.statement(db, 'SELECT 1 AS x FROM block_evidence WHERE device = ? AND t_ms < ? LIMIT 1').get(device, end);
    if (!e) return false; // this device kept no record before this block ended: a result from elsewhere
    if (store.statement(db, 'SELECT 1 AS x FROM raw WHERE t >= ? AND t < ? LIMIT 1').get(start, end)) return true;
    // Raw samples are kept for minutes; the hourly rollups say the same for 400 days.
    return !!store.statement(db, 'SELECT 1 AS x FROM rollup_1h WHERE h >= ? AND h <= ? LIMIT 1').get(Math.floor(start / 3_600_000), Math.floor(end / 3_600_000));
  }

  /** Per block, the figures the rewards CSV carries: challenges received, answered in time, acknowledged, POW, gaps. */
  csvSummary(device: string, start: number, end: number, verdict: { potlIssued: number | null; pow: string | null; hired: boolean }) {
    const record = this.blockRecord(device, start, end, verdict);
    if (!record) return null;
    const potl = record.challenges.filter((c) => c.kind === 'potl');
    const pow = record.challenges.find((c) => c.kind === 'pow') ?? null;
    return {
      record,
      potlReceived: potl.length,
      potlAnsweredInTime: potl.filter((c) => c.answeredAt !== null && c.answeredAt <= c.deadline).length,
      potlAcked: potl.filter((c) => c.ackedAt !== null).length,
      powSolveMs: pow?.solveMs ?? null,
      powSentAt: pow?.answeredAt ?? null,
      powAckedAt: pow?.ackedAt ?? null,
      powDeadline: pow?.deadline ?? null,
    };
  }
}
