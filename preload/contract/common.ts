// Limits and small schemas the contract's areas share.
import { z } from 'zod';

/** Longest string any request argument may carry; longer is a bad request, not a truncation. */
export const MAX_STRING = 512;
/** Largest serialized request payload accepted by either transport. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export const Text = z.string().max(MAX_STRING);
export const Name = z.string().trim().min(1).max(64);
export const NullableNumber = z.number().finite().nullable();
export const EpochMs = z.number().int().nonnegative();
/** An IANA zone such as Europe/Berlin; the core checks it is one this runtime knows. */
export const TimeZone = z.string().min(1).max(64);
export const NetworkDeviceId = z.string().min(1).max(128);
export const Amount = z.number().nonnegative();
export const ListLimit = z.number().int().min(1).max(500).default(100);
export const NoArgs = z.object({}).strict();
