// Per-line figures beside a chart (HWiNFO's columns: now, minimum, maximum, average over the range)
// and the chart's text alternative. Kept as data arrives, never per drawn frame: a live window adds
// and drops a sample in O(1) (monotonic queues for min and max, a running sum for the average);
// stored history is summed once per answer.

export interface Stats {
  /** The newest reading (null where the newest sample had none). */
  latest: number | null;
  min: number;
  max: number;
  avg: number;
  /** Readings counted (0: nothing in the range). */
  count: number;
}

/** A queue over a growing array: shifting is an index step, the array compacted now and then. */
class Queue {
  items: number[] = [];
  head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  first(): number {
    return this.items[this.head]!;
  }
  last(): number {
    return this.items[this.items.length - 1]!;
  }
  push(value: number): void {
    this.items.push(value);
  }
  shift(): void {
    this.head++;
    if (this.head > 256 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
  pop(): void {
    this.items.pop();
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** Min, max and average over a sliding time window of samples (oldest dropped by time). */
export class WindowStats {
  // Readings in the window, by sequence number (times and values side by side).
  readonly #times = new Queue();
  readonly #values = new Queue();
  // Sequence numbers of the readings that can still become the window's min (max): values rise (fall) along each.
  readonly #mins = new Queue();
  readonly #maxs = new Queue();
  #first = 0; // sequence number of the oldest reading in the window
  #next = 0;
  #sum = 0;
  #latest: number | null = null;
  #samples = 0;

  /** Adds a sample; null is a sample without a reading (it only sets `latest`). */
  push(t: number, value: number | null): void {
    this.#samples++;
    this.#latest = value;
    if (value === null || !Number.isFinite(value)) return;
    const seq = this.#next++;
    this.#times.push(t);
    this.#values.push(value);
    this.#sum += value;
    while (this.#mins.size && this.#value(this.#mins.last()) >= value) this.#mins.pop();
    this.#mins.push(seq);
    while (this.#maxs.size && this.#value(this.#maxs.last()) <= value) this.#maxs.pop();
    this.#maxs.push(seq);
  }

  /** Drops the readings taken before `t`. */
  dropBefore(t: number): void {
    while (this.#times.size && this.#times.first() < t) {
      const value = this.#values.first();
      this.#sum -= value;
      if (this.#mins.size && this.#mins.first() === this.#first) this.#mins.shift();
      if (this.#maxs.size && this.#maxs.first() === this.#first) this.#maxs.shift();
      this.#times.shift();
      this.#values.shift();
      this.#first++;
    }
    // A long run of additions and removals leaves rounding in the sum: start it again when empty.
    if (!this.#times.size) this.#sum = 0;
  }

  /** Whether any sample (with or without a reading) has been seen. */
  get sampled(): boolean {
    return this.#samples > 0;
  }

  get(): Stats {
    const count = this.#values.size;
    if (!count) return { latest: this.#latest, min: NaN, max: NaN, avg: NaN, count: 0 };
    return {
      latest: this.#latest,
      min: this.#value(this.#mins.first()),
      max: this.#value(this.#maxs.first()),
      avg: this.#sum / count,
      count,
    };
  }

  #value(seq: number): number {
    return this.#values.items[this.#values.head + (seq - this.#first)]!;
  }
}

/** One stored point as the ledger answers it: a bucket of n samples. */
export interface Bucket {
  n: number;
  min: number;
  avg: number;
  max: number;
}

/** Stored history's figures: the buckets' extremes, the average weighted by samples, the newest bucket's average. */
export function bucketStats(points: readonly Bucket[], scale = 1): Stats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (const p of points) {
    if (p.min < min) min = p.min;
    if (p.max > max) max = p.max;
    sum += p.avg * p.n;
    n += p.n;
  }
  if (!points.length || n === 0) return { latest: null, min: NaN, max: NaN, avg: NaN, count: 0 };
  return { latest: points[points.length - 1]!.avg * scale, min: min * scale, max: max * scale, avg: (sum / n) * scale, count: n };
}

/** The lines a legend lists: not the dashed maxima (named in the tooltip), not the lines without data. */
export function legendLabels(labels: readonly string[], missing: ReadonlySet<string>, maxSuffix: string): string[] {
  return labels.filter((label) => !label.endsWith(maxSuffix) && !missing.has(baseLabel(label, maxSuffix)));
}

/** The line a dashed maxima line belongs to. */
export function baseLabel(label: string, maxSuffix: string): string {
  return label.endsWith(maxSuffix) ? label.slice(0, -maxSuffix.length) : label;
}

/**
 * The lines with no reading in the range, once the range holds any sample at all: before the
 * first sample nothing is known to be missing (the chart says it is loading or empty instead).
 */
export function missingLines(rows: readonly { label: string; stats: Stats }[], sampled: boolean): string[] {
  if (!sampled) return [];
  return rows.filter((r) => r.stats.count === 0).map((r) => r.label);
}

export interface ChartReading {
  /** The chart's name and range ("Power, last 24 h"), where the paragraph stands alone. */
  title?: string;
  rows: readonly { label: string; stats: Stats }[];
  limits: readonly { label: string; value: number }[];
  missing: readonly string[];
  format: (value: number) => string;
}

/** The chart in one paragraph for people who cannot see it: latest values, the range's extremes, the limits. */
export function describeChart(c: ChartReading): string {
  const skip = new Set(c.missing);
  const lines = c.rows
    .filter((r) => !skip.has(r.label) && r.stats.count > 0)
    .map(({ label, stats: s }) =>
      `${label}: ${s.latest === null ? 'no reading now' : `now ${c.format(s.latest)}`}, min ${c.format(s.min)}, max ${c.format(s.max)}, average ${c.format(s.avg)}.`,
    );
  const parts = c.title ? [`${c.title}.`] : [];
  parts.push(lines.length ? lines.join(' ') : 'No readings in this range yet.');
  for (const l of c.limits) parts.push(`${l.label}: ${c.format(l.value)}.`);
  if (c.missing.length) parts.push(`Not reported: ${c.missing.join(', ')}.`);
  return parts.join(' ');
}

/** A figure as a cell reads it: a dash where there is none. */
export function statText(value: number | null, format: (value: number) => string): string {
  return value === null || !Number.isFinite(value) ? '–' : format(value);
}

/**
 * One horizontal line per GPU's limit, or a single line where every GPU has the same limit (eight
 * 700 W lines on top of each other read as one, with eight legend entries).
 */
export function limitLines(limits: readonly { gpu: number; value: number | null | undefined }[], name: string): { label: string; value: number }[] {
  const known = limits.filter((l): l is { gpu: number; value: number } => l.value !== null && l.value !== undefined && Number.isFinite(l.value));
  if (known.length > 1 && known.every((l) => l.value === known[0]!.value)) return [{ label: `Each GPU’s ${name}`, value: known[0]!.value }];
  return known.map((l) => ({ label: `GPU ${l.gpu} ${name}`, value: l.value }));
}
