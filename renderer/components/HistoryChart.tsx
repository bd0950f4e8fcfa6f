// A chart of stored history (24 h at 1-minute, 7 d at 1-hour resolution): average lines, with the
// maximum drawn too where peaks matter (temperatures). Refreshed once a minute, not per tick.
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Chart, type ChartDataset } from 'chart.js';
import type { HistorySeries, TelemetryMetric } from '../../preload/contract';
import { api } from '../api';
import './LiveChart';
import { useVisible } from './useVisible';
import { timeSeriesOptions } from './chart-options';

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

interface Props {
  lines: HistoryLine[];
  rangeSeconds: number;
  unit: string;
  yMax?: number;
  ariaLabel: string;
}

type Point = { x: number; y: number };

export function HistoryChart({ lines, rangeSeconds, unit, yMax, ariaLabel }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const visible = useVisible(box);
  const [series, setSeries] = useState<HistorySeries[] | null>(null);
  const [drawn, setDrawn] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = lines.map((l) => `${l.device}/${l.metric}`).join(',');

  // Asked before the page paints, not after: the answers are on their way during that frame.
  useLayoutEffect(() => {
    // Below the fold nothing is fetched; the chart loads when it scrolls into view.
    if (!visible) return;
    let live = true;
    const load = () => {
      const to = Date.now();
      const from = to - rangeSeconds * 1000;
      // A point per two pixels: a day of minutes on a 400-pixel chart arrives merged, each point
      // with its bucket's max, so the dashed peak line still shows every spike.
      const maxPoints = Math.max(60, Math.round((box.current?.clientWidth ?? 600) / 2));
      Promise.all(lines.map((l) => api.request('history.telemetry', { device: l.device, metric: l.metric, range: { from, to }, resolution: 'auto', maxPoints })))
        .then((result) => live && (setSeries(result), setError(null)))
        .catch((e: Error) => live && setError(e.message));
    };
    load();
    const timer = setInterval(load, 60_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
    // `key` stands for the lines' identity.
  }, [key, rangeSeconds, visible]);

  useEffect(() => {
    if (!canvas.current || !series) return;
    const datasets: ChartDataset<'line', Point[]>[] = [];
    series.forEach((s, i) => {
      const line = lines[i]!;
      const k = line.scale ?? 1;
      datasets.push({ label: line.label, data: s.points.map((p) => ({ x: p.t, y: p.avg * k })), borderColor: line.color, borderWidth: 1.5, pointRadius: 0 });
      if (line.showMax) {
        datasets.push({ label: `${line.label} (max)`, data: s.points.map((p) => ({ x: p.t, y: p.max * k })), borderColor: line.color, borderDash: [4, 3], borderWidth: 1, pointRadius: 0 });
      }
    });
    const to = Date.now();
    const chart = new Chart(canvas.current, {
      type: 'line',
      data: { datasets },
      options: timeSeriesOptions({ min: to - rangeSeconds * 1000, max: to, maxTicks: 8 }, { max: yMax, unit }),
    });
    setDrawn(true);
    return () => {
      chart.destroy();
      setDrawn(false);
    };
  }, [series, lines, rangeSeconds, unit, yMax]);

  const empty = series?.every((s) => s.points.length === 0);
  return (
    <div className="chart history" ref={box} data-state={!visible && !drawn ? 'offscreen' : drawn ? 'drawn' : 'loading'}>
      {error ? <p className="error">History unavailable: {error}</p> : null}
      {empty ? <p className="chart-empty muted">No history for this range yet: it fills in as the worker runs.</p> : null}
      <canvas ref={canvas} role="img" aria-label={ariaLabel} />
    </div>
  );
}
