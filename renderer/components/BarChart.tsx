// Daily bar charts (chart.js): one bar group per day, a dataset per series. Data changes rarely
// (a block an hour), so the chart is rebuilt when the data changes, without animation.
import { useEffect, useRef } from 'react';
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
  return (
    <div className="chart">
      <canvas ref={canvas} role="img" aria-label={ariaLabel} />
    </div>
  );
}
