// The options every time-series chart shares (live and stored): parsing off, no animation,
// min-max decimation that keeps peaks, a linear time axis, the theme's colours.
import type { ChartOptions, FontSpec, Scale } from 'chart.js';
import { toFont } from 'chart.js/helpers';
import { sampleTime, tickLabel, timeTicks, widestLabel } from './time-ticks';

/** Ends the label of a line of bucket maxima (drawn dashed beside its average). */
export const MAX_SUFFIX = ' (max)';

export interface TimeAxis {
  min: number;
  max: number;
  maxTicks: number;
}

export interface ValueAxis {
  max?: number;
  unit: string;
  /** How a value reads, where a number and the unit do not say it well (bytes per second). */
  format?: (value: number) => string;
}

/** How a value reads on the axis, in the tooltip and beside the chart. */
export function valueText(y: ValueAxis): (value: number) => string {
  return y.format ?? ((v: number) => `${Math.round(v * 10) / 10}${y.unit}`);
}

/** A horizontal line kept on every range of a chart (a power limit, a slowdown temperature). */
export interface Limit {
  label: string;
  value: number;
  color?: string;
}
export const LIMIT_COLOR = '#94a3b8';

/**
 * `hidden` names the lines left out of the legend (no data in the range); the caller changes the
 * set in place and lays the chart out again.
 */
export function timeSeriesOptions(x: TimeAxis, y: ValueAxis, hidden: ReadonlySet<string> = new Set()): ChartOptions<'line'> {
  const value = valueText(y);
  let step = 1;
  const styles = getComputedStyle(document.documentElement);
  const grid = styles.getPropertyValue('--chart-grid').trim() || '#8884';
  const text = styles.getPropertyValue('--muted').trim() || '#888';
  return {
    parsing: false,
    normalized: true,
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    plugins: {
      decimation: { enabled: true, algorithm: 'min-max' },
      // Shown where a chart has more than one line (set per set of lines); dashed peak lines are
      // named in the tooltip instead.
      legend: { display: false, labels: { color: text, boxWidth: 14, boxHeight: 2, filter: (item) => !item.text.endsWith(MAX_SUFFIX) && !hidden.has(item.text) } },
      tooltip: {
        callbacks: {
          title: (items) => (items[0] ? sampleTime(items[0].parsed.x ?? 0) : ''),
          label: (item) => `${item.dataset.label}: ${y.format ? y.format(item.parsed.y ?? 0) : `${item.parsed.y?.toFixed(1)}${y.unit}`}`,
        },
      },
    },
    scales: {
      x: {
        type: 'linear',
        min: x.min,
        max: x.max,
        grid: { color: grid },
        // Round clock times, replacing chart.js's round milliseconds.
        afterBuildTicks: (scale) => {
          const ticks = timeTicks(scale.min, scale.max, x.maxTicks, { pixels: scale.width, labelWidth: (s) => labelWidth(scale, s) });
          step = ticks.step;
          scale.ticks = ticks.values.map((value) => ({ value }));
        },
        // No label rotation to try: scale fitting is most of an update.
        ticks: { color: text, maxRotation: 0, minRotation: 0, callback: (v) => tickLabel(Number(v), step) },
      },
      y: {
        min: 0,
        max: y.max,
        grid: { color: grid },
        // At most 6 labels on a 180-pixel chart never overlap: nothing to measure for skipping.
        ticks: { color: text, autoSkip: false, maxTicksLimit: 6, callback: (v) => value(Number(v)) },
      },
    },
  };
}

const widths = new Map<string, number>();

/** How wide the widest label of a step reads in the axis font (measured once per font and format). */
function labelWidth(scale: Scale, step: number): number {
  // Resolved by chart.js by the time ticks are built.
  const font = toFont((scale.options as unknown as { ticks: { font: Partial<FontSpec> } }).ticks.font).string;
  const text = widestLabel(step);
  const key = `${font}|${text}`;
  let width = widths.get(key);
  if (width === undefined) {
    scale.ctx.save();
    scale.ctx.font = font;
    width = scale.ctx.measureText(text).width;
    scale.ctx.restore();
    widths.set(key, width);
  }
  return width;
}
