// A time-series chart, kept while its range changes: the live feed (the last 15 minutes, from the
// telemetry ring) and stored history (24 h at 1-minute, 7 d at 1-hour resolution, from the ledger)
// take turns on one canvas and one chart.js instance. Here, building a chart (canvas allocation,
// option resolution, event binding) costs about as much again as laying one out, and a range switch
// on Device details used to tear down and build five of them.
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { Chart, Decimation, type ChartOptions, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import type { HistorySeries, TelemetryMetric } from '../../preload/contract/index.ts';
import { api } from '../api';
import { telemetry } from '../store/telemetry';
import { LIMIT_COLOR, MAX_SUFFIX, timeSeriesOptions, valueText, type Limit, type TimeAxis, type ValueAxis } from './chart-options';
import { ChartStats, paintStats, type StatsRow } from './ChartStats';
import { WindowStats, bucketStats, describeChart, legendLabels, missingLines } from './chart-stats';
import { feedLive, type Line, type LineChart, type Series, type Surface } from './live-feed';
import { useVisible } from './useVisible';

Chart.register(LineController, LineElement, PointElement, LinearScale, Decimation, Filler, Legend, Tooltip);

export type { Series } from './live-feed';
export type { Limit } from './chart-options';

export interface HistoryLine {
  label: string;
  color: string;
  device: string;
  metric: TelemetryMetric;
  /** Draw the bucket maxima as a second, dashed line (peaks hide inside averages). */
  showMax?: boolean;
  /** Multiplies stored values for display (MiB -> GiB). */
  scale?: number;
}

export type ChartSource =
  | { kind: 'live'; series: Series[]; windowSeconds: number }
  | { kind: 'history'; lines: HistoryLine[]; rangeSeconds: number };

interface Props {
  source: ChartSource;
  unit: string;
  yMax?: number;
  /** How a value reads on the axis and in the tooltip (default: the number and the unit). */
  format?: (value: number) => string;
  ariaLabel: string;
  /** Horizontal lines kept on every range (live and stored): a power limit, a slowdown temperature. */
  limits?: readonly Limit[];
  /** Now, min, max and average of each line over the range, in a table under the chart. */
  stats?: boolean;
}

/** After this long without its answers, a chart clears the previous range's lines. */
const STALE_MS = 150;
/**
 * Live figures and the text alternative are written every this many ms, on the same tick for every
 * chart: any text change costs the page a style, layout and paint pass, which the canvases alone
 * never need (HWiNFO refreshes every 2 s by default).
 */
const FIGURES_EVERY_MS = 5000;
const NO_LIMITS: readonly Limit[] = [];
const NONE: readonly string[] = [];

export function TimeChart({ source, unit, yMax, format, ariaLabel, limits = NO_LIMITS, stats = false }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const description = useRef<HTMLParagraphElement>(null);
  const table = useRef<HTMLTableSectionElement>(null);
  const describedBy = useId();
  const visible = useVisible(box);
  const surface = useMemo(() => createSurface(canvas, { max: yMax, unit, format }), [yMax, unit, format]);
  const text = useMemo(() => valueText({ unit, format }), [unit, format]);
  // The table's figures without the unit (it stands in the table's corner).
  const bare = useMemo(() => (v: number) => { const t = text(v); return unit && t.endsWith(unit) ? t.slice(0, -unit.length) : t; }, [text, unit]);
  useEffect(() => () => surface.destroy(), [surface]);
  // Which source the chart shows now (null before its first lines).
  const [shown, setShown] = useState<string | null>(null);
  const [empty, setEmpty] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Lines without a reading in the range: out of the legend and the table, named in a note.
  const [missing, setMissing] = useState<readonly string[]>(NONE);
  // The newest figures, painted again when React lays the table out anew.
  const figures = useRef<readonly StatsRow[]>([]);
  const lines = source.kind === 'live' ? source.series.map((s) => ({ label: s.label, color: s.color })) : source.lines.map((l) => ({ label: l.label, color: l.color }));
  const limitsKey = limits.map((l) => `${l.label}=${l.value}`).join(',');
  const key =
    (source.kind === 'live'
      ? `live:${source.windowSeconds}:${source.series.map((s) => s.label).join(',')}`
      : `history:${source.rangeSeconds}:${source.lines.map((l) => `${l.device}/${l.metric}`).join(',')}`) + `|${limitsKey}`;

  /** The figures and the text alternative, written into the page without a React render. */
  const paint = (rows: readonly StatsRow[], hidden: readonly string[]) => {
    figures.current = rows;
    paintStats(table.current, rows, bare);
    const words = describeChart({ rows, limits, missing: hidden, format: text });
    if (description.current && description.current.textContent !== words) description.current.textContent = words;
  };

  useEffect(() => {
    // Off screen, a chart costs nothing per tick: its lines are drawn from the ring when it comes into view.
    if (source.kind !== 'live' || !visible) return;
    const { series, windowSeconds } = source;
    const width = windowSeconds * 1000;
    // Per line, the window's figures, kept sample by sample (O(1) each), never per drawn frame.
    const windows = series.map(() => new WindowStats());
    let sampled = false;
    const add = (frame: Parameters<Series['pick']>[0]) => {
      sampled = true;
      series.forEach((s, i) => {
        windows[i]!.push(frame.t, s.pick(frame));
        windows[i]!.dropBefore(frame.t - width);
      });
    };
    const rows = () => series.map((s, i) => ({ label: s.label, stats: windows[i]!.get() }));
    telemetry.forEachSince(Date.now() - width, add);
    let hidden = missingLines(rows(), sampled);
    surface.setHidden(hidden);
    const stop = feedLive(surface, [...series, ...limits.map(limitSeries)], windowSeconds);
    let slot = -1;
    const update = (t: number) => {
      const now = rows();
      const gone = missingLines(now, sampled);
      const changed = !sameList(gone, hidden);
      if (changed) {
        hidden = gone;
        surface.setHidden(gone);
        surface.relayout();
        setMissing(gone);
      }
      const next = Math.floor(t / FIGURES_EVERY_MS);
      if (changed || next !== slot) {
        slot = next;
        paint(now, hidden);
      }
    };
    update(Date.now());
    setMissing((was) => (sameList(was, hidden) ? was : hidden));
    const off = telemetry.subscribe((frame) => {
      add(frame);
      update(frame.t);
    });
    setShown(key);
    setEmpty(false);
    setError(null);
    return () => {
      off();
      stop();
    };
    // `key` stands for the source; series definitions are static per key.
  }, [key, visible, surface]);

  // Asked before the page paints, not after: the answers are on their way during that frame.
  useLayoutEffect(() => {
    // Below the fold nothing is fetched; the chart loads when it scrolls into view.
    if (source.kind !== 'history' || !visible) return;
    const { lines, rangeSeconds } = source;
    let live = true;
    const range = (): TimeAxis => {
      const to = Date.now();
      return { min: to - rangeSeconds * 1000, max: to, maxTicks: 8 };
    };
    // Until the answers land the previous lines stay; slow answers clear them, so one range's lines
    // never stand for long under another range's button.
    const stale = setTimeout(() => {
      if (!live) return;
      surface.show([], range());
      paint([], NONE);
    }, STALE_MS);
    const load = () => {
      const x = range();
      // A point per two pixels (of the drawn chart, when there is one: asking the box would force a
      // layout): a day of minutes arrives merged, each point with its bucket's max, so the dashed
      // peak line still shows every spike.
      const maxPoints = Math.max(60, Math.round((surface.width() ?? box.current?.clientWidth ?? 600) / 2));
      Promise.all(lines.map((l) => api.request('history.telemetry', { device: l.device, metric: l.metric, range: { from: x.min, to: x.max }, resolution: 'auto', maxPoints })))
        .then((result) => {
          if (!live) return;
          clearTimeout(stale);
          // Summed once per answer (a minute apart), not per drawn frame.
          const rows = lines.map((l, i) => ({ label: l.label, stats: bucketStats(result[i]!.points, l.scale ?? 1) }));
          const none = result.every((s) => s.points.length === 0);
          const hidden = missingLines(rows, !none);
          surface.setHidden(hidden);
          surface.show([...historyLines(lines, result), ...limits.map((l) => limitLine(l, x))], x);
          paint(rows, hidden);
          setMissing((was) => (sameList(was, hidden) ? was : hidden));
          setShown(key);
          setEmpty(none);
          setError(null);
        })
        .catch((e: Error) => {
          if (!live) return;
          clearTimeout(stale);
          surface.show([], x);
          paint([], NONE);
          setError(e.message);
        });
    };
    load();
    const timer = setInterval(load, 60_000);
    return () => {
      live = false;
      clearTimeout(stale);
      clearInterval(timer);
    };
    // `key` stands for the source.
  }, [key, visible, surface]);

  // New rows (another range, a line back in data) get their figures before the page paints.
  useLayoutEffect(() => paintStats(table.current, figures.current, bare), [missing, key, bare]);

  const state = shown === key ? 'drawn' : !visible && shown === null ? 'offscreen' : 'loading';
  const gone = shown === key ? missing : NONE;
  return (
    <>
      <div className={source.kind === 'history' ? 'chart history' : 'chart'} ref={box} data-state={state}>
        {error ? <p className="error">History unavailable: {error}</p> : null}
        {empty && shown === key ? <p className="chart-empty muted">No history for this range yet: it fills in as the worker runs.</p> : null}
        <canvas ref={canvas} role="img" aria-label={ariaLabel} aria-describedby={describedBy} />
        <p id={describedBy} ref={description} className="sr-only" data-testid="chart-description" />
      </div>
      {gone.length ? (
        <p className="muted small chart-missing" data-testid="chart-missing">
          Not reported in this range, so left out: {gone.join(', ')}.
        </p>
      ) : null}
      {stats ? <ChartStats caption={`${ariaLabel}: now, minimum, maximum and average`} unit={unit} lines={lines.filter((l) => !gone.includes(l.label))} body={table} /> : null}
    </>
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A limit as a live line: the same value at every sample. */
function limitSeries(limit: Limit): Series {
  return { label: limit.label, color: limit.color ?? LIMIT_COLOR, pick: () => limit.value };
}

/** A limit across a stored range: two points, edge to edge. */
function limitLine(limit: Limit, x: TimeAxis): Line {
  return {
    label: limit.label,
    data: [
      { x: x.min, y: limit.value },
      { x: x.max, y: limit.value },
    ],
    borderColor: limit.color ?? LIMIT_COLOR,
    borderWidth: 1.5,
    pointRadius: 0,
  };
}

/** Stored series as chart lines: the averages, and the maxima dashed where peaks matter. */
function historyLines(lines: HistoryLine[], series: HistorySeries[]): Line[] {
  const datasets: Line[] = [];
  series.forEach((s, i) => {
    const line = lines[i]!;
    const k = line.scale ?? 1;
    datasets.push({ label: line.label, data: s.points.map((p) => ({ x: p.t, y: p.avg * k })), borderColor: line.color, borderWidth: 1.5, pointRadius: 0 });
    if (line.showMax) {
      datasets.push({ label: `${line.label}${MAX_SUFFIX}`, data: s.points.map((p) => ({ x: p.t, y: p.max * k })), borderColor: line.color, borderDash: [4, 3], borderWidth: 1, pointRadius: 0 });
    }
  });
  return datasets;
}

/** One canvas's chart, built on its first lines and laid out again for each later set. */
function createSurface(canvas: RefObject<HTMLCanvasElement | null>, y: ValueAxis) {
  let chart: LineChart | null = null;
  // Its maxTicks is read by the tick builder at each layout (min and max only when the chart is built).
  const axis: TimeAxis = { min: 0, max: 1, maxTicks: 6 };
  // Lines without data: the legend's filter reads this set at each layout.
  const hidden = new Set<string>();
  /**
   * A legend only where there is more than one line to tell apart; what it lists is kept on the
   * canvas (data-legend) for tests and tools.
   */
  const legend = (datasets: Line[], options: ChartOptions<'line'>) => {
    const items = legendLabels(datasets.map((d) => d.label ?? ''), hidden, MAX_SUFFIX);
    options.plugins!.legend!.display = items.length > 1;
    const element = canvas.current;
    if (element) element.dataset.legend = items.join(' | ');
  };
  const surface = {
    hooks: {} as Surface['hooks'],
    show(datasets: Line[], x: TimeAxis): LineChart {
      Object.assign(axis, x);
      if (chart) {
        chart.data.datasets = datasets;
        chart.options.scales!.x!.min = x.min;
        chart.options.scales!.x!.max = x.max;
        legend(datasets, chart.options);
        chart.update('none');
        return chart;
      }
      const element = canvas.current!;
      // Low-latency canvas: live pieces of line reach the screen without a compositor commit per tick.
      element.getContext('2d', { desynchronized: true });
      const options = timeSeriesOptions(axis, y, hidden);
      legend(datasets, options);
      chart = new Chart<'line', Line['data']>(element, {
        type: 'line',
        data: { datasets },
        options,
        plugins: [{ id: 'io-worker-feed', beforeEvent: () => surface.hooks.beforeEvent?.(), resize: () => surface.hooks.resize?.() }],
      });
      return chart;
    },
    /** Names the lines to leave out of the legend from the next layout on. */
    setHidden(labels: readonly string[]) {
      hidden.clear();
      for (const label of labels) hidden.add(label);
    },
    /** Lays the chart out again (after the hidden lines changed), live pieces taken in first. */
    relayout() {
      if (!chart) return;
      surface.hooks.beforeEvent?.();
      legend(chart.data.datasets, chart.options);
      chart.update('none');
    },
    width: () => chart?.width ?? null,
    destroy() {
      chart?.destroy();
      chart = null;
      surface.hooks = {};
    },
  };
  return surface;
}
