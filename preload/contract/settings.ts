// The one settings schema of the app and headless, and the patch a page may send.
import { z } from 'zod';
import { Name } from './common.ts';
import { AlertSettingsSchema, AutopilotSettingsSchema } from './alerts.ts';

export const ThemeSchema = z.enum(['system', 'light', 'dark']);
export const UpdateChannelSchema = z.enum(['stable', 'beta']);

export const WalletSchema = z.object({
  /** The Solana address rewards are paid to; null until the user sets one. */
  address: z.string().nullable(),
  setAt: z.number().int().nullable(),
  /** Earlier addresses, newest first: the change history the Wallet page shows. */
  history: z.array(z.object({ address: z.string(), setAt: z.number().int() })).max(50),
});
export type Wallet = z.infer<typeof WalletSchema>;

export const LendingSettingsSchema = z.object({
  /** The GPU indexes lent to hires; null: every GPU. */
  gpus: z.array(z.number().int().nonnegative().max(63)).max(64).nullable(),
  cpuCores: z.number().int().min(1).max(4096).nullable(),
  memoryGiB: z.number().min(0.5).max(65_536).nullable(),
  diskGiB: z.number().min(1).max(1_048_576).nullable(),
  vramGiB: z.number().min(0.5).max(4096).nullable(),
  /** Ports a Ray node may use, first-last (at least 16). */
  rayPorts: z.string().regex(/^\d{4,5}-\d{4,5}$/).max(11),
  /** The owner's own `ray` (absolute path) instead of the worker's managed one; null: managed. */
  rayPath: z.string().startsWith('/').max(1024).nullable(),
});
export type LendingSettings = z.infer<typeof LendingSettingsSchema>;

export const SettingsSchema = z.object({
  deviceName: Name,
  theme: ThemeSchema,
  sampleIntervalMs: z.number().int().min(250).max(10_000),
  wallet: WalletSchema,
  limits: z.object({
    gpuTemperatureC: z.number().min(40).max(110),
    gpuHotspotC: z.number().min(40).max(120),
    gpuMemoryTemperatureC: z.number().min(40).max(120),
    gpuPowerW: z.number().min(0).max(2000).nullable(),
  }),
  /** 'embedded' (a devnet on this machine) or the http(s) URL of a coordinator. */
  network: z.union([z.literal('embedded'), z.url({ protocol: /^https?$/ }).max(200)]),
  /** What the user pays for power, and what they think a coin is worth, for Profitability. */
  energy: z.object({
    pricePerKWh: z.number().min(0).max(10),
    currency: z.string().regex(/^[A-Z]{3}$/),
    coinPrice: z.number().min(0).max(1_000_000).nullable(),
  }),
  /** Desktop app only: ignored headless. */
  desktop: z.object({
    startAtLogin: z.boolean(),
    /** Closing the window keeps the worker running in the tray (where there is a tray). */
    closeToTray: z.boolean(),
    updateChannel: UpdateChannelSchema,
    /** The generic-provider update feed; null uses the one built into the app. */
    updateFeedUrl: z.url({ protocol: /^https?$/ }).max(200).nullable(),
    updateCheckHours: z.number().int().min(1).max(24),
    /** Native notifications for notices and state changes. */
    notifications: z.boolean(),
  }),
  /** Alerts to the owner's channels (issue 15); secrets live in the secret store. */
  alerts: AlertSettingsSchema,
  /** Pauses the owner does not have to click: idle, schedule, gaming. */
  autopilot: AutopilotSettingsSchema,
  /** Prometheus `/metrics` of the desktop app (headless `serve` always serves it beside the dashboard). */
  metrics: z.object({
    enabled: z.boolean(),
    /** HOST:PORT; loopback needs no token, any other address the bearer token in the data dir's metrics-token. */
    listen: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/).max(100),
  }),
  /** What a hire may use of this machine (a Ray node's resources and a container's flags); null: all of it. */
  lending: LendingSettingsSchema,
});
export type Settings = z.infer<typeof SettingsSchema>;

/** A partial update: top-level fields, and `limits` as a partial object of its own. */
export const SettingsPatchSchema = z
  .object({
    deviceName: Name,
    theme: ThemeSchema,
    sampleIntervalMs: SettingsSchema.shape.sampleIntervalMs,
    limits: SettingsSchema.shape.limits.partial().strict(),
    network: SettingsSchema.shape.network,
    energy: SettingsSchema.shape.energy.partial().strict(),
    desktop: SettingsSchema.shape.desktop.partial().strict(),
    // Whole groups: the page sends the group it edited (its nested channels and windows go together).
    alerts: SettingsSchema.shape.alerts,
    autopilot: SettingsSchema.shape.autopilot,
    lending: SettingsSchema.shape.lending,
    metrics: z.object({ enabled: z.boolean(), listen: z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/).max(100) }).partial().strict(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;
