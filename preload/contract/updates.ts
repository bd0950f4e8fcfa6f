// The updater (the Version Control service) as the pages see it.
import { z } from 'zod';
import { EpochMs } from './common.ts';
import { UpdateChannelSchema } from './settings.ts';

export const UpdateStatusSchema = z.object({
  runtime: z.enum(['electron', 'headless']),
  channel: UpdateChannelSchema,
  currentVersion: z.string(),
  /** 'unsupported': this runtime does not update itself (headless, or a development build). */
  state: z.enum(['idle', 'checking', 'downloading', 'ready', 'error', 'unsupported']),
  availableVersion: z.string().nullable(),
  lastCheckAt: EpochMs.nullable(),
  /** When the downloaded update installs (a restart right after a block closes). */
  restartPlannedAt: EpochMs.nullable(),
  /** One sentence a person can act on. */
  detail: z.string(),
});
export type UpdateStatus = z.infer<typeof UpdateStatusSchema>;
