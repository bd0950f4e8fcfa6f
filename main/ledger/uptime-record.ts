// The ledger's uptime record: each device's online/gap state machine (spans of acknowledged
// heartbeats, gaps with the reason the user would give), crash repair, and the bar and streak reads.
import { performance } from 'node:perf_hooks';
import type { DatabaseSync } from 'node:sqlite';
import type { PauseSource, UptimeBar, UptimeStreak } from '../../preload/contract/index.ts';
import { PAUSE_SOURCES } from '../../preload/contract/words.ts';
import { checkDevice, checkTime, oneOf } from './checks.ts';
import type { LedgerRoom, LedgerStore } from './store.ts';
import {
  GAP_REASONS,
  checkTimeZone,
  dayBuckets,
  hourBuckets,
  sweepUptime,
  systemTimeZone,
  type GapReason,
  type HeldPause,
  type Interval,
  type ReasonedGap,
  type UptimeBucket,
} from './uptime.ts';

const HOUR = 3_600_000;

interface Span {
  session: number;
  start: number;
  end: number;
}
interface OpenGap {
  start: number;
  reason: GapReason;
  detail: string | null;
}
interface OpenPause {
  start: number;
  source: PauseSource;
  detail: string;
}
interface DeviceUptime {
  span: Span | null;
  gap: OpenGap | null;
  pause: OpenPause | null;
  streakStart: number | null;
  streakMono: number;
}

export class UptimeRecord implements LedgerRoom {
  readonly #store: LedgerStore;
  readonly #tolerance: number;
  readonly #devices = new Map<string, DeviceUptime>();

  /** `tolerance`: silence between two online marks longer than this is a gap. */
  constructor(store: LedgerStore, tolerance: number) {
    this.#store = store;
    this.#tolerance = tolerance;
    store.join(this);
  }

  recover(db: DatabaseSync): void {
    // Spans still open belong to a run that never said goodbye: it was killed, crashed or lost power.
    const open = db.prepare('SELECT device, session, start_ms, end_ms FROM uptime_spans WHERE closed = 0 AND session != ?').all(this.#store.session) as {
      device: string;
      session: number;
      start_ms: number;
      end_ms: number;
    }[];
    for (const span of open) {
      db.prepare('UPDATE uptime_spans SET closed = 1 WHERE device = ? AND session = ? AND start_ms = ?').run(
        span.device,
        span.session,
        span.start_ms,
      );
      db.prepare(
        `INSERT INTO uptime_gaps (device, start_ms, reason, end_ms, detail) VALUES (?, ?, 'app-closed', NULL, ?)
         ON CONFLICT DO NOTHING`,
      ).run(span.device, span.end_ms, 'IO Worker stopped unexpectedly (killed, crashed or the power went out).');
    }
    // A pause left open by that run ended when the run did: at its device's last online moment.
    db.prepare(
      `UPDATE pauses SET end_ms = max(start_ms, coalesce((SELECT max(end_ms) FROM uptime_spans s WHERE s.device = pauses.device), start_ms))
       WHERE end_ms IS NULL`,
    ).run();
    // Devices already online in memory (the disk refused writes at first): their old open gap ends where they came back.
    for (const [device, st] of this.#devices) {
      if (st.span) db.prepare('UPDATE uptime_gaps SET end_ms = max(start_ms, ?) WHERE device = ? AND end_ms IS NULL').run(st.span.start, device);
    }
  }

