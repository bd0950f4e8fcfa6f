// Alerts that reach the owner away from the machine, and the autopilot's pauses (idle, schedule,
// gaming): their settings groups and the requests of the Settings page. Secrets (tokens, passwords)
// are never in these schemas: they go to the secret store through `alerts.secret`.
import { z } from 'zod';
import { TimeZone } from './common.ts';
import { ALERT_CAUSES, ALERT_CHANNELS } from './words.ts';

export const AlertChannelSchema = z.enum(ALERT_CHANNELS);
export type AlertChannelKind = z.infer<typeof AlertChannelSchema>;

export const AlertCauseSchema = z.enum(ALERT_CAUSES);
export type AlertCause = z.infer<typeof AlertCauseSchema>;

const HttpUrl = z.url({ protocol: /^https?$/ }).max(200);

export const AlertSettingsSchema = z.object({
  /** A JSON POST signed with HMAC-SHA256 (the secret is in the secret store). */
  webhook: z.object({ enabled: z.boolean(), url: HttpUrl.nullable() }).strict(),
  /** ntfy: the base URL (self-hosted servers too) and the topic. */
  ntfy: z.object({ enabled: z.boolean(), baseUrl: HttpUrl, topic: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'A topic is letters, digits, - and _.').nullable() }).strict(),
  /** Telegram: the bot token is in the secret store; the base URL is a setting for tests and proxies. */
  telegram: z.object({ enabled: z.boolean(), baseUrl: HttpUrl, chatId: z.string().regex(/^-?\d{1,20}$|^@[A-Za-z0-9_]{5,32}$/, 'A chat id is a number or @channel.').nullable() }).strict(),
  /** E-mail over SMTP (nodemailer); the password is in the secret store. */
  email: z
    .object({
      enabled: z.boolean(),
      host: z.string().max(200).nullable(),
      port: z.number().int().min(1).max(65_535),
      /** TLS from the first byte (port 465); otherwise STARTTLS where the server offers it. */
      secure: z.boolean(),
      user: z.string().max(200).nullable(),
      from: z.email().max(200).nullable(),
      to: z.email().max(200).nullable(),
    })
    .strict(),
  /** Which causes send an alert; a cause not named here sends (its default). */
  rules: z.partialRecord(AlertCauseSchema, z.boolean()),
  /** One message per cause per this many minutes (a "resolved" message is always sent). */
  repeatMinutes: z.number().int().min(1).max(24 * 60),
  /** The network sends "offline" when heartbeats stop for this long (never sooner than two missed heartbeats). */
  offlineAfterSeconds: z.number().int().min(10).max(86_400),
});
export type AlertSettings = z.infer<typeof AlertSettingsSchema>;

/** "HH:MM", 00:00 to 24:00. */
export const ClockTimeSchema = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'A time is HH:MM, 00:00 to 24:00.');
/** A window in which the worker may earn; `to` before `from` runs past midnight into the next day. */
export const ScheduleWindowSchema = z
  .object({
    /** 0 Sunday … 6 Saturday: the days the window starts on. */
    days: z.array(z.number().int().min(0).max(6)).min(1).max(7),
    from: ClockTimeSchema,
    to: ClockTimeSchema,
    /** "off-peak tariff", "nights": shown with the pause. */
    label: z.string().max(64).optional(),
  })
  .strict()
  .refine((w) => w.from !== w.to, 'A window needs different start and end times.');
export type ScheduleWindow = z.infer<typeof ScheduleWindowSchema>;

/** Whether this runtime knows an IANA zone name (Intl throws a RangeError for one it does not). */
function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const ScheduleSchema = z.object({
  enabled: z.boolean(),
  /** An IANA zone; null: this machine's own zone. */
  timeZone: TimeZone.nullable().refine((zone) => zone === null || knownZone(zone), 'Unknown time zone: use a name such as Europe/Berlin or America/New_York.'),
  windows: z.array(ScheduleWindowSchema).max(28),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

export const AutopilotSettingsSchema = z.object({
  /** Earn only while nobody uses the machine (desktop): idle for this many minutes, or locked. */
  idle: z.object({ enabled: z.boolean(), afterMinutes: z.number().int().min(1).max(240) }).strict(),
  schedule: ScheduleSchema,
  /** Step aside while another process uses a GPU; resume this long after it ends. */
  gaming: z.object({ enabled: z.boolean(), graceSeconds: z.number().int().min(0).max(3600) }).strict(),
});
export type AutopilotSettings = z.infer<typeof AutopilotSettingsSchema>;

export const AlertTestResultSchema = z.object({
  channel: AlertChannelSchema,
  ok: z.boolean(),
  /** What happened, in words: "delivered (HTTP 200)" or why not. */
  detail: z.string(),
  ms: z.number().nonnegative(),
});
export type AlertTestResult = z.infer<typeof AlertTestResultSchema>;

export const AlertStatusSchema = z.object({
  /** Which channels have their secret in the secret store (never the secret itself). */
  secrets: z.record(AlertChannelSchema, z.boolean()),
  /** Whether the network has this device's channels for the "offline" alert. */
  registeredWithNetwork: z.boolean(),
  /** This machine's own use near the network's idle-use limit now (not hired), or null; absent from older workers. */
  idleUse: z
    .object({ what: z.enum(['gpu', 'cpu']), usePct: z.number(), limitPct: z.number(), forSeconds: z.number().nonnegative(), sustainSeconds: z.number().nonnegative() })
    .nullable()
    .optional(),
});
export type AlertStatus = z.infer<typeof AlertStatusSchema>;

export const ScheduleCheckSchema = z.object({
  /** False when the schedule leaves no unbroken run long enough for the network's uptime streak. */
  keepsStreak: z.boolean(),
  /** The longest earning run in a week, in hours. */
  longestRunHours: z.number().nonnegative(),
  /** Earning hours per week. */
  weeklyHours: z.number().nonnegative(),
  detail: z.string(),
});
export type ScheduleCheck = z.infer<typeof ScheduleCheckSchema>;
