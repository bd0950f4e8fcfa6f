// Headless settings file: conf writes atomically (temp file + rename), so a killed process never
// leaves half a settings file behind.
import path from 'node:path';
import Conf from 'conf';
import type { SettingsBackend } from './store.ts';

export function confBackend(dataDir: string): SettingsBackend {
  // Opened on first use: conf reads as it opens, and an unreadable file must reach the store as a failed read, not throw here.
  let conf: Conf<Record<string, unknown>> | undefined;
  const open = () => (conf ??= new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'settings', projectName: 'io-worker' }));
  return {
    path: path.resolve(dataDir, 'settings.json'),
    read: () => (open().size === 0 ? undefined : open().store),
    write: (value) => {
      open().store = value;
    },
  };
}
