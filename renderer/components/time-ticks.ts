// Time-axis ticks at round clock times (12:03, 12:06 … or Nov 21, Nov 22), whatever the window:
// chart.js's linear ticks fall on round milliseconds, which read as odd times.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [
  ...[1, 2, 5, 10, 15, 30].map((n) => n * SECOND),
  ...[1, 2, 3, 5, 10, 15, 30].map((n) => n * MINUTE),
  ...[1, 2, 3, 4, 6, 12].map((n) => n * HOUR),
  ...[1, 2, 7].map((n) => n * DAY),
];

export interface TimeTicks {
  values: number[];
  /** The spacing chosen: it decides how a tick reads (seconds, minutes or days). */
  step: number;
}

/** Room on the axis: its length and how wide a label reads at a step, both in pixels. */
export interface TickRoom {
  pixels: number;
  labelWidth: (step: number) => number;
}

/** Space kept between two labels, in pixels. */
const LABEL_GAP = 12;

/**
 * At most `maxTicks` ticks inside [min, max], on local clock boundaries of the smallest fitting step;
 * given the room, also no closer than their labels allow ("08:00 PM" needs more than "20:00").
 */
export function timeTicks(min: number, max: number, maxTicks: number, room?: TickRoom): TimeTicks {
  const span = max - min;
  const fits = (s: number) => span / s < maxTicks && (!room || (room.pixels * s) / span >= room.labelWidth(s) + LABEL_GAP);
  const step = STEPS.find(fits) ?? STEPS.at(-1)!;
  // Boundaries in local time: 06:00 here, not 06:00 UTC (offset in ms east of UTC).
  const offset = -new Date(max).getTimezoneOffset() * MINUTE;
  const values: number[] = [];
  for (let t = Math.ceil((min + offset) / step) * step - offset; t <= max; t += step) values.push(t);
  return { values, step };
}

const AS_SECONDS = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const AS_MINUTES = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const AS_DAYS = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** How a tick reads at a given spacing (cached formatters: building one per tick is slow). */
export function tickLabel(t: number, step: number): string {
  if (step < MINUTE) return AS_SECONDS.format(t);
  if (step < DAY) return AS_MINUTES.format(t);
  return AS_DAYS.format(t);
}

// A time whose labels are about the widest each format gives (two-digit day and hour, PM).
const WIDE = new Date(2026, 11, 28, 22, 58, 58).getTime();

/** The widest label a step's format gives, to measure before laying ticks out. */
export const widestLabel = (step: number): string => tickLabel(WIDE, step);

/** The hovered sample's time, to the second. */
export const sampleTime = (t: number): string => AS_SECONDS.format(t);
