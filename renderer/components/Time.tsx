import { absoluteTime, relativeTime } from '../format';

/** A relative time ("3 min ago") with the absolute time on hover. */
export function Time({ t }: { t: number }) {
  return (
    <time dateTime={new Date(t).toISOString()} title={absoluteTime(t)}>
      {relativeTime(t)}
    </time>
  );
}
