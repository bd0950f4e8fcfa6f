// The renderer's one api client, typed by the contract. It does not know which transport carries
// it: Electron IPC (window.ioWorker from the preload) or the headless WebSocket.
import type {
  ContractError,
  EventChannel,
  EventPayload,
  IoWorkerBridge,
  RequestArgs,
  RequestChannel,
  RequestResult,
} from '../../preload/contract/index.ts';

export class ApiError extends Error {
  readonly code: ContractError['code'];
  readonly issues: ContractError['issues'];
  constructor(error: ContractError) {
    super(error.message);
    this.name = 'ApiError';
    this.code = error.code;
    this.issues = error.issues;
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed' | 'no-token' | 'unauthorized';

/** A transport is the bridge plus a connection state (IPC is always open). */
export interface Transport extends IoWorkerBridge {
  readonly kind: 'ipc' | 'websocket';
  state(): ConnectionState;
  onStateChange(listener: (state: ConnectionState) => void): () => void;
}

export interface Api {
  readonly transport: Transport;
  request<C extends RequestChannel>(channel: C, args: RequestArgs<C>): Promise<RequestResult<C>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function createApi(transport: Transport): Api {
  return {
    transport,
    async request(channel, args) {
      const reply = await transport.invoke(channel, args);
      if (!reply.ok) throw new ApiError(reply.error);
      return reply.result;
    },
    on: (event, listener) => transport.subscribe(event, listener),
  };
}
