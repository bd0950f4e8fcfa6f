// Desktop settings in electron-store: the core's settings (one schema with headless) through an
// electron-store backend, and the shell's own desktop preferences (tray, login, updates) with their
// schema, defaults and versioned migrations. The Store class is handed in (it needs Electron).
import { z } from 'zod';
import type { SettingsBackend } from '../settings/store.ts';

/** What the backends use of electron-store (and of conf, which electron-store extends). */
export interface KeyValueFile {
  readonly path: string;
  readonly size: number;
  store: Record<string, unknown>;
}

export function electronStoreBackend(file: KeyValueFile): SettingsBackend {
  return {
    path: file.path,
    read: () => (file.size === 0 ? undefined : file.store),
    write: (value) => {
      // electron-store writes atomically (temp file + rename): a crash never leaves half a file.
      file.store = value;
    },
  };
}

// ---------------------------------------------------------------- desktop preferences
export const UpdateChannelSchema = z.enum(['stable', 'beta']);
export type UpdateChannel = z.infer<typeof UpdateChannelSchema>;

export const DesktopPrefsSchema = z.object({
  /** Closing the window keeps the worker running in the tray. */
  closeToTray: z.boolean(),
  startAtLogin: z.boolean(),
  updateChannel: UpdateChannelSchema,
  /** The generic-provider feed; null uses the one built into the app (build/electron-builder.config.cjs). */
  updateFeedUrl: z
    .string()
    .url()
    .refine((url) => /^https?:/.test(url), 'must be an http(s) address')
    .nullable(),
  updateCheckHours: z.number().int().min(1).max(24),
  notifications: z.boolean(),
});
export type DesktopPrefs = z.infer<typeof DesktopPrefsSchema>;

export const DESKTOP_PREFS_VERSION = 2;

export function defaultDesktopPrefs(): DesktopPrefs {
  return {
    closeToTray: true,
    startAtLogin: false,
    updateChannel: 'stable',
    updateFeedUrl: null,
    updateCheckHours: 4,
    notifications: true,
  };
}

type Stored = Record<string, unknown> & { schemaVersion?: number };

/** Each step takes the stored object at version N-1 and returns it at version N. */
export const desktopPrefsMigrations: Record<number, (stored: Stored) => Stored> = {
  // v1 named the channel after electron-updater's flag; v2 names it as the user sees it.
  2: ({ allowPrerelease, ...rest }) => ({
    ...rest,
    ...(typeof allowPrerelease === 'boolean' && rest.updateChannel === undefined
      ? { updateChannel: allowPrerelease ? 'beta' : 'stable' }
      : {}),
  }),
};

export interface DesktopPrefsOutcome {
  prefs: DesktopPrefs;
  fromVersion: number;
  repaired: string[];
}

export function migrateDesktopPrefs(raw: unknown): DesktopPrefsOutcome {
  let stored: Stored = raw && typeof raw === 'object' && !Array.isArray(raw) ? { ...(raw as Stored) } : {};
  const fromVersion = typeof stored.schemaVersion === 'number' ? stored.schemaVersion : 1;
  for (let v = fromVersion + 1; v <= DESKTOP_PREFS_VERSION; v++) stored = desktopPrefsMigrations[v]?.(stored) ?? stored;
  // A file from a newer app (after a downgrade) runs no steps: what still parses is kept.
  const defaults = defaultDesktopPrefs();
  const repaired: string[] = [];
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as (keyof DesktopPrefs)[]) {
    const field = DesktopPrefsSchema.shape[key].safeParse(stored[key]);
    if (field.success) merged[key] = field.data;
    else {
      merged[key] = defaults[key];
      if (stored[key] !== undefined) repaired.push(key);
    }
  }
  return { prefs: DesktopPrefsSchema.parse(merged), fromVersion, repaired };
}

export class DesktopPrefsStore {
  readonly #file: KeyValueFile;
  #prefs: DesktopPrefs;
  readonly #listeners = new Set<(prefs: DesktopPrefs) => void>();
  readonly repaired: string[];

  constructor(file: KeyValueFile) {
    this.#file = file;
    const outcome = migrateDesktopPrefs(file.size === 0 ? undefined : file.store);
    this.#prefs = outcome.prefs;
    this.repaired = outcome.repaired;
    file.store = { ...this.#prefs, schemaVersion: DESKTOP_PREFS_VERSION };
  }

  get(): DesktopPrefs {
    return { ...this.#prefs };
  }

  /** Rejects an invalid patch whole: nothing is written and the old preferences stay. */
  update(patch: Partial<DesktopPrefs>): DesktopPrefs {
    const next = DesktopPrefsSchema.parse({ ...this.#prefs, ...DesktopPrefsSchema.partial().strict().parse(patch) });
    this.#file.store = { ...next, schemaVersion: DESKTOP_PREFS_VERSION };
    this.#prefs = next;
    for (const listener of this.#listeners) listener(this.get());
    return this.get();
  }

  onChange(listener: (prefs: DesktopPrefs) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
