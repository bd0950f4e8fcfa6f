// Where things live on disk: the headless data dir per OS, and the built dashboard.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RENDERER_DIR = path.join(PROJECT_ROOT, 'out', 'renderer');

export function defaultDataDir(platform = process.platform, env = process.env, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'io-worker');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'io-worker');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'io-worker');
}
