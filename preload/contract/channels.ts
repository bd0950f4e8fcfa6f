// Every request channel (zod schemas for its arguments and result) and every event channel:
// nothing else defines a channel. main implements `Handlers`; the renderer calls through them.
import { z } from 'zod';
import { BlockDetailSchema } from './blocks.ts';
import { EpochMs, ListLimit, Name, NetworkDeviceId, NoArgs, Text, TimeZone } from './common.ts';
import { JobsHistorySchema, NoticeHistorySchema, PayoutScheduleSchema, PayoutSchema, RewardsPageSchema, RewardsSummarySchema } from './earnings.ts';
import { InventorySchema, TelemetryFrameSchema } from './hardware.ts';
import { ExportKindSchema, ExportResultSchema, HistorySeriesSchema, TelemetryMetricSchema, UptimeBarSchema, UptimeStreakSchema } from './history.ts';
import { NetworkDevicesSchema, NetworkStatusSchema } from './network.ts';
import { PairingCodeInput, PairingCodeSchema, PairingStatusSchema } from './pairing.ts';
import { SettingsPatchSchema, SettingsSchema, WalletSchema } from './settings.ts';
import { NoticeSchema, StatusSchema } from './status.ts';
import { UpdateStatusSchema } from './updates.ts';
import { AlertChannelSchema, AlertStatusSchema, AlertTestResultSchema, ScheduleCheckSchema, ScheduleSchema } from './alerts.ts';

