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
  /**
   * A box this many lines high whose size never follows its text: a new reading then lays out and
   * paints this box alone, not the card and the page around it (`.live-box`). Its width comes from
   * where it stands (a grid column, a card), or from `fit`.
   */
  lines?: number;
  /** The box's width, in characters, where nothing around it sets one (a row sized to its content). */
  fit?: number;
}

/**
 * Writes text into `element` through one text node changed in place (replacing it, as textContent
 * does, builds a new layout object each tick); the same text again writes nothing.
 */
export function textWriter(element: HTMLElement): (text: string) => void {
  const node = document.createTextNode('');
  element.replaceChildren(node);
  return (text) => {
    if (node.data !== text) node.data = text;
  };
}

export function LiveText({ read, className, testId, as: Tag = 'div', fit, lines }: Props) {
  const box = useRef<HTMLElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const write = textWriter(element);
    const paint = (frame: TelemetryFrame | undefined) => write(read(frame));
    paint(telemetry.latest());
    return telemetry.subscribe(paint);
  }, [read]);
  if (fit === undefined && lines === undefined) return <Tag className={className} data-testid={testId} ref={box as never} />;
  const high = lines ?? 1;
  const size = { width: fit !== undefined ? `${fit}ch` : undefined, height: high > 1 ? `${high}lh` : undefined, WebkitLineClamp: high > 1 ? high : undefined };
  return <Tag className={`${className ?? ''} live-box${high > 1 ? ' live-lines' : ''}`} style={size} data-testid={testId} ref={box as never} />;
}
