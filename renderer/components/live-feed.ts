// The live feed of a time chart: the last minutes from the telemetry ring, no React render per tick.
// The axes move in steps (see live-window.ts); between steps a tick draws only its new piece of line
// onto the chart as laid out, and a full chart.js update runs only on a step, a value outside the y
// axis, a hover or a resize.
import type { Chart, ChartDataset } from 'chart.js';
import type { TelemetryFrame } from '../../preload/contract/index.ts';
import { telemetry } from '../store/telemetry';
import type { TimeAxis } from './chart-options';
import { LiveWindow, insideScale, type Edges } from './live-window';

export interface Series {
  label: string;
  color: string;
  pick: (frame: TelemetryFrame) => number | null;
}

export type Point = { x: number; y: number | null };
export type Line = ChartDataset<'line', Point[]>;
export type LineChart = Chart<'line', Point[]>;

/** What a feed draws on: one chart, kept while feeds take turns on it. */
export interface Surface {
  /** Puts these lines on the chart (building it the first time) and lays it out. */
  show(datasets: Line[], x: TimeAxis): LineChart;
  /** Run by the chart before chart.js redraws from its own elements. */
  hooks: { beforeEvent?: () => void; resize?: () => void };
}

const LINE_WIDTH = 1.5;

/** Streams `series` onto the surface until the returned function is called. */
export function feedLive(surface: Surface, series: Series[], windowSeconds: number): () => void {
  const span = new LiveWindow(windowSeconds * 1000);
  const fill = series.length === 1;
  // The series' points, kept here: with decimation on, chart.js swaps `dataset.data` for its own.
  const points: Point[][] = series.map(() => []);
  telemetry.forEachSince(Date.now() - windowSeconds * 1000, (frame) => {
    span.edges(frame.t);
    series.forEach((s, i) => points[i]!.push({ x: frame.t, y: s.pick(frame) }));
  });
  // A copy: chart.js hooks push/shift on its data arrays and would lay out each sample again.
  const datasets: Line[] = series.map((s, i) => ({
    label: s.label,
    data: points[i]!.slice(),
    borderColor: s.color,
    backgroundColor: `${s.color}22`,
    borderWidth: LINE_WIDTH,
    pointRadius: 0,
    fill,
    spanGaps: false,
  }));
  let drawn: Edges = span.edges(points[0]?.at(-1)?.x ?? Date.now());
  // Pieces of line drawn since the last full update are not chart.js elements yet: bring them in
  // before a hover or a resize redraws the chart from its elements.
  let behind = false;
  const takeIn = () => {
    behind = false;
    chart.data.datasets.forEach((d, i) => (d.data = points[i]!.slice()));
  };
  const layout = () => {
    takeIn();
    chart.options.scales!.x!.min = drawn.min;
    chart.options.scales!.x!.max = drawn.max;
    chart.update('none');
  };
  const chart = surface.show(datasets, { ...drawn, maxTicks: 6 });
  surface.hooks.beforeEvent = () => {
    if (behind) layout();
  };
  surface.hooks.resize = () => {
    if (behind) takeIn(); // chart.js updates next
  };

  const off = telemetry.subscribe((frame) => {
    const values = series.map((s) => s.pick(frame));
    const previous = points.map((p) => p.at(-1));
    values.forEach((y, i) => {
      const p = points[i]!;
      p.push({ x: frame.t, y });
      // Keep one point left of the window so the line enters from the edge.
      while (p.length > 2 && p[1]!.x < drawn.min) p.shift();
    });
    const { y: scale } = chart.scales;
    if (!span.fits(frame.t, drawn) || !scale || !insideScale(values, scale.min, scale.max)) {
      drawn = span.edges(frame.t);
      layout();
      return;
    }
    values.forEach((y, i) => {
      const from = previous[i];
      if (from && chart.isDatasetVisible(i)) drawPiece(chart, from, { x: frame.t, y }, series[i]!.color, fill);
    });
    behind = true;
  });
  return () => {
    off();
    surface.hooks = {};
  };
}

/** Draws the line (and its fill) from one sample to the next onto the chart as laid out. */
function drawPiece(chart: LineChart, from: Point, to: Point, color: string, fill: boolean): void {
  if (from.y === null || to.y === null) return; // a gap stays a gap, as chart.js draws it (spanGaps off)
  const { ctx, chartArea: area, scales } = chart;
  const x = scales.x!;
  const y = scales.y!;
  const x0 = x.getPixelForValue(from.x);
  const x1 = x.getPixelForValue(to.x);
  const y0 = y.getPixelForValue(from.y);
  const y1 = y.getPixelForValue(to.y);
  ctx.save();
  ctx.beginPath();
  ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
  ctx.clip();
  if (fill) {
    const base = y.getBasePixel();
    ctx.fillStyle = `${color}22`;
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.lineTo(x1, base);
    ctx.lineTo(x0, base);
    ctx.fill();
  }
  ctx.strokeStyle = color;
  ctx.lineWidth = LINE_WIDTH;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  ctx.restore();
}
