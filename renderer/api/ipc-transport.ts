// In the app: the preload's window.ioWorker. Always open; main validates every call.
import type { IoWorkerBridge } from '../../preload/contract/index.ts';
import type { Transport } from './client';

export function ipcTransport(bridge: IoWorkerBridge): Transport {
  return {
    kind: 'ipc',
    invoke: (channel, args) => bridge.invoke(channel, args),
    subscribe: (event, listener) => bridge.subscribe(event, listener),
    state: () => 'open',
    onStateChange: () => () => {},
  };
}
