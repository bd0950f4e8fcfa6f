// Daily bar charts (chart.js): one bar group per day, a dataset per series. Data changes rarely
// (a block an hour), so the chart is rebuilt when the data changes, without animation.
import { useEffect, useId, useRef } from 'react';
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface BarSeries {
  label: string;
  color: string;
  data: (number | null)[];
}

interface Props {
  labels: string[];
  series: BarSeries[];
  /** Formats a value for the axis and the tooltip, unit included. */
  format: (value: number) => string;
  ariaLabel: string;
  stacked?: boolean;
}

export function BarChart({ labels, series, format, ariaLabel, stacked = false }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const styles = getComputedStyle(document.documentElement);
    const grid = styles.getPropertyValue('--chart-grid').trim();
    const text = styles.getPropertyValue('--muted').trim();
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color, borderRadius: 2 })) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { labels: { color: text, boxWidth: 12 } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${item.raw === null ? 'not estimated' : format(Number(item.raw))}` } },
        },
        scales: {
          x: { stacked, grid: { display: false }, ticks: { color: text, maxTicksLimit: 10, autoSkip: true } },
          y: { stacked, beginAtZero: true, grid: { color: grid }, ticks: { color: text, maxTicksLimit: 5, callback: (v) => format(Number(v)) } },
        },
      },
    });
    return () => chart.destroy();
  }, [labels, series, format, stacked]);
  const describedBy = useId();
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={ariaLabel} aria-describedby={describedBy} />
      <p id={describedBy} className="sr-only" data-testid="bar-chart-text">
        {barChartText(labels, series, format)}
      </p>
    </div>
  );
}

/** The chart in words for a screen reader: the latest day's values and each series' total over the range. */
export function barChartText(labels: string[], series: BarSeries[], format: (value: number) => string): string {
  if (labels.length === 0 || series.length === 0) return 'No days to show yet.';
  const last = labels.length - 1;
  const latest = series.map((s) => `${s.label} ${s.data[last] === null || s.data[last] === undefined ? 'not estimated' : format(s.data[last]!)}`).join(', ');
  const totals = series.map((s) => `${s.label} ${format(s.data.reduce<number>((sum, v) => sum + (v ?? 0), 0))}`).join(', ');
  return `${labels[last]}: ${latest}. Over the ${labels.length} days shown: ${totals}.`;
}
