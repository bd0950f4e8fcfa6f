// The bridge the preload exposes, and the headless WebSocket's framing.
import { z } from 'zod';
import type { EventChannel, EventPayload, RequestArgs, RequestChannel } from './channels.ts';
import type { ContractError, Reply } from './errors.ts';

/** The bridge the preload exposes as `window.ioWorker`: two functions, nothing else. */
export interface IoWorkerBridge {
  invoke<C extends RequestChannel>(channel: C, args: RequestArgs<C>): Promise<Reply<C>>;
  subscribe<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

// ---------------------------------------------------------------- WebSocket framing (headless)
/** Client -> server: one request. Server -> client: its reply, or a pushed event. */
export const WireRequestSchema = z
  .object({ id: z.number().int().nonnegative(), channel: z.string().max(64), args: z.unknown() })
  .strict();
export type WireRequest = z.infer<typeof WireRequestSchema>;
export type WireMessage =
  | { kind: 'reply'; id: number; reply: Reply }
  | { kind: 'event'; event: EventChannel; payload: unknown }
  | { kind: 'error'; error: ContractError };
