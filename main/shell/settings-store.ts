// Settings in electron-store: the core's settings (one schema with headless, desktop preferences
// included in its `desktop` group) through an electron-store backend. The Store class is handed in
// (it needs Electron), so tests use conf, the same file format.
import type { SettingsBackend } from '../settings/store.ts';

/** What the backend uses of electron-store (and of conf, which electron-store extends). */
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
