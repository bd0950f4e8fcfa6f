// Headless settings file: conf writes atomically (temp file + rename), so a killed process never
// leaves half a settings file behind.
import Conf from 'conf';
import type { SettingsBackend } from './store.ts';

export function confBackend(dataDir: string): SettingsBackend {
  const conf = new Conf<Record<string, unknown>>({ cwd: dataDir, configName: 'settings', projectName: 'io-worker' });
  return {
    path: conf.path,
    read: () => (conf.size === 0 ? undefined : conf.store),
    write: (value) => {
      conf.store = value;
    },
  };
}
