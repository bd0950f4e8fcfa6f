// A small live chart on a GPU card: the last minutes of one reading and its limit, drawn straight on
// a canvas from the telemetry ring. No chart library: eight GPUs draw 24 of these each second.
import { useEffect, useRef } from 'react';
import type { TelemetryFrame } from '../../preload/contract/index.ts';
import { telemetry } from '../store/telemetry';
import { useVisible } from './useVisible';

export interface SparkSpec {
  /** The reading's name, for the caption and the text alternative. */
  label: string;
  color: string;
  pick: (frame: TelemetryFrame) => number | null;
  /** The limit drawn as a dashed line (and kept inside the scale), where the card has one. */
  limit?: (frame: TelemetryFrame) => number | null;
  /** The scale's floor and its least ceiling; values and the limit above it raise it. */
  min: number;
  max: number;
}

interface Props {
  spec: SparkSpec;
  windowSeconds?: number;
}

const LIMIT_COLOR = '#94a3b8';

export function Sparkline({ spec, windowSeconds = 300 }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const visible = useVisible(canvas);
  const redraw = useRef<() => void>(() => {});
  const onScreen = useRef(visible);
  onScreen.current = visible;

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context) return;
    const span = windowSeconds * 1000;
    const times: number[] = [];
    const values: (number | null)[] = [];
    let limit: number | null = null;
    let width = 0;
    let height = 0;
    const take = (frame: TelemetryFrame) => {
      times.push(frame.t);
      values.push(spec.pick(frame));
      if (spec.limit) limit = spec.limit(frame) ?? limit;
    };
    telemetry.forEachSince(Date.now() - span, take);

    const draw = () => {
      if (!width || !height) return;
      const ratio = window.devicePixelRatio || 1;
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, width, height);
      const end = times.at(-1);
      if (end === undefined) return;
      let top = spec.max;
      for (const v of values) if (v !== null && v > top) top = v;
      if (limit !== null && limit > top) top = limit;
      const y = (v: number) => height - 1 - ((v - spec.min) / (top - spec.min || 1)) * (height - 2);
      const x = (t: number) => ((t - (end - span)) / span) * width;
      if (limit !== null) {
        context.setLineDash([3, 3]);
        context.strokeStyle = LIMIT_COLOR;
        context.lineWidth = 1;
        context.beginPath();
        context.moveTo(0, Math.round(y(limit)) + 0.5);
        context.lineTo(width, Math.round(y(limit)) + 0.5);
        context.stroke();
        context.setLineDash([]);
      }
      // One path per unbroken run of readings: a gap (a missed reading) stays a gap.
      context.strokeStyle = spec.color;
      context.fillStyle = `${spec.color}26`;
      context.lineWidth = 1.5;
      let i = 0;
      while (i < values.length) {
        while (i < values.length && values[i] === null) i++;
        const first = i;
        context.beginPath();
        for (; i < values.length && values[i] !== null; i++) {
          if (i === first) context.moveTo(x(times[i]!), y(values[i]!));
          else context.lineTo(x(times[i]!), y(values[i]!));
        }
        if (i === first) break;
        context.stroke();
        context.lineTo(x(times[i - 1]!), height);
        context.lineTo(x(times[first]!), height);
        context.fill();
      }
      if (element.dataset.state !== 'drawn') element.dataset.state = 'drawn';
    };
    redraw.current = draw;

    const resize = new ResizeObserver(([entry]) => {
      const box = entry!.contentRect;
      const ratio = window.devicePixelRatio || 1;
      width = box.width;
      height = box.height;
      element.width = Math.round(width * ratio);
      element.height = Math.round(height * ratio);
      draw();
    });
    resize.observe(element);
    const off = telemetry.subscribe((frame) => {
      take(frame);
      while (times.length && times[0]! <= frame.t - span) {
        times.shift();
        values.shift();
      }
      // Off screen or in a background tab: keep the readings, draw when seen again.
      if (onScreen.current && !document.hidden) draw();
    });
    return () => {
      off();
      resize.disconnect();
      redraw.current = () => {};
    };
  }, [spec, windowSeconds]);

  useEffect(() => {
    if (visible) redraw.current();
  }, [visible]);

  const minutes = Math.round(windowSeconds / 60);
  return (
    <figure className="spark">
      <figcaption className="spark-label">{spec.label}</figcaption>
      <canvas ref={canvas} role="img" aria-label={`${spec.label}, last ${minutes} minutes`} />
    </figure>
  );
}
