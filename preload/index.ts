// The preload: exposes `window.ioWorker` with exactly two functions, invoke and subscribe, over the
// contract's channels. Never ipcRenderer itself; unknown channels are refused here before any IPC.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
// Only the zod-free channel names at run time; the rest are types, erased from the bundle.
import { IPC_EVENT_PREFIX, IPC_REQUEST_PREFIX, isEventChannel, isRequestChannel } from './contract/channel-names.ts';
import type { ContractError, EventChannel, EventPayload, IoWorkerBridge, Reply } from './contract/index.ts';

/** IPC channel names on the wire, kept here for callers of the preload; the contract owns them. */
export const REQUEST_PREFIX = IPC_REQUEST_PREFIX;
export const EVENT_PREFIX = IPC_EVENT_PREFIX;

const refused = (code: ContractError['code'], message: string): Reply => ({ ok: false, error: { code, message } });

export function createBridge(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>): IoWorkerBridge {
  // Frozen: page scripts cannot swap invoke or subscribe for their own functions.
  return Object.freeze({
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
      if (typeof listener !== 'function') throw new Error(`subscribe(${event}) needs a listener function.`);
      // Hand the page only the payload: never the IpcRendererEvent, which reaches ipcRenderer.
      const wrapped = (_event: IpcRendererEvent, payload: EventPayload<E>) => listener(payload);
      ipc.on(EVENT_PREFIX + event, wrapped);
      return () => void ipc.removeListener(EVENT_PREFIX + event, wrapped);
    },
  } satisfies IoWorkerBridge);
}

if (process.contextIsolated) contextBridge.exposeInMainWorld('ioWorker', createBridge(ipcRenderer));
