// The core's event bus: typed by the contract's event channels, so a transport can forward every
// event without knowing what is in it.
import type { EventChannel, EventPayload } from '../preload/contract/index.ts';

type Listener<E extends EventChannel> = (payload: EventPayload<E>) => void;

export class EventBus {
  readonly #listeners = new Map<EventChannel, Set<Listener<EventChannel>>>();

  on<E extends EventChannel>(event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<EventChannel>);
    return () => set.delete(listener as Listener<EventChannel>);
  }

  emit<E extends EventChannel>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        // One broken subscriber (a closed socket, a destroyed window) must not starve the others.
        console.error(`[io-worker] ${event} listener failed`, error);
      }
    }
  }

  listenerCount(event: EventChannel): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}
