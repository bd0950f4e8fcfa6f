// The time window of a live chart. Its right edge moves in steps (a minute for 15 minutes), not every
// second: between steps the axes stay put, so a new sample only needs its own piece of line drawn
// instead of a full chart.js update (layout, ticks, every point): about 0.1 ms per chart per tick
// here, against 2 to 6 ms for an update.

/** How many steps a window moves in across its width. */
export const STEPS_PER_WINDOW = 15;

export interface Edges {
  min: number;
  max: number;
}

export class LiveWindow {
  readonly width: number;
  readonly step: number;
  #first: number | undefined;

  constructor(width: number) {
    this.width = width;
    this.step = width / STEPS_PER_WINDOW;
  }

  /** The axis range that shows a sample taken at `t`: the right edge is the next step boundary. */
  edges(t: number): Edges {
    this.#first ??= t;
    const max = Math.ceil((t + 1) / this.step) * this.step;
    // A fresh start grows from its first sample up to the full width, so it is not a sliver.
    const min = Math.max(max - this.width, this.#first - this.step);
    return { min, max };
  }

  /** Whether a sample at `t` still fits the drawn axis (else the chart must be laid out again). */
  fits(t: number, drawn: Edges): boolean {
    const next = this.edges(t);
    return next.min === drawn.min && next.max === drawn.max;
  }
}

/** Whether every value lies inside the y axis as drawn (a value above it needs a new scale). */
export function insideScale(values: (number | null)[], min: number, max: number): boolean {
  return values.every((v) => v === null || (v >= min && v <= max));
}
