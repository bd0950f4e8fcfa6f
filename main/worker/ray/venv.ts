// The worker's own Ray: a Python virtual environment per Ray version, made on first need with the
// system Python (3.10 or newer) and pip, reused afterwards. Only a checked version (x.y.z) reaches
// pip, as `ray==x.y.z`, wheels only (nothing is built, so no package code runs at install).
// A user who already has Ray points the worker at it instead (IO_WORKER_RAY or the option).
import fs from 'node:fs';
import path from 'node:path';
import { RAY_VERSION_PATTERN } from '../protocol.ts';
import { runCommand, type RunAs } from './run.ts';

/** The Ray a hire gets when its order names none. */
export const DEFAULT_RAY_VERSION = '2.58.0';
const READY = 'io-worker-ready.json';

export interface RayInstall {
  /** The `ray` command and the Python beside it. */
  ray: string;
  python: string;
  version: string;
  managed: boolean;
}

export interface RayInstallOptions {
  /** Where the venvs live (readable by the Ray user, writable only by the worker). */
  home: string;
  /** An existing `ray` the owner chose; the version must still match the order's. */
  userRay?: string | null;
  /** Pythons to try, in order (default: IO_WORKER_PYTHON, then the system's python3). */
  pythons?: string[];
  /** The user the node runs as: the Python must work for it too. */
  runAs?: RunAs | null;
  onProgress?: (line: string) => void;
}

export class RayInstallError extends Error {}

const installs = new Map<string, Promise<RayInstall>>();

/** The `ray` for `version`, installing it once (concurrent callers share one install). */
export function ensureRay(version: string, o: RayInstallOptions): Promise<RayInstall> {
  if (!RAY_VERSION_PATTERN.test(version)) return Promise.reject(new RayInstallError(`Not a Ray version: ${JSON.stringify(version.slice(0, 40))}`));
  if (o.userRay) return userRay(o.userRay, version, o);
  const key = `${path.resolve(o.home)}|${version}`;
  let pending = installs.get(key);
  if (!pending) {
    pending = install(version, o).finally(() => installs.delete(key));
    installs.set(key, pending);
  }
  return pending;
}

/** The venv folder of one Ray version. */
export function venvDir(home: string, version: string): string {
  return path.join(home, 'venvs', `ray-${version}`);
}

async function userRay(ray: string, version: string, o: RayInstallOptions): Promise<RayInstall> {
  if (!path.isAbsolute(ray) || !fs.existsSync(ray)) throw new RayInstallError(`The Ray you chose (${ray}) does not exist; give the full path of its \`ray\` command.`);
  const python = [path.join(path.dirname(ray), 'python3'), path.join(path.dirname(ray), 'python')].find((p) => fs.existsSync(p));
  if (!python) throw new RayInstallError(`No Python beside your Ray at ${ray}; point the worker at the \`ray\` inside a virtual environment.`);
  const found = await runCommand(python, ['-c', 'import ray; print(ray.__version__)'], { as: o.runAs, timeoutMs: 60_000 });
  const have = found.out.trim();
  if (found.code !== 0) throw new RayInstallError(`Your Ray at ${ray} does not start for the Ray user: ${lastLine(found.err)}`);
  if (have !== version) throw new RayInstallError(`Your Ray at ${ray} is ${have}; this hire's cluster runs Ray ${version}, and the nodes of one cluster must match.`);
  return { ray, python, version, managed: false };
}

async function install(version: string, o: RayInstallOptions): Promise<RayInstall> {
  const dir = venvDir(o.home, version);
  const result: RayInstall = { ray: path.join(dir, 'bin', 'ray'), python: path.join(dir, 'bin', 'python'), version, managed: true };
  if (fs.existsSync(path.join(dir, READY)) && fs.existsSync(result.ray)) return result;
  const progress = o.onProgress ?? (() => {});
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  // Another process (a second worker, a test) may be installing the same version: wait for it.
  const lock = `${dir}.installing`;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      if (fs.existsSync(path.join(dir, READY))) return result;
      const stale = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 30 * 60_000;
      if (stale) fs.rmSync(lock, { force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await installLocked(version, dir, result, o, progress);
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

async function installLocked(version: string, dir: string, result: RayInstall, o: RayInstallOptions, progress: (line: string) => void): Promise<RayInstall> {
  if (fs.existsSync(path.join(dir, READY)) && fs.existsSync(result.ray)) return result;
  const python = await findPython(o.pythons ?? defaultPythons(), o.runAs ?? null);
  // Root-owned and not writable by the Ray user: the node may read the venv, never change it.
  fs.chmodSync(o.home, 0o755);
  fs.chmodSync(path.dirname(dir), 0o755);
  fs.rmSync(dir, { recursive: true, force: true }); // an install that never finished
  progress(`Creating the Python ${python.version} environment for Ray ${version} in ${dir}`);
  let started = Date.now();
  const made = await runCommand(python.file, ['-m', 'venv', dir], { timeoutMs: 120_000 });
  if (made.code !== 0) {
    throw new RayInstallError(`Could not create a Python environment with ${python.file}: ${lastLine(made.err)}. Install Python's venv module (Debian/Ubuntu: sudo apt install python3-venv).`);
  }
  progress(`Environment ready in ${((Date.now() - started) / 1000).toFixed(1)} s; installing ray==${version} with pip`);
  started = Date.now();
  const pip = await runCommand(result.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--only-binary=:all:', `ray==${version}`], {
    timeoutMs: 20 * 60_000,
    onLine: (line) => progress(`pip: ${line.slice(0, 200)}`),
  });
  if (pip.code !== 0) {
    throw new RayInstallError(`pip could not install ray==${version} for Python ${python.version}: ${lastLine(pip.err || pip.out)}`);
  }
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, READY), JSON.stringify({ version, python: python.version, pythonFile: python.file, at: new Date().toISOString() }));
  progress(`Ray ${version} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

function defaultPythons(): string[] {
  const fromEnv = process.env.IO_WORKER_PYTHON;
  return [...(fromEnv ? [fromEnv] : []), '/usr/bin/python3', '/usr/local/bin/python3', 'python3'];
}

/** The first Python (3.10 or newer, with venv) that the Ray user can run too. */
export async function findPython(candidates: string[], runAs: RunAs | null): Promise<{ file: string; version: string }> {
  const tried: string[] = [];
  for (const file of candidates) {
    const probe = await runCommand(file, ['-c', 'import sys, venv, ensurepip; print("%d.%d" % sys.version_info[:2])'], { as: runAs, timeoutMs: 20_000 });
    const version = probe.out.trim();
    const m = /^3\.(\d+)$/.exec(version);
    if (probe.code === 0 && m && Number(m[1]) >= 10) return { file, version };
    tried.push(probe.code === 0 ? `${file}: Python ${version}` : `${file}: ${probe.code === null ? 'not found' : /ensurepip|venv/.test(probe.err) ? 'no venv module' : lastLine(probe.err)}`);
  }
  throw new RayInstallError(
    `Ray needs Python 3.10 or newer with its venv module, usable by the Ray user (tried ${tried.join('; ')}). ` +
      'Install it (Debian/Ubuntu: sudo apt install python3 python3-venv) or point IO_WORKER_PYTHON at one.',
  );
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1)?.slice(0, 200) ?? 'no output';
}