  #deviceState(device: string): DeviceUptime {
    let st = this.#devices.get(device);
    if (!st) {
      st = { span: null, gap: null, pause: null, streakStart: null, streakMono: 0 };
      const db = this.#store.db;
      if (db) {
        const gap = this.#store.statement(
          db,
          'SELECT start_ms, reason, detail FROM uptime_gaps WHERE device = ? AND end_ms IS NULL ORDER BY start_ms DESC LIMIT 1',
        ).get(device) as { start_ms: number; reason: GapReason; detail: string | null } | undefined;
        if (gap) st.gap = { start: gap.start_ms, reason: gap.reason, detail: gap.detail };
      }
      this.#devices.set(device, st);
    }
    return st;
  }

  #putSpan(device: string, span: Span, closed: boolean): void {
    const { session, start, end } = span;
    this.#store.enqueue(`span:${device}:${session}:${start}`, (db) =>
      this.#store.statement(
        db,
        `INSERT INTO uptime_spans (device, session, start_ms, end_ms, closed) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device, session, start_ms) DO UPDATE SET end_ms = max(end_ms, excluded.end_ms), closed = max(closed, excluded.closed)`,
      ).run(device, session, start, end, closed ? 1 : 0),
    );
  }

  #putGap(device: string, gap: OpenGap, end: number | null): void {
    const { start, reason, detail } = gap;
    this.#store.enqueue(`gap:${device}:${start}:${reason}`, (db) =>
      this.#store.statement(
        db,
        `INSERT INTO uptime_gaps (device, start_ms, reason, end_ms, detail) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device, start_ms, reason) DO UPDATE SET end_ms = excluded.end_ms, detail = excluded.detail`,
      ).run(device, start, reason, end === null ? null : Math.max(start, end), detail),
    );
  }

  #startSpan(device: string, st: DeviceUptime, t: number, newStreak: boolean): void {
    st.span = { session: this.#store.session, start: t, end: t };
    if (newStreak || st.streakStart === null) {
      st.streakStart = t;
      st.streakMono = performance.now();
    }
    this.#putSpan(device, st.span, false);
  }

  /**
   * The device is online at t: the runtime is up and the network acknowledged its heartbeat.
   * Call it on every acknowledged heartbeat; silence longer than the tolerance becomes a gap.
   */
  markOnline(device: string, t = this.#store.now()): void {
    this.#store.requireWriter();
    checkDevice(device);
    checkTime('t', t);
    const st = this.#deviceState(device);
    if (st.span) {
      const delta = t - st.span.end;
      if (delta >= 0 && delta <= this.#tolerance) {
        st.span.end = t;
        this.#putSpan(device, st.span, false);
      } else if (delta < -this.#tolerance) {
        // The clock stepped back: what was online stays online; a new span continues the same streak.
        this.#putSpan(device, st.span, true);
        this.#startSpan(device, st, t, false);
      } else if (delta > this.#tolerance) {
        // No mark for longer than the tolerance while running: the machine slept, or the clock leapt.
        const gap = { start: st.span.end, reason: 'asleep' as const, detail: 'No heartbeat while the machine was asleep (or the clock jumped).' };
        this.#putSpan(device, st.span, true);
        this.#putGap(device, gap, t);
        this.#startSpan(device, st, t, true);
      } // a small step back is clock jitter: nothing to record
    } else {
      if (st.gap) {
        this.#putGap(device, st.gap, Math.max(st.gap.start, t));
        st.gap = null;
      }
      this.#startSpan(device, st, t, true);
    }
    this.#store.flush();
  }

  /** The device went offline at t for this reason (paused, network down, over temperature, ...). */
  markGap(device: string, reason: GapReason, t = this.#store.now(), detail: string | null = null): void {
    this.#store.requireWriter();
    checkDevice(device);
    checkTime('t', t);
    oneOf('reason', reason, GAP_REASONS);
    const st = this.#deviceState(device);
    if (st.span) {
      const delta = t - st.span.end;
      if (delta > 0 && delta <= this.#tolerance) st.span.end = t;
      this.#putSpan(device, st.span, true);
      st.gap = { start: st.span.end, reason, detail };
      st.span = null;
      st.streakStart = null;
      this.#putGap(device, st.gap, null);
    } else if (st.gap) {
      if (st.gap.reason === reason) return;
      const at = Math.max(st.gap.start, t);
      this.#putGap(device, st.gap, at);
      st.gap = { start: at, reason, detail };
      this.#putGap(device, st.gap, null);
    } else {
      st.gap = { start: t, reason, detail };
      this.#putGap(device, st.gap, null);
    }
    this.#store.flush();
  }

  #putPause(device: string, pause: OpenPause, end: number | null): void {
    const { start, source, detail } = pause;
    this.#store.enqueue(`pause:${device}:${start}:${source}`, (db) =>
      this.#store.statement(
        db,
        `INSERT INTO pauses (device, start_ms, source, end_ms, detail) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (device, start_ms, source) DO UPDATE SET end_ms = excluded.end_ms, detail = excluded.detail`,
      ).run(device, start, source, end === null ? null : Math.max(start, end), detail),
    );
  }

  /**
   * Who holds the device's pause from t (null: none). A pause is online time that does not earn: it
   * neither opens a gap nor ends the streak (docs/protocol.md, "Pauses"); the bar shows it apart.
   */
  markPaused(device: string, pause: { source: PauseSource; detail: string } | null, t = this.#store.now()): void {
    this.#store.requireWriter();
    checkDevice(device);
    checkTime('t', t);
    if (pause) oneOf('source', pause.source, PAUSE_SOURCES);
    const st = this.#deviceState(device);
    const open = st.pause;
    if (open?.source === pause?.source && (open === null || open.detail === pause?.detail)) return;
    if (open) this.#putPause(device, open, t);
    st.pause = pause ? { start: open && open.source === pause.source ? open.start : t, source: pause.source, detail: pause.detail.slice(0, 256) } : null;
    if (st.pause) this.#putPause(device, st.pause, null);
    this.#store.flush();
  }

  /** A clean stop: every open span ends at `now` as 'app-closed', and every open pause with it. */
  closeSpans(now: number): void {
    for (const [device, st] of this.#devices) {
      if (st.pause) this.markPaused(device, null, now);
      if (st.span) this.markGap(device, 'app-closed', now, 'IO Worker was closed.');
    }
  }

  /** The continuous-uptime streak: since when the device has been online without a gap or restart. */
  streak(device: string): UptimeStreak {
    checkDevice(device);
    const now = this.#store.now();
    const st = this.#devices.get(device);
    if (st?.span && st.streakStart !== null) {
      const online = now - st.span.end <= this.#tolerance;
      // Seconds from the monotonic clock: a wall-clock step cannot make a streak negative or inflate it.
      const seconds = online ? Math.max(0, (performance.now() - st.streakMono) / 1000) : 0;
      return { device, online, since: online ? st.streakStart : null, seconds: Math.round(seconds) };
    }
    const db = this.#store.db;
    if (this.#store.mode === 'reader' && db) {
      const row = this.#store.statement(
        db,
        'SELECT start_ms, end_ms FROM uptime_spans WHERE device = ? AND closed = 0 ORDER BY end_ms DESC LIMIT 1',
      ).get(device) as { start_ms: number; end_ms: number } | undefined;
      if (row && now - row.end_ms <= this.#tolerance) {
        return { device, online: true, since: row.start_ms, seconds: Math.max(0, Math.round((now - row.start_ms) / 1000)) };
      }
    }
    return { device, online: false, since: null, seconds: 0 };
  }

  #firstRecord(device: string): number | null {
    const row = this.#store.statement(
      this.#store.readDb(),
      `SELECT min(s) AS s FROM (SELECT min(start_ms) AS s FROM uptime_spans WHERE device = ?1
       UNION ALL SELECT min(start_ms) FROM uptime_gaps WHERE device = ?1)`,
    ).get(device) as { s: number | null };
    const st = this.#devices.get(device);
    const live = [st?.span?.start, st?.gap?.start].filter((t): t is number => t !== undefined);
    return live.length === 0 ? row.s : Math.min(row.s ?? Infinity, ...live);
  }

  /** An open span whose last mark is within the tolerance is online up to now (the next mark is on its way). */
  #liveEnd(end: number, now: number): number {
    return now >= end && now - end <= this.#tolerance ? now : end;
  }

  #uptimeInputs(device: string, from: number, to: number): { spans: Interval[]; gaps: ReasonedGap[]; pauses: HeldPause[]; recordedFrom: number | null } {
    const store = this.#store;
    const db = store.readDb();
    const now = store.now();
    const spans = (
      store.statement(db, 'SELECT start_ms, end_ms, closed FROM uptime_spans WHERE device = ? AND end_ms >= ? AND start_ms < ?').all(
        device,
        from - this.#tolerance,
        to,
      ) as { start_ms: number; end_ms: number; closed: number }[]
    ).map((r) => ({ start: r.start_ms, end: r.closed === 0 ? this.#liveEnd(r.end_ms, now) : r.end_ms }));
    const gaps = (
      store.statement(
        db,
        'SELECT start_ms, end_ms, reason FROM uptime_gaps WHERE device = ? AND (end_ms IS NULL OR end_ms >= ?) AND start_ms < ?',
      ).all(device, from, to) as { start_ms: number; end_ms: number | null; reason: GapReason }[]
    ).map((r) => ({ start: r.start_ms, end: r.end_ms ?? Math.max(r.start_ms, now), reason: r.reason }));
    const pauses = (
      store.statement(db, 'SELECT start_ms, end_ms, source FROM pauses WHERE device = ? AND (end_ms IS NULL OR end_ms >= ?) AND start_ms < ?').all(
        device,
        from,
        to,
      ) as { start_ms: number; end_ms: number | null; source: PauseSource }[]
    ).map((r) => ({ start: r.start_ms, end: r.end_ms ?? Math.max(r.start_ms, now), source: r.source }));
    const st = this.#devices.get(device);
    if (st?.span) spans.push({ start: st.span.start, end: this.#liveEnd(st.span.end, now) });
    if (st?.gap) gaps.push({ start: st.gap.start, end: Math.max(st.gap.start, now), reason: st.gap.reason });
    if (st?.pause) pauses.push({ start: st.pause.start, end: Math.max(st.pause.start, now), source: st.pause.source });
    let recordedFrom = this.#firstRecord(device);
    for (const i of [...spans, ...gaps]) recordedFrom = recordedFrom === null ? i.start : Math.min(recordedFrom, i.start);
    return { spans, gaps, pauses, recordedFrom };
  }

  /** The uptime bar: per local day (or per UTC hour, the network's blocks) for the last `days`. */
  uptimeBar(device: string, options: { days?: number; resolution?: 'day' | 'hour'; timeZone?: string } = {}): UptimeBar {
    checkDevice(device);
    const days = options.days ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 400) throw new RangeError('days must be an integer from 1 to 400.');
    const resolution = options.resolution ?? 'day';
    const timeZone = checkTimeZone(options.timeZone ?? systemTimeZone());
    const now = this.#store.now();
    const buckets = resolution === 'day' ? dayBuckets(now, days, timeZone) : hourBuckets(now, days * 24);
    const from = buckets[0].start;
    const to = buckets[buckets.length - 1].end;
    const { spans, gaps, pauses, recordedFrom } = this.#uptimeInputs(device, from, to);
    return { device, timeZone, resolution, buckets: sweepUptime(buckets, spans, gaps, recordedFrom, now, pauses) };
  }

  /** Per-day uptime between two instants (the export): whole local days touching [from, to). */
  uptimeDays(device: string, from: number, to: number, timeZone = systemTimeZone()): UptimeBucket[] {
    checkDevice(device);
    checkTimeZone(timeZone);
    const now = this.#store.now();
    const end = Math.min(to, now);
    const first = this.#firstRecord(device);
    if (first === null || first >= to) return [];
    from = Math.max(from, first); // no rows for the years before the first run
    const days = Math.min(400 * 3, Math.max(1, Math.ceil((end - from) / (24 * HOUR)) + 1));
    const buckets = dayBuckets(end, days, timeZone).filter((b) => b.end > from && b.start < to);
    if (buckets.length === 0) return [];
    const { spans, gaps, pauses, recordedFrom } = this.#uptimeInputs(device, buckets[0].start, buckets[buckets.length - 1].end);
    return sweepUptime(buckets, spans, gaps, recordedFrom, now, pauses);
  }

  /** Devices that have uptime history, for exports across all of them. */
  uptimeDevices(): string[] {
    const db = this.#store.readDb();
    return (db.prepare('SELECT device FROM uptime_spans UNION SELECT device FROM uptime_gaps ORDER BY device').all() as { device: string }[]).map(
      (r) => r.device,
    );
  }
}
