// The one settings schema of the app and headless, and the patch a page may send.
import { z } from 'zod';
import { Name } from './common.ts';

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
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;
