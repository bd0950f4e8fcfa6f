import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import { telemetry } from '../store/telemetry';
import { textWriter } from './LiveText';

/** How early a tick may come, and how late the timer takes over when no frame arrives. */
const SLACK_MS = 250;

const seconds = new Set<(now: number) => void>();
let lastSecond = 0;
let secondTimer: ReturnType<typeof setTimeout> | undefined;
let offFrames: (() => void) | null = null;

function tickSecond(): void {
  lastSecond = Date.now();
  clearTimeout(secondTimer);
  secondTimer = setTimeout(tickSecond, 1000 + SLACK_MS);
  for (const listener of seconds) listener(lastSecond);
}

/**
 * Calls `listener` once a second with the time, until the returned function is called. While
 * telemetry arrives it ticks in the frame's own task, so the page paints once a second, not once for
 * the frame and again for each clock (bench/dashboard.bench.ts); a timer ticks when frames stop.
 */
export function everySecond(listener: (now: number) => void): () => void {
  seconds.add(listener);
  if (!offFrames) {
    offFrames = telemetry.subscribe(() => {
      if (Date.now() - lastSecond >= 1000 - SLACK_MS) tickSecond();
    });
    secondTimer = setTimeout(tickSecond, 1000 + SLACK_MS);
  }
  return () => {
    seconds.delete(listener);
    if (seconds.size || !offFrames) return;
    offFrames();
    offFrames = null;
    clearTimeout(secondTimer);
  };
}

/**
 * The time now, refreshed every `everyMs` while `active`, re-rendering the component: for what
 * changes its shape with time (a code that expires). A figure that only counts goes in <Ticking>,
 * which writes its text without a render.
 */
export function useNow(everyMs = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    let last = Date.now();
    const tick = (at: number) => {
      last = at;
      setNow(at);
    };
    tick(Date.now());
    // Rendered in the frame's own task: a render scheduled for later would lay the page out twice.
    return everySecond((at) => {
      if (at - last >= everyMs - SLACK_MS) flushSync(() => tick(at));
    });
  }, [everyMs, active]);
  return now;
}

interface TickingProps {
  /** The text at a time; called once a second. */
  read: (now: number) => string;
  as?: 'span' | 'strong' | 'div';
  /** Its own box (`.live-box`, a block) instead of the default, a fixed box at the end of a sentence. */
  className?: string;
  testId?: string;
}

/**
 * A count that moves every second ("3 h 02 min 07 s"), written straight into its text node with no
 * React render, like LiveText; `data-at` holds the instant the text was made for. By default it is a
 * fixed box (`.ticking`), so a new second lays out only the count, not the page: put it last in its
 * sentence, where the room it keeps for longer counts stays out of sight.
 */
export function Ticking({ read, as: Tag = 'span', className, testId }: TickingProps) {
  const box = useRef<HTMLElement>(null);
  // Before the first paint: the count is never shown empty.
  useLayoutEffect(() => {
    const element = box.current;
    if (!element) return;
    const write = textWriter(element);
    const paint = (now: number) => {
      write(read(now));
      element.dataset.at = String(now);
    };
    paint(Date.now());
    return everySecond(paint);
  }, [read]);
  return <Tag className={className ?? 'ticking'} data-testid={testId} ref={box as never} />;
}
