// The preload: exposes `window.ioWorker` with exactly two functions, invoke and subscribe, over the
// contract's channels. Never ipcRenderer itself; unknown channels are refused here before any IPC.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  isEventChannel,
  isRequestChannel,
  type ContractError,
  type EventChannel,
  type EventPayload,
  type IoWorkerBridge,
  type Reply,
} from './contract.ts';

/** IPC channel names on the wire; main/shell/ipc.ts uses the same prefixes. */
export const REQUEST_PREFIX = 'io-worker:request:';
export const EVENT_PREFIX = 'io-worker:event:';

const refused = (code: ContractError['code'], message: string): Reply => ({ ok: false, error: { code, message } });

export function createBridge(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>): IoWorkerBridge {
  return {
    async invoke(channel, args) {
      if (!isRequestChannel(channel)) return refused('unknown-channel', `Unknown channel ${String(channel)}.`) as never;
      try {
        return (await ipc.invoke(REQUEST_PREFIX + channel, args)) as never;
      } catch {
        // Structured clone refused the arguments (functions, DOM nodes): answer like main would.
        return refused('bad-request', `Arguments of ${channel} cannot be sent.`) as never;
      }
    },
    subscribe<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void) {
      if (!isEventChannel(event)) throw new Error(`Unknown event ${String(event)}.`);
      // Hand the page only the payload: never the IpcRendererEvent, which reaches ipcRenderer.
      const wrapped = (_event: IpcRendererEvent, payload: EventPayload<E>) => listener(payload);
      ipc.on(EVENT_PREFIX + event, wrapped);
      return () => void ipc.removeListener(EVENT_PREFIX + event, wrapped);
    },
  };
}

if (process.contextIsolated) contextBridge.exposeInMainWorld('ioWorker', createBridge(ipcRenderer));
