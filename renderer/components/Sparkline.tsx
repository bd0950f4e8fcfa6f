// A GPU card's small live charts: the last minutes of a few readings side by side, each with its
// limit, drawn straight on one canvas from the telemetry ring. No chart library, and one canvas per
// card, not one per reading: each canvas costs the page a frame of its own every second
// (bench/dashboard.bench.ts), and eight GPUs draw 24 of these charts each second.
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
  specs: SparkSpec[];
  windowSeconds?: number;
}

const LIMIT_COLOR = '#94a3b8';
/** The room between two charts, as the captions' grid has it (.gpu-sparks gap). */
const GAP = 10;

/** One reading's points over the window, and the newest limit seen. */
class Track {
  readonly values: (number | null)[] = [];
  limit: number | null = null;
  readonly spec: SparkSpec;
  constructor(spec: SparkSpec) {
    this.spec = spec;
  }
  take(frame: TelemetryFrame): void {
    this.values.push(this.spec.pick(frame));
    if (this.spec.limit) this.limit = this.spec.limit(frame) ?? this.limit;
  }
}

export function Sparklines({ specs, windowSeconds = 300 }: Props) {
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
    const tracks = specs.map((spec) => new Track(spec));
    let width = 0;
    let height = 0;
    // The charts' base line, in the theme's grid colour (read on mount and resize, not each frame).
    let gridColor = '';
    const take = (frame: TelemetryFrame) => {
      times.push(frame.t);
      for (const track of tracks) track.take(frame);
    };
    telemetry.forEachSince(Date.now() - span, take);

    const drawTrack = (track: Track, left: number, w: number, end: number) => {
      const { spec, values, limit } = track;
      let top = spec.max;
      for (const v of values) if (v !== null && v > top) top = v;
      if (limit !== null && limit > top) top = limit;
      const y = (v: number) => height - 1 - ((v - spec.min) / (top - spec.min || 1)) * (height - 2);
      const x = (t: number) => left + ((t - (end - span)) / span) * w;
      context.strokeStyle = gridColor;
      context.lineWidth = 1;
      context.beginPath();
      context.moveTo(left, height - 0.5);
      context.lineTo(left + w, height - 0.5);
      context.stroke();
      if (limit !== null) {
        context.setLineDash([3, 3]);
        context.strokeStyle = LIMIT_COLOR;
        context.beginPath();
        context.moveTo(left, Math.round(y(limit)) + 0.5);
        context.lineTo(left + w, Math.round(y(limit)) + 0.5);
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
    };

    const draw = () => {
      if (!width || !height) return;
      const ratio = window.devicePixelRatio || 1;
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, width, height);
      const end = times.at(-1);
      if (end === undefined) return;
      const w = (width - GAP * (tracks.length - 1)) / tracks.length;
      // No clip per chart (save and clip were a third of the drawing): every point lies inside its
      // chart already, times within the window and values within the scale, which they raise.
      tracks.forEach((track, i) => drawTrack(track, i * (w + GAP), w, end));
      if (element.dataset.state !== 'drawn') element.dataset.state = 'drawn';
    };
    redraw.current = draw;

    const resize = new ResizeObserver(([entry]) => {
      const box = entry!.contentRect;
      const ratio = window.devicePixelRatio || 1;
      width = box.width;
      height = box.height;
      gridColor = getComputedStyle(element).getPropertyValue('--chart-grid').trim() || LIMIT_COLOR;
      element.width = Math.round(width * ratio);
      element.height = Math.round(height * ratio);
      draw();
    });
    resize.observe(element);
    const off = telemetry.subscribe((frame) => {
      take(frame);
      while (times.length && times[0]! <= frame.t - span) {
        times.shift();
        for (const track of tracks) track.values.shift();
      }
      // Off screen or in a background tab: keep the readings, draw when seen again.
      if (onScreen.current && !document.hidden) draw();
    });
    return () => {
      off();
      resize.disconnect();
      redraw.current = () => {};
    };
  }, [specs, windowSeconds]);

  useEffect(() => {
    if (visible) redraw.current();
  }, [visible]);

  const minutes = Math.round(windowSeconds / 60);
  const names = specs.map((s, i) => (i ? s.label.toLowerCase() : s.label));
  const said = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('');
  return (
    <div className="sparks" style={{ gridTemplateColumns: `repeat(${specs.length}, minmax(0, 1fr))` }}>
      {specs.map((spec) => (
        <span key={spec.label} className="spark-label" aria-hidden="true">
          {spec.label}
        </span>
      ))}
      <canvas ref={canvas} role="img" aria-label={`${said}, last ${minutes} minutes`} />
    </div>
  );
}
