// The 30-day uptime bar: one cell per local day, coloured by uptime, with the day's uptime and its
// downtime by reason on hover (and on keyboard focus).
import type { UptimeBar as UptimeBarData } from '../../preload/contract/index.ts';
import { DOWNTIME_REASON_WORDS, PAUSE_SOURCE_WORDS } from '../../preload/contract/words.ts';

export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function describe(bucket: UptimeBarData['buckets'][number]): string {
  if (bucket.uptimePct === null) return `${bucket.label}: no data`;
  const reasons = Object.entries(bucket.downtime)
    .filter(([, s]) => (s ?? 0) > 0)
    .map(([reason, s]) => `${duration(s ?? 0)} ${DOWNTIME_REASON_WORDS[reason as keyof typeof DOWNTIME_REASON_WORDS] ?? reason}`);
  // Paused time is up time that did not earn: said apart, with who held the pause.
  const paused = Object.entries(bucket.paused)
    .filter(([, s]) => (s ?? 0) > 0)
    .map(([source, s]) => `${duration(s ?? 0)} ${PAUSE_SOURCE_WORDS[source as keyof typeof PAUSE_SOURCE_WORDS] ?? source}`);
  return `${bucket.label}: ${bucket.uptimePct.toFixed(1)} % up${paused.length ? ` (${paused.join(', ')})` : ''}${reasons.length ? `; down ${reasons.join(', ')}` : ''}`;
}

function level(pct: number | null): string {
  if (pct === null) return 'none';
  if (pct >= 99) return 'full';
  if (pct >= 90) return 'most';
  if (pct >= 50) return 'some';
  return 'low';
}

export function UptimeBar({ bar }: { bar: UptimeBarData }) {
  const known = bar.buckets.filter((b) => b.uptimePct !== null);
  const online = known.reduce((sum, b) => sum + b.onlineSeconds, 0);
  const total = known.reduce((sum, b) => sum + b.onlineSeconds + b.downtimeSeconds, 0);
  return (
    <figure className="uptime">
      <div className="uptime-cells" role="list" aria-label={`Uptime per day, last ${bar.buckets.length} days`}>
        {bar.buckets.map((bucket) => (
          <span
            key={bucket.start}
            role="listitem"
            tabIndex={0}
            className={`uptime-cell uptime-${level(bucket.uptimePct)}`}
            title={describe(bucket)}
            aria-label={describe(bucket)}
            data-testid="uptime-cell"
          />
        ))}
      </div>
      <figcaption className="muted small">
        {bar.buckets.length} days ago · {total > 0 ? `${((online / total) * 100).toFixed(2)} % uptime` : 'no history yet'} · today
      </figcaption>
    </figure>
  );
}
