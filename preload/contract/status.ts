// The worker's state and the notices it raises: what the tray, the banner and the pages show.
import { z } from 'zod';
import { OFFLINE_CAUSES, PAUSE_SOURCES, WORKER_STATES } from './words.ts';

export const WorkerStateSchema = z.enum(WORKER_STATES);
export type WorkerState = z.infer<typeof WorkerStateSchema>;

export const PauseSourceSchema = z.enum(PAUSE_SOURCES);
export type PauseSource = z.infer<typeof PauseSourceSchema>;
/** A pause as it travels: who holds it (typed) and the detail of that hold (a limit's reading, a note). */
export const PauseSchema = z.object({ source: PauseSourceSchema, detail: z.string().max(256) });
export type Pause = z.infer<typeof PauseSchema>;

export const OfflineCauseSchema = z.enum(OFFLINE_CAUSES);
export type OfflineCause = z.infer<typeof OfflineCauseSchema>;
/** Off the network: since when, why (typed), and when the next try is (null: none is planned). */
export const OfflineSchema = z.object({ since: z.number(), cause: OfflineCauseSchema, retryAt: z.number().nullable() });

export const StatusSchema = z.object({
  state: WorkerStateSchema,
  /** One sentence a person can act on: what the state means right now. */
  detail: z.string(),
  since: z.number().int(),
  /** While the state is 'offline': why and when the worker tries again (the banner's live countdown). */
  offline: OfflineSchema.nullable(),
  deviceId: z.string(),
  deviceName: z.string(),
  version: z.string(),
  secretsBackend: z.enum(['keytar', 'safe-storage', 'file', 'memory']),
  /** Which transport this UI is attached through; reported by the core for the About line. */
  runtime: z.enum(['electron', 'headless']),
});
export type Status = z.infer<typeof StatusSchema>;

export const NoticeSchema = z.object({
  id: z.string(),
  t: z.number().int(),
  level: z.enum(['info', 'warning', 'error']),
  title: z.string(),
  body: z.string(),
});
export type Notice = z.infer<typeof NoticeSchema>;