export const requests = {
  /** This machine's hardware; `refresh` probes again instead of answering from the last inventory. */
  'system.inventory': {
    args: z.object({ refresh: z.boolean().optional() }).strict(),
    result: InventorySchema,
  },
  'system.status': { args: NoArgs, result: StatusSchema },
  /**
   * The last `seconds` of 1 Hz telemetry frames kept in memory (at most 15 minutes). Only the newest
   * carries each GPU's health, processes and MIG instances; the frames before it are for charts.
   */
  'telemetry.recent': {
    args: z.object({ seconds: z.number().int().min(1).max(900) }).strict(),
    result: z.array(TelemetryFrameSchema),
  },
  'settings.get': { args: NoArgs, result: SettingsSchema },
  'settings.update': { args: SettingsPatchSchema, result: SettingsSchema },
  /** A free-text label the user gives this machine, kept in settings and shown everywhere. */
  'device.rename': { args: z.object({ name: Name }).strict(), result: StatusSchema },
  /** Echo for connectivity checks and for the transport tests: returns what it was sent. */
  'system.ping': { args: z.object({ nonce: Text }).strict(), result: z.object({ nonce: Text, t: z.number() }) },
  /** Checks a Solana address as the user types: base58, 32 bytes, on the ed25519 curve. */
  'wallet.check': {
    args: z.object({ address: z.string().max(64) }).strict(),
    result: z.discriminatedUnion('ok', [
      z.object({ ok: z.literal(true), address: z.string() }),
      z.object({ ok: z.literal(false), reason: z.string() }),
    ]),
  },
  /** Sets the payout address; `confirm` must be true (the page asks the user to confirm first). */
  'wallet.set': { args: z.object({ address: z.string().max(64), confirm: z.literal(true) }).strict(), result: WalletSchema },
  /** One chart series from the ledger; 'auto' picks raw (the last 15 min), 1m (<= 2 days of the last 7) or 1h. */
  'history.telemetry': {
    args: z
      .object({
        device: z.string().regex(/^(host|gpu\d{1,3})$/),
        metric: TelemetryMetricSchema,
        range: z.object({ from: EpochMs, to: EpochMs }).strict().refine((r) => r.to > r.from, 'range.to must be after range.from'),
        resolution: z.enum(['raw', '1m', '1h', 'auto']).default('auto'),
        /** At most this many points (about the chart's width in pixels): neighbours merge, keeping min and max. */
        maxPoints: z.number().int().min(10).max(100_000).optional(),
      })
      .strict(),
    result: HistorySeriesSchema,
  },
  /** The uptime bar: per local day (default 30 days) or per UTC hour; device defaults to this machine. */
  'uptime.bar': {
    args: z
      .object({
        device: NetworkDeviceId.optional(),
        days: z.number().int().min(1).max(400).default(30),
        resolution: z.enum(['day', 'hour']).default('day'),
        timeZone: TimeZone.optional(),
      })
      .strict()
      .refine((a) => a.resolution === 'day' || a.days <= 31, 'hourly bars cover at most 31 days'),
    result: UptimeBarSchema,
  },
  'uptime.streak': { args: z.object({ device: NetworkDeviceId.optional() }).strict(), result: UptimeStreakSchema },
  /** This worker's own bytes with the network per local day (the ledger keeps 400), oldest first. */
  'traffic.days': {
    args: z.object({ days: z.number().int().min(1).max(400).default(7), timeZone: TimeZone.optional() }).strict(),
    result: z.array(z.object({ day: z.string(), sentBytes: z.number().nonnegative(), receivedBytes: z.number().nonnegative() })),
  },
  /** CSV of telemetry rollups, uptime per day or block rewards; from/to default to everything. */
  'export': {
    args: z
      .object({
        what: ExportKindSchema,
        from: EpochMs.optional(),
        to: EpochMs.optional(),
        device: z.string().min(1).max(128).optional(),
        resolution: z.enum(['1m', '1h']).optional(),
        timeZone: TimeZone.optional(),
      })
      .strict(),
    result: ExportResultSchema,
  },
  /** The updater (Version Control service): what it is doing and what it found. */
  'updates.status': { args: NoArgs, result: UpdateStatusSchema },
  /** Checks the update feed now; answers once the feed has answered (a download goes on after). */
  'updates.check': { args: NoArgs, result: UpdateStatusSchema },
  /** The network session and this device's eligibility checklist, as the coordinator last judged it. */
  'worker.eligibility': { args: NoArgs, result: NetworkStatusSchema },
  /** Pause (with the reason shown to the network) or resume earning; heartbeats go on either way. */
  'worker.pause': {
    args: z.object({ paused: z.boolean(), reason: z.string().trim().min(1).max(200).optional() }).strict(),
    result: NetworkStatusSchema,
  },
  /** Trusts the network and coordinator key now waiting for the owner (Settings), named exactly. */
  'network.trust': {
    args: z.object({ networkId: z.string().regex(/^net-[0-9a-f]{16}$/), fingerprint: z.string().regex(/^[0-9a-f]{4}(:[0-9a-f]{4}){7}$/) }).strict(),
    result: NetworkStatusSchema,
  },
  /** Renames or removes a device of this account at the network (the Home page's Rename and Delete). */
  'network.device': {
    args: z.discriminatedUnion('action', [
      z.object({ action: z.literal('rename'), deviceId: z.string().min(1).max(64), name: Name }).strict(),
      z.object({ action: z.literal('delete'), deviceId: z.string().min(1).max(64) }).strict(),
      // A payout wallet change waiting on the network: confirmed from another machine of the account, or cancelled.
      z.object({ action: z.enum(['confirm-wallet', 'cancel-wallet']), deviceId: z.string().min(1).max(64), wallet: z.string().min(1).max(128) }).strict(),
    ]),
    result: z.object({ ok: z.literal(true) }),
  },
  /** The network's public Workers list (GET /v1/devices of the coordinator) with its totals. */
  'network.devices': { args: NoArgs, result: NetworkDevicesSchema },
  /** A new one-time pairing code (10 minutes, single use) for another machine to join this account. */
  'pairing.code': { args: NoArgs, result: PairingCodeSchema },
  /** The codes made here and what became of them, and this machine's own joining. */
  'pairing.status': { args: NoArgs, result: PairingStatusSchema },
  /** Joins this machine to the account of the owner who made `code` (the wizard's "Join an account"). */
  'pairing.join': { args: z.object({ code: PairingCodeInput }).strict(), result: PairingStatusSchema },
  /** Earnings totals, and per local day (default 30) what was earned, blocks passed and failed, what failing missed. */
  'rewards.summary': {
    args: z.object({ days: z.number().int().min(1).max(400).default(30), timeZone: TimeZone.optional() }).strict(),
    result: RewardsSummarySchema,
  },
  /** The Block Rewards history, newest first; page 1 is the newest. */
  'rewards.page': {
    args: z
      .object({ page: z.number().int().min(1).max(1_000_000).default(1), pageSize: z.number().int().min(1).max(200).default(50), device: NetworkDeviceId.optional() })
      .strict(),
    result: RewardsPageSchema,
  },
  /** Payouts, newest first. */
  'payouts.list': { args: z.object({ limit: ListLimit }).strict(), result: z.array(PayoutSchema) },
  /** The network's payout schedule as last heard (null: not heard yet, or the network pays no block rewards). */
  'payouts.schedule': { args: NoArgs, result: PayoutScheduleSchema.nullable() },
  /** Hires of this machine and the jobs run under them (or on their own), newest first. */
  'jobs.list': { args: z.object({ limit: ListLimit }).strict(), result: JobsHistorySchema },
  /** The notifications history, newest first. */
  'notices.list': { args: z.object({ limit: ListLimit }).strict(), result: NoticeHistorySchema },
  /** Sends a test alert through one channel now and says what happened (it is kept in the notifications too). */
  'alerts.test': { args: z.object({ channel: AlertChannelSchema }).strict(), result: AlertTestResultSchema },
  /** Keeps a channel's secret (webhook secret, ntfy token, bot token, SMTP password) in the secret store; null removes it. */
  'alerts.secret': {
    args: z.object({ channel: AlertChannelSchema, secret: z.string().trim().min(1).max(512).nullable() }).strict(),
    result: AlertStatusSchema,
  },
  'alerts.status': { args: NoArgs, result: AlertStatusSchema },
  /** Checks a schedule before it is saved: does it leave a run long enough for the uptime streak? */
  'schedule.check': { args: z.object({ schedule: ScheduleSchema }).strict(), result: ScheduleCheckSchema },
  /** One block explained: the network's verdict beside this worker's own record of it, and the cause of a failure. */
  'block.detail': { args: z.object({ device: NetworkDeviceId, blockStart: EpochMs }).strict(), result: BlockDetailSchema },
} as const satisfies Record<string, { args: z.ZodType; result: z.ZodType }>;

export const events = {
  /** One batched frame per sampler tick, all devices together. */
  telemetry: TelemetryFrameSchema,
  status: StatusSchema,
  notice: NoticeSchema,
} as const satisfies Record<string, z.ZodType>;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestArgs<C extends RequestChannel> = z.input<(typeof requests)[C]['args']>;
export type ParsedArgs<C extends RequestChannel> = z.output<(typeof requests)[C]['args']>;
export type RequestResult<C extends RequestChannel> = z.output<(typeof requests)[C]['result']>;
export type EventPayload<E extends EventChannel> = z.output<(typeof events)[E]>;

export const requestChannels = Object.keys(requests) as RequestChannel[];
export const eventChannels = Object.keys(events) as EventChannel[];


/**
 * What main must implement: one async handler per request channel. A missing or misspelled
 * handler is a compile error where the object is declared `satisfies Handlers`.
 */
export type Handlers = { [C in RequestChannel]: (args: ParsedArgs<C>) => Promise<RequestResult<C>> };
