import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import { telemetry } from '../store/telemetry';

/** How early a tick may come, and how late the timer takes over when no frame arrives. */
const SLACK_MS = 250;

/**
 * The time now, refreshed every `everyMs` while `active`: for countdowns that tick on screen.
 * While telemetry arrives it ticks with the frame, so the page paints once a second, not once
 * for the frame and again for each timer (bench/dashboard.bench.ts); a timer ticks when frames stop.
 */
export function useNow(everyMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    let last = Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      last = Date.now();
      setNow(last);
      clearTimeout(timer);
      timer = setTimeout(tick, everyMs + SLACK_MS);
    };
    tick();
    // Rendered in the frame's own task: a render scheduled for later would lay the page out twice.
    const off = telemetry.subscribe(() => {
      if (Date.now() - last >= everyMs - SLACK_MS) flushSync(tick);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [everyMs, active]);
  return now;
}
