// A time-series chart, kept while its range changes: the live feed (the last 15 minutes, from the
// telemetry ring) and stored history (24 h at 1-minute, 7 d at 1-hour resolution, from the ledger)
// take turns on one canvas and one chart.js instance. Here, building a chart (canvas allocation,
// option resolution, event binding) costs about as much again as laying one out, and a range switch
// on Device details used to tear down and build five of them.
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { Chart, Decimation, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import type { HistorySeries, TelemetryMetric } from '../../preload/contract/index.ts';
import { api } from '../api';
import { MAX_SUFFIX, timeSeriesOptions, type TimeAxis, type ValueAxis } from './chart-options';
import { feedLive, type Line, type LineChart, type Series, type Surface } from './live-feed';
import { useVisible } from './useVisible';

Chart.register(LineController, LineElement, PointElement, LinearScale, Decimation, Filler, Legend, Tooltip);

export type { Series } from './live-feed';

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
}

/** After this long without its answers, a chart clears the previous range's lines. */
const STALE_MS = 150;

export function TimeChart({ source, unit, yMax, format, ariaLabel }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const visible = useVisible(box);
  const surface = useMemo(() => createSurface(canvas, { max: yMax, unit, format }), [yMax, unit, format]);
  useEffect(() => () => surface.destroy(), [surface]);
  // Which source the chart shows now (null before its first lines).
  const [shown, setShown] = useState<string | null>(null);
  const [empty, setEmpty] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key =
    source.kind === 'live'
      ? `live:${source.windowSeconds}:${source.series.map((s) => s.label).join(',')}`
      : `history:${source.rangeSeconds}:${source.lines.map((l) => `${l.device}/${l.metric}`).join(',')}`;

  useEffect(() => {
    // Off screen, a chart costs nothing per tick: its lines are drawn from the ring when it comes into view.
    if (source.kind !== 'live' || !visible) return;
    const stop = feedLive(surface, source.series, source.windowSeconds);
    setShown(key);
    setEmpty(false);
    setError(null);
    return stop;
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
    const stale = setTimeout(() => live && surface.show([], range()), STALE_MS);
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
          surface.show(historyLines(lines, result), x);
          setShown(key);
          setEmpty(result.every((s) => s.points.length === 0));
          setError(null);
        })
        .catch((e: Error) => {
          if (!live) return;
          clearTimeout(stale);
          surface.show([], x);
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

  const state = shown === key ? 'drawn' : !visible && shown === null ? 'offscreen' : 'loading';
  return (
    <div className={source.kind === 'history' ? 'chart history' : 'chart'} ref={box} data-state={state}>
      {error ? <p className="error">History unavailable: {error}</p> : null}
      {empty && shown === key ? <p className="chart-empty muted">No history for this range yet: it fills in as the worker runs.</p> : null}
      <canvas ref={canvas} role="img" aria-label={ariaLabel} />
    </div>
  );
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
function createSurface(canvas: RefObject<HTMLCanvasElement | null>, y: ValueAxis): Surface & { width(): number | null; destroy(): void } {
  let chart: LineChart | null = null;
  // Its maxTicks is read by the tick builder at each layout (min and max only when the chart is built).
  const axis: TimeAxis = { min: 0, max: 1, maxTicks: 6 };
  const surface = {
    hooks: {} as Surface['hooks'],
    show(datasets: Line[], x: TimeAxis): LineChart {
      Object.assign(axis, x);
      // A legend only where there is more than one line to tell apart.
      const legend = datasets.filter((d) => !d.label?.endsWith(MAX_SUFFIX)).length > 1;
      if (chart) {
        chart.data.datasets = datasets;
        chart.options.scales!.x!.min = x.min;
        chart.options.scales!.x!.max = x.max;
        chart.options.plugins!.legend!.display = legend;
        chart.update('none');
        return chart;
      }
      const element = canvas.current!;
      // Low-latency canvas: live pieces of line reach the screen without a compositor commit per tick.
      element.getContext('2d', { desynchronized: true });
      const options = timeSeriesOptions(axis, y);
      options.plugins!.legend!.display = legend;
      chart = new Chart<'line', Line['data']>(element, {
        type: 'line',
        data: { datasets },
        options,
        plugins: [{ id: 'io-worker-feed', beforeEvent: () => surface.hooks.beforeEvent?.(), resize: () => surface.hooks.resize?.() }],
      });
      return chart;
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
