// Typed failures: the error codes every transport answers with, and the reply shape.
import { z } from 'zod';
import type { RequestChannel, RequestResult } from './channels.ts';

export const ErrorCodeSchema = z.enum([
  'bad-request', // the payload does not match the channel's schema
  'unknown-channel',
  'forbidden', // the sender is not our own window / the token is wrong
  'not-found',
  'unavailable', // the subsystem behind the channel is down (probe, network)
  'internal', // a bug on our side; details stay in the main-process log
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ContractErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ContractError = z.infer<typeof ContractErrorSchema>;

export type Reply<C extends RequestChannel = RequestChannel> =
  | { ok: true; result: RequestResult<C> }
  | { ok: false; error: ContractError };

/** Thrown by handlers for expected failures; the transports turn it into a typed error reply. */
export class ContractFailure extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ContractFailure';
    this.code = code;
  }
}
