import { describe, expect, it } from 'vitest';
import { arrowMove } from './arrow-keys';
import { WindowStats, bucketStats, describeChart, legendLabels, limitLines, missingLines, statText, type Stats } from './chart-stats';

/** The figures the slow way, to hold the sliding window against. */
function naive(samples: { t: number; v: number | null }[], from: number): Omit<Stats, 'latest'> {
  const values = samples.filter((s) => s.t >= from && s.v !== null).map((s) => s.v!);
  if (!values.length) return { min: NaN, max: NaN, avg: NaN, count: 0 };
  return { min: Math.min(...values), max: Math.max(...values), avg: values.reduce((a, b) => a + b, 0) / values.length, count: values.length };
}

describe('WindowStats', () => {
  it('keeps min, max and average of a sliding window equal to a full recount', () => {
    // A deterministic walk with gaps (null readings) and plateaus (equal values).
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const stats = new WindowStats();
    const samples: { t: number; v: number | null }[] = [];
    const window = 900;
    for (let t = 0; t < 5000; t++) {
      const v = random() < 0.05 ? null : Math.round(random() * 50) + (t % 700 < 350 ? 0 : 600);
      samples.push({ t, v });
      stats.push(t, v);
      stats.dropBefore(t - window);
      if (t % 37 === 0 || t > 4990) {
        const got = stats.get();
        const want = naive(samples, t - window);
        expect(got.count).toBe(want.count);
        expect(got.min).toBe(want.min);
        expect(got.max).toBe(want.max);
        expect(got.avg).toBeCloseTo(want.avg, 6);
        expect(got.latest).toBe(v);
      }
    }
  });

  it('says nothing is known before a sample, and no reading after samples without one', () => {
    const stats = new WindowStats();
    expect(stats.sampled).toBe(false);
    expect(stats.get().count).toBe(0);
    stats.push(1, null);
    expect(stats.sampled).toBe(true);
    expect(stats.get()).toMatchObject({ latest: null, count: 0 });
    stats.push(2, 40);
    stats.push(3, 60);
    stats.dropBefore(3);
    expect(stats.get()).toMatchObject({ latest: 60, min: 60, max: 60, avg: 60, count: 1 });
    stats.dropBefore(10);
    expect(stats.get().count).toBe(0);
  });
});

describe('bucketStats', () => {
  it('takes the buckets’ extremes and weighs each average by its samples', () => {
    const s = bucketStats([
      { n: 60, min: 30, avg: 40, max: 55 },
      { n: 20, min: 10, avg: 20, max: 70 },
    ]);
    expect(s).toEqual({ latest: 20, min: 10, max: 70, avg: (60 * 40 + 20 * 20) / 80, count: 80 });
  });
  it('scales stored units for display (MiB to GiB) and reports an empty range as empty', () => {
    expect(bucketStats([{ n: 1, min: 2048, avg: 2048, max: 2048 }], 1 / 1024)).toMatchObject({ min: 2, max: 2, avg: 2, latest: 2 });
    expect(bucketStats([]).count).toBe(0);
  });
});

describe('legend', () => {
  it('leaves out dashed maxima and lines without data', () => {
    const labels = ['GPU 0 core', 'GPU 0 core (max)', 'Hotspot', 'Hotspot (max)', 'Memory', 'GPU 0 limit'];
    expect(legendLabels(labels, new Set(['Hotspot']), ' (max)')).toEqual(['GPU 0 core', 'Memory', 'GPU 0 limit']);
  });
  it('knows a line is missing only once the range has samples', () => {
    const empty: Stats = { latest: null, min: NaN, max: NaN, avg: NaN, count: 0 };
    const full: Stats = { latest: 1, min: 1, max: 1, avg: 1, count: 3 };
    const rows = [{ label: 'Core', stats: full }, { label: 'Hotspot', stats: empty }];
    expect(missingLines(rows, true)).toEqual(['Hotspot']);
    expect(missingLines(rows, false)).toEqual([]);
  });
});

describe('describeChart', () => {
  const w = (v: number) => `${Math.round(v)} W`;
  it('reads the latest value, the range’s figures, the limits and what is not reported', () => {
    const text = describeChart({
      title: 'Power against limit, last 24 h',
      rows: [
        { label: 'GPU 0', stats: { latest: 632, min: 80, max: 690, avg: 400.4, count: 10 } },
        { label: 'Hotspot', stats: { latest: null, min: NaN, max: NaN, avg: NaN, count: 0 } },
      ],
      limits: [{ label: 'GPU 0 limit', value: 700 }],
      missing: ['Hotspot'],
      format: w,
    });
    expect(text).toBe('Power against limit, last 24 h. GPU 0: now 632 W, min 80 W, max 690 W, average 400 W. GPU 0 limit: 700 W. Not reported: Hotspot.');
  });
  it('says so when the range has no readings yet', () => {
    expect(describeChart({ rows: [], limits: [], missing: [], format: w })).toBe('No readings in this range yet.');
  });
  it('writes a dash for a figure that does not exist', () => {
    expect(statText(NaN, w)).toBe('–');
    expect(statText(null, w)).toBe('–');
    expect(statText(3.4, w)).toBe('3 W');
  });
});

describe('arrowMove', () => {
  it('steps and wraps with the arrows, jumps with Home and End', () => {
    expect(arrowMove('ArrowRight', 0, 3)).toBe(1);
    expect(arrowMove('ArrowRight', 2, 3)).toBe(0);
    expect(arrowMove('ArrowLeft', 0, 3)).toBe(2);
    expect(arrowMove('ArrowDown', 1, 3)).toBe(2);
    expect(arrowMove('ArrowUp', 1, 3)).toBe(0);
    expect(arrowMove('Home', 2, 3)).toBe(0);
    expect(arrowMove('End', 0, 3)).toBe(2);
  });
  it('ignores other keys, up and down in a row of tabs, and empty groups', () => {
    expect(arrowMove('Enter', 0, 3)).toBeNull();
    expect(arrowMove('ArrowDown', 0, 4, 'horizontal')).toBeNull();
    expect(arrowMove('ArrowRight', 3, 4, 'horizontal')).toBe(0);
    expect(arrowMove('ArrowRight', 0, 0)).toBeNull();
  });
});

describe('limitLines', () => {
  it('draws one line where every GPU has the same limit, else one per GPU, and none unknown', () => {
    expect(limitLines([{ gpu: 0, value: 700 }], 'limit')).toEqual([{ label: 'GPU 0 limit', value: 700 }]);
    expect(limitLines([{ gpu: 0, value: 700 }, { gpu: 1, value: 700 }], 'limit')).toEqual([{ label: 'Each GPU’s limit', value: 700 }]);
    expect(limitLines([{ gpu: 0, value: 700 }, { gpu: 1, value: 600 }, { gpu: 2, value: null }], 'limit')).toEqual([
      { label: 'GPU 0 limit', value: 700 },
      { label: 'GPU 1 limit', value: 600 },
    ]);
  });
});
