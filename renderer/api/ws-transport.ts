// Headless: one WebSocket to `io-worker serve`, carrying request ids, replies and pushed events.
// Reconnects with backoff; requests made while disconnected fail fast with 'unavailable'.
import type { EventChannel, Reply, WireMessage } from '../../preload/contract/index.ts';
import type { ConnectionState, Transport } from './client';

type Listener = (payload: unknown) => void;

export function wsTransport(url: string, WebSocketImpl: typeof WebSocket = WebSocket): Transport {
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let everOpened = false;
  let nextId = 1;
  let retryMs = 500;
  const pending = new Map<number, (reply: Reply) => void>();
  const listeners = new Map<EventChannel, Set<Listener>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const connect = () => {
    socket = new WebSocketImpl(url);
    socket.onopen = () => {
      performance.mark('io-worker:connected');
      everOpened = true;
      retryMs = 500;
      setState('open');
    };
    socket.onmessage = (message) => {
      let data: WireMessage;
      try {
        data = JSON.parse(String(message.data)) as WireMessage;
      } catch {
        return;
      }
      if (data.kind === 'reply') {
        pending.get(data.id)?.(data.reply);
        pending.delete(data.id);
      } else if (data.kind === 'event') {
        for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
      }
    };
    socket.onclose = () => {
      for (const resolve of pending.values()) {
        resolve({ ok: false, error: { code: 'unavailable', message: 'The connection to the worker closed.' } });
      }
      pending.clear();
      // A socket that never opened was refused at the handshake: the token is wrong or stale.
      if (!everOpened) return setState('unauthorized');
      setState('closed');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  connect();

  return {
    kind: 'websocket',
    invoke(channel, args) {
      if (!socket || socket.readyState !== WebSocketImpl.OPEN) {
        // Wait for the first open rather than failing the page's first requests.
        if (state === 'connecting') {
          return new Promise((resolve) => {
            const off = this.onStateChange(() => {
              off();
              resolve(this.invoke(channel, args));
            });
          });
        }
        return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'Not connected to the worker.' } } as Reply<typeof channel>);
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as (reply: Reply) => void);
        socket!.send(JSON.stringify({ id, channel, args }));
      });
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as Listener);
      return () => void set.delete(listener as Listener);
    },
    state: () => state,
    onStateChange(listener) {
      stateListeners.add(listener);
      return () => void stateListeners.delete(listener);
    },
  };
}

/** Takes the access token from the address (then hides it) or from this tab's session. */
export function takeToken(location: Location, history: History, storage: Storage): string | null {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem('io-worker-token', fromUrl);
    params.delete('token');
    const query = params.toString();
    history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
    return fromUrl;
  }
  return storage.getItem('io-worker-token');
}
