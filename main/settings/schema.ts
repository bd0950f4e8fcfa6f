// One settings schema for the app (electron-store) and headless (conf): defaults, and the project's
// own versioned migrations, run on whatever the backend read from disk.
import os from 'node:os';
import { SettingsSchema, type Settings } from '../../preload/contract/index.ts';

export const SETTINGS_VERSION = 3;

export function defaultSettings(): Settings {
  return {
    deviceName: os.hostname().slice(0, 64) || 'This machine',
    theme: 'system',
    sampleIntervalMs: 1000,
    wallet: { address: null, setAt: null, history: [] },
    limits: { gpuTemperatureC: 85, gpuHotspotC: 100, gpuMemoryTemperatureC: 100, gpuPowerW: null },
    network: 'embedded',
    energy: { pricePerKWh: 0.15, currency: 'USD', coinPrice: null },
    desktop: {
      startAtLogin: false,
      closeToTray: true,
      updateChannel: 'stable',
      updateFeedUrl: null,
      updateCheckHours: 4,
      notifications: true,
    },
    alerts: {
      webhook: { enabled: false, url: null },
      ntfy: { enabled: false, baseUrl: 'https://ntfy.sh', topic: null },
      telegram: { enabled: false, baseUrl: 'https://api.telegram.org', chatId: null },
      email: { enabled: false, host: null, port: 587, secure: false, user: null, from: null, to: null },
      rules: {},
      repeatMinutes: 60,
      offlineAfterSeconds: 600,
    },
    autopilot: {
      idle: { enabled: false, afterMinutes: 10 },
      schedule: { enabled: false, timeZone: null, windows: [] },
      gaming: { enabled: false, graceSeconds: 120 },
    },
    metrics: { enabled: false, listen: '127.0.0.1:9400' },
    lending: { gpus: null, cpuCores: null, memoryGiB: null, diskGiB: null, vramGiB: null, rayPorts: '20000-20199', rayPath: null },
  };
}

type Stored = Record<string, unknown> & { schemaVersion?: number };
const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Each step takes the stored object at version N-1 and returns it at version N. */
export const migrations: Record<number, (stored: Stored) => Stored> = {
  // v1 kept one flat `tempLimitC`; v2 groups limits per sensor.
  2: ({ tempLimitC, ...rest }) => ({
    ...rest,
    limits: { ...(typeof rest.limits === 'object' ? rest.limits : {}), ...(typeof tempLimitC === 'number' ? { gpuTemperatureC: tempLimitC } : {}) },
  }),
  // v2 named the tray behaviour `desktop.minimizeToTray`; v3 calls it what it does (closing the
  // window), and the shell's own desktop preferences (never shipped) joined this group.
  3: (stored) => {
    if (!isRecord(stored.desktop) || !('minimizeToTray' in stored.desktop)) return stored;
    const { minimizeToTray, ...desktop } = stored.desktop;
    return { ...stored, desktop: { ...(desktop.closeToTray === undefined ? { closeToTray: minimizeToTray } : {}), ...desktop } };
  },
};

export interface MigrationOutcome {
  settings: Settings;
  fromVersion: number;
  /** Fields that were invalid on disk and fell back to their defaults ('theme', 'desktop.updateCheckHours'). */
  repaired: string[];
}

/** Migrates to the current version, then keeps every valid field and repairs the rest to defaults. */
export function migrateSettings(raw: unknown): MigrationOutcome {
  let stored: Stored = isRecord(raw) ? { ...(raw as Stored) } : {};
  const fromVersion = typeof stored.schemaVersion === 'number' ? stored.schemaVersion : 1;
  // A file from a newer app (after a downgrade) runs no steps: what still parses is kept.
  for (let v = fromVersion + 1; v <= SETTINGS_VERSION; v++) stored = migrations[v]?.(stored) ?? stored;

  const defaults = defaultSettings();
  const repaired: string[] = [];
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as (keyof Settings)[]) {
    const schema = SettingsSchema.shape[key];
    const fallback = defaults[key];
    // Grouped settings are checked field by field: one bad field in a group keeps the user's others.
    if (key !== 'wallet' && 'shape' in schema && isRecord(fallback)) {
      const group: Record<string, unknown> = {};
      const storedGroup = isRecord(stored[key]) ? stored[key] : {};
      if (stored[key] !== undefined && !isRecord(stored[key])) repaired.push(key);
      for (const [field, fieldSchema] of Object.entries(schema.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>)) {
        const parsed = fieldSchema.safeParse(storedGroup[field]);
        if (parsed.success && storedGroup[field] !== undefined) group[field] = parsed.data;
        else {
          group[field] = (fallback as Record<string, unknown>)[field];
          if (storedGroup[field] !== undefined) repaired.push(`${key}.${field}`);
        }
      }
      merged[key] = group;
      continue;
    }
    const field = schema.safeParse(stored[key]);
    if (field.success) merged[key] = field.data;
    else {
      merged[key] = fallback;
      if (stored[key] !== undefined) repaired.push(key);
    }
  }
  return { settings: SettingsSchema.parse(merged), fromVersion, repaired };
}
