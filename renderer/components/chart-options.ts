// The options every time-series chart shares (live and stored): parsing off, no animation,
// min-max decimation that keeps peaks, a linear time axis, the theme's colours.
import type { ChartOptions } from 'chart.js';

export interface TimeAxis {
  min: number;
  max: number;
  /** How a tick's time reads (a cached Intl formatter: one per tick per redraw is slow). */
  format: (t: number) => string;
  maxTicks: number;
}

export function timeSeriesOptions(x: TimeAxis, y: { max?: number; unit: string }): ChartOptions<'line'> {
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
      tooltip: {
        callbacks: {
          title: (items) => (items[0] ? x.format(items[0].parsed.x ?? 0) : ''),
          label: (item) => `${item.dataset.label}: ${item.parsed.y?.toFixed(1)}${y.unit}`,
        },
      },
    },
    scales: {
      x: {
        type: 'linear',
        min: x.min,
        max: x.max,
        grid: { color: grid },
        // No label rotation to try and few ticks to measure: scale fitting is most of an update.
        ticks: { color: text, maxTicksLimit: x.maxTicks, maxRotation: 0, minRotation: 0, sampleSize: 4, callback: (v) => x.format(Number(v)) },
      },
      y: {
        min: 0,
        max: y.max,
        grid: { color: grid },
        ticks: { color: text, maxTicksLimit: 6, sampleSize: 4, callback: (v) => `${Math.round(Number(v) * 10) / 10}${y.unit}` },
      },
    },
  };
}
