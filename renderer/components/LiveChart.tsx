// A streaming line chart fed straight from the telemetry ring: no React render per tick, parsing
// off, min-max decimation (keeps the peaks), and update('none') so nothing animates.
import { useEffect, useRef } from 'react';
import {
  Chart,
  Decimation,
  Filler,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import type { TelemetryFrame } from '../../preload/contract';
import { telemetry } from '../store/telemetry';
import { timeSeriesOptions } from './chart-options';
import { useVisible } from './useVisible';

Chart.register(LineController, LineElement, PointElement, LinearScale, Decimation, Filler, Tooltip);

// One formatter for every tick of every chart: toLocaleTimeString builds a new one per call, and
// chart.js formats each tick several times per update (a few ms per chart per second otherwise).
const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export interface Series {
  label: string;
  color: string;
  pick: (frame: TelemetryFrame) => number | null;
}

interface Props {
  series: Series[];
  windowSeconds?: number;
  yMax?: number;
  unit: string;
  ariaLabel: string;
}

type Point = { x: number; y: number | null };

export function LiveChart({ series, windowSeconds = 900, yMax, unit, ariaLabel }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const visible = useVisible(box);

  useEffect(() => {
    // Off screen, a chart costs nothing per tick: it is built from the ring when it comes into view.
    if (!canvas.current || !visible) return;
    const since = Date.now() - windowSeconds * 1000;
    // The window grows from the first frame up to its full width, so a fresh start is not a sliver.
    let firstT: number | undefined;
    const left = (newest: number) => Math.max(newest - windowSeconds * 1000, (firstT ?? newest) - 5_000);
    telemetry.forEachSince(since, (frame) => (firstT ??= frame.t));
    const data: Point[][] = series.map(() => []);
    telemetry.forEachSince(since, (frame) => series.forEach((s, i) => data[i]!.push({ x: frame.t, y: s.pick(frame) })));
    const datasets: ChartDataset<'line', Point[]>[] = series.map((s, i) => ({
      label: s.label,
      data: data[i]!,
      borderColor: s.color,
      backgroundColor: `${s.color}22`,
      borderWidth: 1.5,
      pointRadius: 0,
      fill: series.length === 1,
      spanGaps: false,
    }));
    const chart = new Chart(canvas.current, {
      type: 'line',
      data: { datasets },
      options: timeSeriesOptions({ min: left(Date.now()), max: Date.now(), format: (t) => TIME.format(t), maxTicks: 5 }, { max: yMax, unit }),
    });
    const off = telemetry.subscribe((frame) => {
      const cutoff = frame.t - windowSeconds * 1000;
      chart.data.datasets.forEach((dataset, i) => {
        const points = dataset.data as Point[];
        points.push({ x: frame.t, y: series[i]!.pick(frame) });
        while (points.length && points[0]!.x < cutoff) points.shift();
      });
      firstT ??= frame.t;
      chart.options.scales!.x!.min = left(frame.t);
      chart.options.scales!.x!.max = frame.t;
      chart.update('none');
    });
    return () => {
      off();
      chart.destroy();
    };
    // Series definitions are static per mount: a new array identity must not rebuild the chart.
  }, [windowSeconds, yMax, unit, visible]);

  return (
    <div className="chart" ref={box} data-state={visible ? 'drawn' : 'offscreen'}>
      <canvas ref={canvas} role="img" aria-label={ariaLabel} />
    </div>
  );
}
