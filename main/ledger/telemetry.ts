// Telemetry history: sampler frames in as raw samples, rolled into 1-minute and 1-hour rollups as
// minutes finish and pruned past their keep, and read back as chart series and export rows.
import type { DatabaseSync } from 'node:sqlite';
import type { HistorySeries, TelemetryFrame } from '../../preload/contract/index.ts';
import { checkTime } from './checks.ts';
import { DEVICE_PATTERN, METRIC_NAMES, SCALE, forEachReading, type Metric } from './metrics.ts';
import type { CatchUp, LedgerRoom, LedgerStore } from './store.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const RAW_KEEP_MINUTES = 15;
const MINUTE_KEEP_MINUTES = 7 * 24 * 60;
const HOUR_KEEP_HOURS = 400 * 24;

export type Resolution = HistorySeries['resolution'];
type HistoryPoint = HistorySeries['points'][number];

/** One bucket of samples as read: [bucket (in steps), count, min, avg, max], values in hundredths. */
type Bucket = [u: number, n: number, lo: number, av: number, hi: number];
interface RawTail {
  commits: number;
  step: number;
  first: number;
  newest: number;
  bySeries: Map<number, Bucket[]>;
}

export class TelemetryHistory implements LedgerRoom {
  readonly #store: LedgerStore;
  readonly #series = new Map<string, number>();
  #tail: RawTail | null = null;
  #watermark = 0; // every raw minute below it has been rolled up
  #rawKeptFrom = 0; // raw minutes below it have been pruned
  readonly #lateMinutes = new Set<number>();
  #lastFrameMinute = -1;
  #rollupDue = false;

  constructor(store: LedgerStore) {
    this.#store = store;
    store.join(this);
  }

  opened(): void {
    this.#series.clear();
    this.#tail = null;
  }

  rolledBack(): void {
    this.#series.clear(); // ids created inside the rolled-back transaction are gone
  }

