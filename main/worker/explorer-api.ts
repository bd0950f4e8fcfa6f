// The coordinator's public explorer API (GET /v1/devices, /v1/blocks, /v1/hires, …): what each
// answer holds, in camelCase. The coordinator builds these shapes; the CLI, the dashboard and the
// tests read them through these schemas. Beside the wire protocol, which it builds on.
import { z } from 'zod';
import { NetworkDeviceSchema, NetworkTotalsSchema } from '../../preload/contract/network.ts';
import { HireOrderSchema, InventorySummarySchema, ServiceStateSchema, SpeedSchema, WirePauseSchema } from './protocol.ts';

/** GET /v1/totals; also beside the lists of devices and blocks. */
export const TotalsSchema = NetworkTotalsSchema;
export type Totals = z.infer<typeof TotalsSchema>;

/** A device as the Workers list shows it (the contract's shape), and when it registered. */
export const DeviceViewSchema = NetworkDeviceSchema.extend({ registeredAt: z.number() });
export type DeviceView = z.infer<typeof DeviceViewSchema>;

/** One device's part in one block: its proofs, score and reward. */
export const BlockDeviceSchema = z.object({
  blockId: z.number().int(),
  deviceId: z.string(),
  potlIssued: z.number().int(),
  potlAnswered: z.number().int(),
  pow: z.enum(['passed', 'failed', 'skipped-hired', 'not-issued', 'pending']),
  powMs: z.number().nullable(),
  powOpsPerSec: z.number().nullable(),
  /** 1 when the device was hired during the block (no POW asked), else 0. */
  wasHired: z.number().int(),
  base: z.number(),
  normalized: z.number(),
  reward: z.number(),
  status: z.enum(['In Progress', 'Completed', 'Failed']),
  reason: z.string().nullable(),
});
export type BlockDevice = z.infer<typeof BlockDeviceSchema>;

export const BlockSchema = z.object({
  id: z.number().int(),
  startedAt: z.number(),
  endsAt: z.number(),
  status: z.enum(['In Progress', 'Processing', 'Completed']),
  emission: z.number(),
  nominated: z.number().int(),
  passed: z.number().int(),
  distributed: z.number(),
  closedAt: z.number().nullable(),
});
export type Block = z.infer<typeof BlockSchema>;

export const HireSchema = z.object({
  id: z.string(),
  deviceId: z.string(),
  hours: z.number(),
  workload: HireOrderSchema.shape.workload,
  createdAt: z.number(),
  endsAt: z.number(),
  status: z.enum(['running', 'completed', 'failed', 'cancelled']),
  minutesServed: z.number(),
  paidHours: z.number(),
  paidAmount: z.number(),
  detail: z.string(),
});
export type Hire = z.infer<typeof HireSchema>;
/** A hire as the public sees it: not what runs nor what the worker reported. */
export const PublicHireSchema = HireSchema.omit({ workload: true, detail: true });

export const EligibilitySchema = z.object({
  eligible: z.boolean(),
  checks: z.array(z.object({ id: z.string(), ok: z.boolean(), detail: z.string(), remainingSeconds: z.number().nonnegative().optional() })),
});

export const HeartbeatRowSchema = z.object({
  sampledAt: z.number(),
  seq: z.number().int(),
  receivedAt: z.number(),
  /** 1 when the beat waited in the worker's offline buffer, else 0. */
  buffered: z.number().int(),
});

// ---------------------------------------------------------------- the answers, by endpoint
/** GET /v1/devices */
export const DevicesResponseSchema = z.object({ devices: z.array(DeviceViewSchema), totals: TotalsSchema });
export type DevicesResponse = z.infer<typeof DevicesResponseSchema>;

/** GET /v1/devices/:id */
/** GET /v1/devices/:id for anyone but the owner (or the operator): the public view, its blocks, what it earned. */
export const PublicDeviceDetailSchema = DeviceViewSchema.extend({ blocks: z.array(BlockDeviceSchema), earned: z.number() });
export type PublicDeviceDetail = z.infer<typeof PublicDeviceDetailSchema>;

export const DeviceDetailSchema = DeviceViewSchema.extend({
  wallet: z.string().nullable(),
  inventory: InventorySummarySchema,
  speed: SpeedSchema.nullable(),
  services: z.array(ServiceStateSchema),
  heartbeats: z.number().int(),
  traffic: z.object({ rxBytes: z.number(), txBytes: z.number() }),
  /** Who holds the device's pause, and its detail. */
  paused: WirePauseSchema.nullable(),
  eligibility: EligibilitySchema,
  /** The last 24 blocks it was nominated for, newest first. */
  blocks: z.array(BlockDeviceSchema),
  /** Its last 20 hires, newest first. */
  hires: z.array(HireSchema),
  earned: z.number(),
});
export type DeviceDetail = z.infer<typeof DeviceDetailSchema>;

/** GET /v1/devices/:id/heartbeats */
export const HeartbeatsResponseSchema = z.object({ heartbeats: z.array(HeartbeatRowSchema) });
export type HeartbeatsResponse = z.infer<typeof HeartbeatsResponseSchema>;

/** GET /v1/accounts/:id */
export const AccountResponseSchema = z.object({ account: z.string(), devices: z.array(DeviceViewSchema) });
export type AccountResponse = z.infer<typeof AccountResponseSchema>;

/** GET /v1/blocks?limit=n, newest first */
export const BlocksResponseSchema = z.object({ blocks: z.array(BlockSchema), totals: TotalsSchema });
export type BlocksResponse = z.infer<typeof BlocksResponseSchema>;

/** GET /v1/blocks/:id */
export const BlockDetailSchema = BlockSchema.extend({ devices: z.array(BlockDeviceSchema) });
export type BlockDetail = z.infer<typeof BlockDetailSchema>;

/** GET /v1/hires, newest first; POST /v1/hires answers one HireSchema. */
/** GET /v1/hires as the operator reads it; anyone else gets PublicHiresResponseSchema. */
export const HiresResponseSchema = z.object({ hires: z.array(HireSchema) });
export const PublicHiresResponseSchema = z.object({ hires: z.array(PublicHireSchema) });
export type PublicHiresResponse = z.infer<typeof PublicHiresResponseSchema>;
export type HiresResponse = z.infer<typeof HiresResponseSchema>;

/** GET /v1/info */
/** GET /v1/info: who this network is (workers pin its key per network id) and its timing. */
export const InfoResponseSchema = z.object({
  protocol: z.number().int(),
  networkId: z.string().regex(/^net-[0-9a-f]{16}$/),
  coordinatorKey: z.string().max(1000),
  fingerprint: z.string().max(64),
  blockSeconds: z.number(),
  heartbeatSeconds: z.number(),
  serverTime: z.number(),
});
export type InfoResponse = z.infer<typeof InfoResponseSchema>;

/** Every refusal, with its HTTP status: 400, 401, 403, 404, 405, 409, 413 or 500. */
export const ErrorResponseSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
