import { describe, expect, it } from 'vitest';
import { KeyedBuckets, TokenBucket } from './rate-limit.ts';

describe('rate limits', () => {
  it('allow a burst, then the refill rate', () => {
    const bucket = new TokenBucket(3, 2, 0);
    expect([bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0)]).toEqual([true, true, true, false]);
    expect(bucket.take(1, 400)).toBe(false); // 0.8 token
    expect(bucket.take(1, 500)).toBe(true); // 1 token after half a second at 2/s
    expect(bucket.take(1, 60_000)).toBe(true);
    expect(bucket.take(3, 60_000)).toBe(false); // never more than the burst
  });

  it('keep a bounded number of keys', () => {
    const buckets = new KeyedBuckets(() => new TokenBucket(1, 0), 2);
    expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
    expect(buckets.take('b')).toBe(true);
    expect(buckets.take('c')).toBe(true); // 'a' is forgotten to make room
    expect(buckets.take('a')).toBe(true);
  });
});
