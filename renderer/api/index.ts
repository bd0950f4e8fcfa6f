// Picks the transport once at start: the preload's bridge in the app, the WebSocket headless.
import type { IoWorkerBridge } from '../../preload/contract/index.ts';
import { createApi, type Api, type Transport } from './client';
import { ipcTransport } from './ipc-transport';
import { takeToken, wsTransport } from './ws-transport';

declare global {
  interface Window {
    ioWorker?: IoWorkerBridge;
  }
}

function noTokenTransport(): Transport {
  const refused = { ok: false as const, error: { code: 'forbidden' as const, message: 'No access token in this link.' } };
  return {
    kind: 'websocket',
    invoke: async () => refused,
    subscribe: () => () => {},
    state: () => 'no-token',
    onStateChange: () => () => {},
  };
}

function pickTransport(): Transport {
  if (window.ioWorker) return ipcTransport(window.ioWorker);
  const token = takeToken(window.location, window.history, window.sessionStorage);
  if (!token) return noTokenTransport();
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return wsTransport(`${scheme}://${window.location.host}/ws?token=${encodeURIComponent(token)}`);
}

export const api: Api = createApi(pickTransport());
export { ApiError } from './client';
