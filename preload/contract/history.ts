// History the ledger keeps: chart series, the uptime bar and streak, CSV exports.
import { z } from 'zod';
import { DOWNTIME_REASONS } from './words.ts';
import { EpochMs } from './common.ts';
import { PauseSourceSchema } from './status.ts';

/** Charted metrics; device 'host' has the cpu/memory/network ones, 'gpu<index>' the others. */
export const TelemetryMetricSchema = z.enum([
  'cpuUtilizationPct',
  'cpuTemperatureC',
  'cpuPowerW',
  'memoryUsedBytes',
  'networkRxBytesPerSec',
  'networkTxBytesPerSec',
  'temperatureC',
  'hotspotC',
  'memoryTemperatureC',
  'powerW',
  'utilizationPct',
  'memoryUtilizationPct',
  'vramUsedMiB',
  'graphicsClockMHz',
  'memoryClockMHz',
  'fanPct',
]);
export type TelemetryMetric = z.infer<typeof TelemetryMetricSchema>;

export const HistorySeriesSchema = z.object({
  device: z.string(),
  metric: TelemetryMetricSchema,
  resolution: z.enum(['raw', '1m', '1h']),
  /** The span of one point in ms (the resolution's step, or a multiple when maxPoints merged them). */
  bucketMs: z.number().int().positive(),
  /** Per point: t is the bucket start (UTC ms), n the samples in it; raw points have min = avg = max. */
  points: z.array(z.object({ t: EpochMs, n: z.number().int().positive(), min: z.number(), avg: z.number(), max: z.number() })),
});
export type HistorySeries = z.infer<typeof HistorySeriesSchema>;

export const DowntimeReasonSchema = z.enum(DOWNTIME_REASONS);
export const UptimeBarSchema = z.object({
  device: z.string(),
  timeZone: z.string(),
  resolution: z.enum(['day', 'hour']),
  buckets: z.array(
    z.object({
      /** Local date YYYY-MM-DD for days (user's time zone); UTC hour for hours (the network's blocks). */
      label: z.string(),
      start: EpochMs,
      end: EpochMs,
      /** null: nothing recorded in this bucket (before the first run). */
      uptimePct: z.number().min(0).max(100).nullable(),
      onlineSeconds: z.number().nonnegative(),
      downtimeSeconds: z.number().nonnegative(),
      downtime: z.partialRecord(DowntimeReasonSchema, z.number().nonnegative()),
      /** Of the online seconds, those paused (online, not earning), by who held the pause. */
      pausedSeconds: z.number().nonnegative(),
      paused: z.partialRecord(PauseSourceSchema, z.number().nonnegative()),
    }),
  ),
});
export type UptimeBar = z.infer<typeof UptimeBarSchema>;

export const UptimeStreakSchema = z.object({
  device: z.string(),
  online: z.boolean(),
  /** Start of the continuous-uptime streak (a restart or any gap resets it); null while offline. */
  since: EpochMs.nullable(),
  seconds: z.number().nonnegative(),
});
export type UptimeStreak = z.infer<typeof UptimeStreakSchema>;

export const ExportKindSchema = z.enum(['telemetry', 'uptime', 'rewards', 'traffic']);
export const ExportResultSchema = z.object({
  what: ExportKindSchema,
  filename: z.string(),
  mime: z.literal('text/csv'),
  rows: z.number().int().nonnegative(),
  /** True when the range held more rows than one reply carries; the CLI export has no such limit. */
  truncated: z.boolean(),
  csv: z.string(),
});
export type ExportResult = z.infer<typeof ExportResultSchema>;
