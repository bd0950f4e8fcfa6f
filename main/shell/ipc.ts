// The contract over Electron IPC: one ipcMain.handle per request channel, answered only for the
// main frame of our own window on app://io-worker, through the core's dispatcher (which validates
// every payload and types every error). Events go out with webContents.send.
import {
  IPC_EVENT_PREFIX,
  IPC_REQUEST_PREFIX,
  eventChannels,
  requestChannels,
  type Reply,
} from '../../preload/contract/index.ts';
import { fail, type Dispatch } from '../dispatch.ts';
import type { EventBus } from '../events.ts';
import { isAppUrl } from './security.ts';

export interface SenderFrame {
  url: string;
  parent: SenderFrame | null;
}
export interface InvokeEvent {
  sender: { id: number };
  senderFrame: SenderFrame | null;
}
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => Promise<Reply>): void;
  removeHandler(channel: string): void;
}
export interface EventTarget {
  readonly id: number;
  isDestroyed(): boolean;
  send(channel: string, payload: unknown): void;
}

export interface BindIpcOptions {
  ipcMain: IpcMainLike;
  dispatch: Dispatch;
  events: EventBus;
  /** The web contents of our own windows: the only senders answered, the only receivers of events. */
  windows: () => EventTarget[];
  log?: (message: string) => void;
}

/** Why a sender is refused, or null when it is our own main frame on our own scheme. */
export function senderProblem(event: InvokeEvent, trustedIds: ReadonlySet<number>): string | null {
  if (!trustedIds.has(event.sender.id)) return 'not one of our windows';
  const frame = event.senderFrame;
  // A frame that navigated away or was destroyed mid-call has no senderFrame any more.
  if (!frame) return 'the frame is gone';
  if (frame.parent !== null) return 'a subframe';
  if (!isAppUrl(frame.url)) return `a page outside app://io-worker (${frame.url.slice(0, 100)})`;
  return null;
}

export function bindIpc(options: BindIpcOptions): () => void {
  const log = options.log ?? ((message: string) => console.warn(`[io-worker] ${message}`));
  for (const channel of requestChannels) {
    options.ipcMain.handle(IPC_REQUEST_PREFIX + channel, async (event, ...args) => {
      const trusted = new Set(options.windows().filter((w) => !w.isDestroyed()).map((w) => w.id));
      const problem = senderProblem(event, trusted);
      if (problem) {
        log(`refused ${channel} from ${problem}`);
        return fail('forbidden', `${channel} is only answered for the IO Worker window.`);
      }
      if (args.length > 1) return fail('bad-request', `${channel} takes one argument object.`);
      try {
        return await options.dispatch(channel, args[0]);
      } catch {
        return fail('internal', `${channel} failed inside the worker; the log has the details.`);
      }
    });
  }
  const unsubscribe = eventChannels.map((event) =>
    options.events.on(event, (payload) => {
      for (const target of options.windows()) {
        if (!target.isDestroyed()) target.send(IPC_EVENT_PREFIX + event, payload);
      }
    }),
  );
  return () => {
    for (const channel of requestChannels) options.ipcMain.removeHandler(IPC_REQUEST_PREFIX + channel);
    for (const off of unsubscribe) off();
  };
}
