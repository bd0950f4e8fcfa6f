// A live figure written straight into the page on each tick, like the charts: no React render per
// second, and no layout at all when the text reads the same as before.
import { useEffect, useRef } from 'react';
import type { TelemetryFrame } from '../../preload/contract/index.ts';
import { telemetry } from '../store/telemetry';

interface Props {
  /** The figure as it reads, from the newest frame (stable identity: define it outside render). */
  read: (frame: TelemetryFrame | undefined) => string;
  className?: string;
  testId?: string;
  /** The element it writes into (a table cell, a stat's value box). */
  as?: 'div' | 'span' | 'td';
}

export function LiveText({ read, className, testId, as: Tag = 'div' }: Props) {
  const box = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    // One text node changed in place: replacing it (textContent) builds a new layout object each tick.
    const node = document.createTextNode('');
    element.replaceChildren(node);
    const paint = (frame: TelemetryFrame | undefined) => {
      const text = read(frame);
      if (node.data !== text) node.data = text;
    };
    paint(telemetry.latest());
    return telemetry.subscribe(paint);
  }, [read]);
  return <Tag className={className} data-testid={testId} ref={box as never} />;
}
