// Waiting for a state to come true: a promise per waiter, checked on every change, bounded in time.
// The network session uses it (tests and the CLI wait for "online", "eligible", ...).

export class StateWaiters<S> {
  readonly #waiters = new Set<() => boolean>();
  readonly current: () => S;

  constructor(current: () => S) {
    this.current = current;
  }

  /** Resolves with the state once `predicate` holds; rejects after `timeoutMs`, saying what the state was. */
  waitFor(predicate: (state: S) => boolean, timeoutMs: number): Promise<S> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.current())) return false;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.current());
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms; state: ${JSON.stringify(this.current())}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }

  /** The state changed: every waiter looks again. */
  changed(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
