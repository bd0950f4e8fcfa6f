// One way to listen and to clean up (after VS Code's Emitter and DisposableStore): `on` returns
// the function that stops listening, and a DisposableStore ends many of them in one call.

/** Stops what it was returned for: a listener, a timer, a watcher. Calling it twice is harmless. */
export type Disposable = () => void;

export class Emitter<T> {
  readonly #listeners = new Set<(value: T) => void>();
  readonly #onError: (error: unknown) => void;

  /** `onError` hears a listener's exception; the other listeners are still called. */
  constructor(onError: (error: unknown) => void = (error) => console.error('[io-worker] listener failed', error)) {
    this.#onError = onError;
  }

  on(listener: (value: T) => void): Disposable {
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const wrapped = (value: T) => listener(value);
    this.#listeners.add(wrapped);
    return () => void this.#listeners.delete(wrapped);
  }

  emit(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }

  clear(): void {
    this.#listeners.clear();
  }
}

/** Collects disposables and disposes them all at once, newest first; later additions are disposed at once. */
export class DisposableStore {
  #items: Disposable[] = [];
  #disposed = false;

  add<D extends Disposable>(item: D): D {
    if (this.#disposed) item();
    else this.#items.push(item);
    return item;
  }

  dispose(): void {
    this.#disposed = true;
    const items = this.#items.reverse();
    this.#items = [];
    for (const item of items) {
      try {
        item();
      } catch (error) {
        console.error('[io-worker] cleanup failed', error);
      }
    }
  }
}
