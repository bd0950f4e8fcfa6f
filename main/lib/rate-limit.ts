// Token buckets: what a client may do per second, with a burst. Keyed buckets (per source address,
// per account) are bounded in number, so a flood of new keys cannot grow memory without end.

export class TokenBucket {
  readonly #capacity: number;
  readonly #perSecond: number;
  #tokens: number;
  #at: number;

  constructor(capacity: number, perSecond: number, now = performance.now()) {
    this.#capacity = capacity;
    this.#perSecond = perSecond;
    this.#tokens = capacity;
    this.#at = now;
  }

  /** Takes `n` tokens if there are that many now; false (and nothing taken) otherwise. */
  take(n = 1, now = performance.now()): boolean {
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#at) / 1000) * this.#perSecond);
    this.#at = now;
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }
}

export class KeyedBuckets {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #make: () => TokenBucket;
  readonly #maxKeys: number;

  constructor(make: () => TokenBucket, maxKeys = 10_000) {
    this.#make = make;
    this.#maxKeys = maxKeys;
  }

  take(key: string, n = 1): boolean {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      // The oldest key goes first: its bucket has had the longest to refill anyway.
      if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
      this.#buckets.set(key, (bucket = this.#make()));
    }
    return bucket.take(n);
  }
}
