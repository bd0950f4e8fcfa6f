// One settings schema for the app (electron-store) and headless (conf): defaults, and the project's
// own versioned migrations, run on whatever the backend read from disk.
import os from 'node:os';
import { SettingsSchema, type Settings } from '../../preload/contract.ts';

export const SETTINGS_VERSION = 2;

export function defaultSettings(): Settings {
  return {
    deviceName: os.hostname().slice(0, 64) || 'This machine',
    theme: 'system',
    sampleIntervalMs: 1000,
    limits: { gpuTemperatureC: 85, gpuHotspotC: 100, gpuMemoryTemperatureC: 100, gpuPowerW: null },
  };
}

type Stored = Record<string, unknown> & { schemaVersion?: number };

/** Each step takes the stored object at version N-1 and returns it at version N. */
export const migrations: Record<number, (stored: Stored) => Stored> = {
  // v1 kept one flat `tempLimitC`; v2 groups limits per sensor.
  2: ({ tempLimitC, ...rest }) => ({
    ...rest,
    limits: { ...(typeof rest.limits === 'object' ? rest.limits : {}), ...(typeof tempLimitC === 'number' ? { gpuTemperatureC: tempLimitC } : {}) },
  }),
};

export interface MigrationOutcome {
  settings: Settings;
  fromVersion: number;
  /** Fields that were invalid on disk and fell back to their defaults. */
  repaired: string[];
}

/** Migrates to the current version, then keeps every valid field and repairs the rest to defaults. */
export function migrateSettings(raw: unknown): MigrationOutcome {
  let stored: Stored = raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as Stored) } : {};
  const fromVersion = typeof stored.schemaVersion === 'number' ? stored.schemaVersion : 1;
  for (let v = fromVersion + 1; v <= SETTINGS_VERSION; v++) stored = migrations[v]?.(stored) ?? stored;

  const defaults = defaultSettings();
  const repaired: string[] = [];
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as (keyof Settings)[]) {
    const candidate = key === 'limits' ? { ...defaults.limits, ...(stored.limits as object) } : stored[key];
    const field = SettingsSchema.shape[key].safeParse(candidate);
    if (field.success) merged[key] = field.data;
    else {
      merged[key] = defaults[key];
      if (candidate !== undefined) repaired.push(key);
    }
  }
  return { settings: SettingsSchema.parse(merged), fromVersion, repaired };
}
