// Where the Electron binary is, found without touching electron's index.js, which would try to
// download it on first use (impossible offline). Used by `npm start` and the _electron specs.
import fs from 'node:fs';
import path from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

export function findElectronBinary(projectRoot: string, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  const pkg = path.join(projectRoot, 'node_modules', 'electron');
  let relative: string | null;
  try {
    relative = fs.readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim();
  } catch {
    relative = null;
  }
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const candidate = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return fs.existsSync(candidate)
      ? { found: true, path: candidate }
      : { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH is set but ${candidate} does not exist` };
  }
  if (!relative) {
    return {
      found: false,
      reason: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)',
    };
  }
  const candidate = path.join(pkg, 'dist', relative);
  return fs.existsSync(candidate)
    ? { found: true, path: candidate }
    : { found: false, reason: `the Electron binary ${candidate} is missing` };
}