  recover(db: DatabaseSync): void {
    this.#watermark = meta(db, 'rollup_watermark_m');
    this.#rawKeptFrom = meta(db, 'raw_kept_from_m');
    // Minutes written after the last rollup (or late, after a clock step back) get rolled up now.
    for (const row of db.prepare('SELECT DISTINCT t / 60000 AS m FROM raw WHERE t < ?').all(this.#watermark * MINUTE) as { m: number }[]) {
      this.#lateMinutes.add(row.m);
    }
    this.#rollupDue = true;
  }

  catchUp(db: DatabaseSync): CatchUp {
    if (!this.#rollupDue) return 'idle';
    return this.#rollup(db) ? 'done' : 'refused';
  }

  /** A clean stop brings the rollups up to date with its last flush. */
  rollUpAtClose(): void {
    this.#rollupDue = true;
  }

  #seriesId(db: DatabaseSync, device: string, metric: string): number {
    const key = `${device}\u0000${metric}`;
    let id = this.#series.get(key);
    if (id === undefined) {
      this.#store.statement(db, 'INSERT OR IGNORE INTO series (device, metric) VALUES (?, ?)').run(device, metric);
      id = Number((this.#store.statement(db, 'SELECT id FROM series WHERE device = ? AND metric = ?').get(device, metric) as { id: number }).id);
      this.#series.set(key, id);
    }
    return id;
  }

  /** Records one sampler frame (all devices); null readings are skipped. */
  recordFrame(frame: TelemetryFrame): void {
    this.#store.requireWriter();
    const t = checkTime('frame.t', frame.t);
    const readings: [string, Metric, number][] = [];
    forEachReading(frame, (device, metric, value) => {
      const v = Math.round(value * SCALE);
      if (Number.isSafeInteger(v)) readings.push([device, metric, v]);
    });
    this.#store.enqueueFrame((db) => {
      const insert = this.#store.statement(db, 'INSERT OR REPLACE INTO raw (t, series, v) VALUES (?, ?, ?)');
      for (const [device, metric, v] of readings) insert.run(t, this.#seriesId(db, device, metric), v);
    });
    const minute = Math.floor(t / MINUTE);
    if (minute < this.#watermark) this.#lateMinutes.add(minute);
    if (minute !== this.#lastFrameMinute) {
      this.#lastFrameMinute = minute;
      this.#rollupDue = true;
    }
    this.#store.flush();
  }

  /** Rolls finished minutes into 1-minute and 1-hour rollups and prunes what is past its keep. */
  #rollup(db: DatabaseSync): boolean {
    const store = this.#store;
    const current = Math.floor(store.now() / MINUTE);
    // A new database starts its watermark at its first sample, so nothing before it is scanned.
    const watermark = this.#watermark > 0 ? this.#watermark : Math.min(current, this.#minRawMinute(db) ?? current);
    const newWatermark = Math.max(watermark, current);
    const rawKeptFrom = newWatermark - RAW_KEEP_MINUTES;
    const committed = store.commitOrPause(db, () => {
      const hours = new Set<number>();
      if (current > watermark) {
        store.statement(
          db,
          `INSERT OR REPLACE INTO rollup_1m (series, m, n, lo, av, hi)
           SELECT series, t / 60000, count(*), min(v), CAST(round(avg(v)) AS INTEGER), max(v)
           FROM raw WHERE t >= ? AND t < ? GROUP BY series, t / 60000`,
        ).run(watermark * MINUTE, current * MINUTE);
        for (const row of store.statement(db, 'SELECT DISTINCT t / 3600000 AS h FROM raw WHERE t >= ? AND t < ?').all(
          watermark * MINUTE,
          current * MINUTE,
        ) as { h: number }[]) {
          hours.add(row.h);
        }
      }
      for (const m of this.#lateMinutes) {
        if (m >= current) continue;
        if (m >= this.#rawKeptFrom) {
          store.statement(
            db,
            `INSERT OR REPLACE INTO rollup_1m (series, m, n, lo, av, hi)
             SELECT series, ?, count(*), min(v), CAST(round(avg(v)) AS INTEGER), max(v)
             FROM raw WHERE t >= ? AND t < ? GROUP BY series`,
          ).run(m, m * MINUTE, (m + 1) * MINUTE);
        } else {
          // Samples that arrived after their minute's raw data was pruned: merge, then drop them so they count once.
          store.statement(
            db,
            `INSERT INTO rollup_1m (series, m, n, lo, av, hi)
             SELECT series, ?, count(*), min(v), CAST(round(avg(v)) AS INTEGER), max(v)
             FROM raw WHERE t >= ? AND t < ? GROUP BY series
             ON CONFLICT (series, m) DO UPDATE SET
               av = CAST(round((av * n + excluded.av * excluded.n) * 1.0 / (n + excluded.n)) AS INTEGER),
               n = n + excluded.n, lo = min(lo, excluded.lo), hi = max(hi, excluded.hi)`,
          ).run(m, m * MINUTE, (m + 1) * MINUTE);
          store.statement(db, 'DELETE FROM raw WHERE t >= ? AND t < ?').run(m * MINUTE, (m + 1) * MINUTE);
        }
        hours.add(Math.floor(m / 60));
      }
      const minuteKeptFrom = newWatermark - MINUTE_KEEP_MINUTES;
      const rollHour = store.statement(
        db,
        `INSERT OR REPLACE INTO rollup_1h (series, h, n, lo, av, hi)
         SELECT s.id, ?, sum(r.n), min(r.lo), CAST(round(sum(r.av * r.n) * 1.0 / sum(r.n)) AS INTEGER), max(r.hi)
         FROM series s JOIN rollup_1m r ON r.series = s.id AND r.m >= ? AND r.m < ? GROUP BY s.id`,
      );
      for (const h of hours) if (h * 60 >= minuteKeptFrom) rollHour.run(h, h * 60, h * 60 + 60);

      if (rawKeptFrom > this.#rawKeptFrom) store.statement(db, 'DELETE FROM raw WHERE t < ?').run(rawKeptFrom * MINUTE);
      if (newWatermark > this.#watermark) {
        const seriesIds = store.statement(db, 'SELECT id FROM series').all() as { id: number }[];
        const pruneMinute = store.statement(db, 'DELETE FROM rollup_1m WHERE series = ? AND m < ?');
        const pruneHour = store.statement(db, 'DELETE FROM rollup_1h WHERE series = ? AND h < ?');
        for (const { id } of seriesIds) {
          pruneMinute.run(id, minuteKeptFrom);
          pruneHour.run(id, Math.floor(newWatermark / 60) - HOUR_KEEP_HOURS);
        }
      }
      setMeta(store, db, 'rollup_watermark_m', newWatermark);
      setMeta(store, db, 'raw_kept_from_m', Math.max(this.#rawKeptFrom, rawKeptFrom));
    });
    if (!committed) return false;
    this.#watermark = newWatermark;
    this.#rawKeptFrom = Math.max(this.#rawKeptFrom, rawKeptFrom);
    for (const m of [...this.#lateMinutes]) if (m < current) this.#lateMinutes.delete(m);
    this.#rollupDue = false;
    return true;
  }

  #minRawMinute(db: DatabaseSync): number | null {
    if (this.#watermark > 0) return null;
    const row = this.#store.statement(db, 'SELECT min(t) AS t FROM raw').get() as { t: number | null };
    return row.t === null ? null : Math.floor(row.t / MINUTE);
  }

  /**
   * One chart series. 'raw' is the last 15 minutes as sampled; '1m' and '1h' are rollups, with the
   * minutes not yet rolled up taken straight from the raw samples so a chart reaches "now".
   * `maxPoints` merges neighbours (a day of minutes on a 400-pixel chart) as the rows are read,
   * keeping each bucket's min and max (the peaks) and weighting its average by samples.
   */
  history(
    device: string,
    metric: Metric,
    from: number,
    to: number,
    resolution: Resolution | 'auto' = 'auto',
    maxPoints?: number,
  ): Pick<HistorySeries, 'resolution' | 'bucketMs' | 'points'> {
    if (!DEVICE_PATTERN.test(device)) throw new RangeError(`Unknown device "${device}": use host or gpu<index>.`);
    if (!METRIC_NAMES.includes(metric)) throw new RangeError(`Unknown metric "${metric}".`);
    if (!(to > from)) throw new RangeError('The range must end after it starts.');
    const store = this.#store;
    const db = store.readDb();
    const now = store.now();
    const res: Resolution =
      resolution !== 'auto'
        ? resolution
        : from >= now - RAW_KEEP_MINUTES * MINUTE
          ? 'raw'
          : to - from <= 2 * 24 * HOUR && from >= now - MINUTE_KEEP_MINUTES * MINUTE
            ? '1m'
            : '1h';
    const row = store.statement(db, 'SELECT id FROM series WHERE device = ? AND metric = ?').get(device, metric) as { id: number } | undefined;
    const points: HistoryPoint[] = [];
    // Rows arrive in time order; a row in the same bucket as the last point merges into it.
    let weighted = 0;
    const add = (t: number, n: number, lo: number, av: number, hi: number) => {
      const last = points.at(-1);
      if (last && last.t === t) {
        weighted += av * n;
        last.n += n;
        last.min = Math.min(last.min, lo / SCALE);
        last.max = Math.max(last.max, hi / SCALE);
        last.avg = Math.round(weighted / last.n) / SCALE;
        return;
      }
      weighted = av * n;
      points.push({ t, n, min: lo / SCALE, avg: Math.round(av) / SCALE, max: hi / SCALE });
    };
    if (res === 'raw') {
      const rows = row
        ? (store.statement(db, 'SELECT t, v FROM raw WHERE t >= ? AND t < ? AND series = ? ORDER BY t').all(from, to, row.id) as { t: number; v: number }[])
        : [];
      // Raw samples come at the rate the user set (250 ms to 60 s): the smallest gap is the step.
      let step = Infinity;
      for (let i = 1; i < rows.length; i++) step = Math.min(step, rows[i]!.t - rows[i - 1]!.t);
      if (!Number.isFinite(step) || step <= 0) step = 1000;
      const bucketMs = maxPoints && rows.length > maxPoints ? step * Math.ceil((to - from) / step / maxPoints) : step;
      for (const r of rows) add(bucketMs === step ? r.t : Math.floor(r.t / bucketMs) * bucketMs, 1, r.v, r.v, r.v);
      return { resolution: res, bucketMs, points };
    }
    const step = res === '1m' ? MINUTE : HOUR;
    const k = maxPoints ? Math.max(1, Math.ceil((to - from) / step / maxPoints)) : 1;
    const bucketMs = step * k;
    if (!row) return { resolution: res, bucketMs, points };
    const unit = res === '1m' ? 'm' : 'h';
    const table = res === '1m' ? 'rollup_1m' : 'rollup_1h';
    const first = Math.floor(from / step);
    const end = Math.ceil(to / step);
    let last = first - 1;
    // Merged here rather than by a GROUP BY on u / k, which SQLite sorts in a temporary b-tree.
    for (const [u, n, lo, av, hi] of store.arrayStatement(db, `SELECT ${unit}, n, lo, av, hi FROM ${table} WHERE series = ? AND ${unit} >= ? AND ${unit} < ? ORDER BY ${unit}`).all(
      row.id,
      first,
      end,
    ) as unknown as Bucket[]) {
      add(Math.floor(u / k) * bucketMs, n, lo, av, hi);
      last = u;
    }
    const tailFrom = Math.max(from, (last + 1) * step);
    if (tailFrom < to) {
      for (const [u, n, lo, av, hi] of this.#rawTail(db, row.id, Math.floor(tailFrom / step), to, step)) {
        if (u > last) add(Math.floor(u / k) * bucketMs, n, lo, av, hi);
      }
    }
    return { resolution: res, bucketMs, points };
  }

  /**
   * Raw samples from bucket `first` (in steps) up to `to`, per step, for a series whose rollups end
   * before them. raw is keyed by time first, so reading one series scans them all: a writer scans
   * once for every series and keeps the answer until its next commit (a chart's lines ask in a burst).
   */
  #rawTail(db: DatabaseSync, series: number, first: number, to: number, step: number): Bucket[] {
    const store = this.#store;
    const columns = `t / ${step} AS u, count(*), min(v), avg(v), max(v)`;
    const tail = this.#tail;
    const fresh = tail && tail.commits === store.commits && tail.step === step && tail.first <= first && to > tail.newest;
    if (fresh) return (tail.bySeries.get(series) ?? []).filter((b) => b[0] >= first);
    const newest = (store.statement(db, 'SELECT max(t) AS t FROM raw').get() as { t: number | null }).t ?? -Infinity;
    if (store.mode !== 'writer' || to <= newest) {
      return store.arrayStatement(db, `SELECT ${columns} FROM raw WHERE t >= ? AND t < ? AND series = ? GROUP BY u ORDER BY u`).all(first * step, to, series) as unknown as Bucket[];
    }
    const bySeries = new Map<number, Bucket[]>();
    for (const [id, ...bucket] of store.arrayStatement(db, `SELECT series, ${columns} FROM raw WHERE t >= ? GROUP BY series, u ORDER BY series, u`).all(first * step) as unknown as [number, ...Bucket][]) {
      let list = bySeries.get(id);
      if (!list) bySeries.set(id, (list = []));
      list.push(bucket);
    }
    this.#tail = { commits: store.commits, step, first, newest, bySeries };
    return bySeries.get(series) ?? [];
  }

  /** Time of the newest raw sample (null when none is kept). */
  latestSample(): number | null {
    const row = this.#store.statement(this.#store.readDb(), 'SELECT max(t) AS t FROM raw').get() as { t: number | null };
    return row.t;
  }

  /** Telemetry rollup rows in a range, in device, metric, time order (the CSV export reads this). */
  *rollupRows(from: number, to: number, resolution: '1m' | '1h', filter: { device?: string; metric?: string } = {}): Generator<{
    t: number;
    device: string;
    metric: string;
    n: number;
    min: number;
    avg: number;
    max: number;
  }> {
    const db = this.#store.readDb();
    const step = resolution === '1m' ? MINUTE : HOUR;
    const table = resolution === '1m' ? 'rollup_1m' : 'rollup_1h';
    const unit = resolution === '1m' ? 'm' : 'h';
    const rows = db
      .prepare(
        `SELECT s.device AS device, s.metric AS metric, r.${unit} AS u, r.n AS n, r.lo AS lo, r.av AS av, r.hi AS hi
         FROM series s JOIN ${table} r ON r.series = s.id AND r.${unit} >= ?1 AND r.${unit} < ?2
         WHERE (?3 IS NULL OR s.device = ?3) AND (?4 IS NULL OR s.metric = ?4)
         ORDER BY s.device, s.metric, r.${unit}`,
      )
      .iterate(Math.floor(from / step), Math.ceil(to / step), filter.device ?? null, filter.metric ?? null) as Iterable<{
      device: string;
      metric: string;
      u: number;
      n: number;
      lo: number;
      av: number;
      hi: number;
    }>;
    for (const r of rows) {
      yield { t: r.u * step, device: r.device, metric: r.metric, n: r.n, min: r.lo / SCALE, avg: r.av / SCALE, max: r.hi / SCALE };
    }
  }
}

/** A number kept in the meta table (0 when never set): how far rollups and pruning have come. */
function meta(db: DatabaseSync, key: string): number {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined;
  return row ? Number(row.value) : 0;
}
function setMeta(store: LedgerStore, db: DatabaseSync, key: string, value: number): void {
  store.statement(db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
