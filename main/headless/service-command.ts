// `io-worker service install|uninstall`: `serve` started at boot with its data dir, restarted on
// failure, its output logged. Linux: a systemd unit (journal); as root a system unit (run as the user
// who invoked sudo, or root), otherwise a user unit (lingering keeps it running without a login).
// macOS: a launchd job (service-launchd.ts); Windows: a Task Scheduler task (service-windows.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LAUNCHD_LABEL, launchdDomain, launchdPlist, plistPath } from './service-launchd.ts';
import { TASK_NAME, UnsafeWindowsPath, scheduledTaskXml, utf16le } from './service-windows.ts';

export const SERVICE_NAME = 'io-worker';

export interface UnitOptions {
  /** The Node that runs the worker, and the io-worker script. */
  node: string;
  script: string;
  dataDir: string;
  port: number;
  host: string;
  /** System units run as this user; user units leave it out. */
  user: string | null;
  scope: 'system' | 'user';
  extraArgs?: string[];
}

/** systemd quotes an argument with spaces or specials in double quotes, backslash-escaped. */
const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1').replace(/\$/g, '$$$$').replace(/%/g, '%%')}"`);

export function systemdUnit(o: UnitOptions): string {
  const exec = [o.node, o.script, 'serve', '--data-dir', o.dataDir, '--host', o.host, '--port', String(o.port), ...(o.extraArgs ?? [])].map(quote).join(' ');
  return `# Written by \`io-worker service install\`; \`io-worker service uninstall\` removes it.
[Unit]
Description=IO Worker: lends this machine's GPU/CPU to a compute network
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${exec}
${o.user ? `User=${o.user}\n` : ''}Environment=NODE_ENV=production
Restart=on-failure
RestartSec=5
# The worker stops cleanly on SIGTERM (ledger closed, network told); give it time to.
TimeoutStopSec=30
StandardOutput=journal
StandardError=journal
SyslogIdentifier=${SERVICE_NAME}

[Install]
WantedBy=${o.scope === 'system' ? 'multi-user.target' : 'default.target'}
`;
}

export function unitPath(scope: 'system' | 'user', home = os.homedir(), env = process.env): string {
  if (scope === 'system') return `/etc/systemd/system/${SERVICE_NAME}.service`;
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'systemd', 'user', `${SERVICE_NAME}.service`);
}

export class ServiceError extends Error {}

interface ServiceIo {
  out: (text: string) => void;
  run?: (command: string, args: string[]) => void;
}

const defaultRun = (command: string, args: string[]) => {
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
};

function scopeOf(forced?: 'system' | 'user'): { scope: 'system' | 'user'; user: string | null; systemctl: string[] } {
  const root = forced ? forced === 'system' : process.getuid?.() === 0;
  return root
    ? { scope: 'system', user: process.env.SUDO_USER || 'root', systemctl: [] }
    : { scope: 'user', user: null, systemctl: ['--user'] };
}

export interface ServiceDefaults {
  dataDir: string;
  script: string;
  /** Tests pick one; by default root (an elevated prompt on Windows) gets a system service, others a user one. */
  scope?: 'system' | 'user';
  /** Tests pick one; by default this machine's. */
  platform?: NodeJS.Platform;
  /** Where a user's launchd job goes (tests keep it out of a real home); by default the user's home. */
  home?: string;
}

export function runService(
  action: string | undefined,
  values: { 'data-dir'?: string; port?: string; host?: string; print?: boolean },
  defaults: ServiceDefaults,
  io: ServiceIo,
): number {
  if (action !== 'install' && action !== 'uninstall') throw new ServiceError(`service needs install or uninstall, not ${action ?? 'nothing'}`);
  const platform = defaults.platform ?? process.platform;
  const job: ServiceJob = {
    action,
    print: values.print === true,
    dataDir: path.resolve(values['data-dir'] ?? defaults.dataDir),
    port: Number(values.port ?? 7420),
    host: values.host ?? '127.0.0.1',
    script: defaults.script,
    forced: defaults.scope,
    run: io.run ?? defaultRun,
    out: io.out,
    home: defaults.home ?? os.homedir(),
  };
  if (platform === 'linux') return systemd(job);
  if (platform === 'darwin') return launchd(job);
  if (platform === 'win32') return windowsTask(job);
  throw new ServiceError(`io-worker service knows systemd (Linux), launchd (macOS) and Task Scheduler (Windows); on ${platform}, start \`io-worker serve\` from your system's service manager.`);
}

interface ServiceJob {
  action: 'install' | 'uninstall';
  print: boolean;
  dataDir: string;
  port: number;
  host: string;
  script: string;
  forced: 'system' | 'user' | undefined;
  run: (command: string, args: string[]) => void;
  out: (text: string) => void;
  home: string;
}

function systemd(job: ServiceJob): number {
  const { scope, user, systemctl } = scopeOf(job.forced);
  const file = unitPath(scope);
  const { run } = job;
  if (job.action === 'install') {
    const unit = systemdUnit({ node: process.execPath, script: job.script, dataDir: job.dataDir, port: job.port, host: job.host, user, scope });
    if (job.print) {
      job.out(unit);
      return 0;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, unit, { mode: 0o644 });
    run('systemctl', [...systemctl, 'daemon-reload']);
    run('systemctl', [...systemctl, 'enable', '--now', `${SERVICE_NAME}.service`]);
    job.out(`Installed ${file} and started it.\nLogs: journalctl ${scope === 'user' ? '--user ' : ''}-u ${SERVICE_NAME} -f\nStatus: io-worker status --data-dir ${job.dataDir}\n`);
    if (scope === 'user') job.out(`To keep it running without a login session: sudo loginctl enable-linger ${os.userInfo().username}\n`);
    return 0;
  }
  if (!fs.existsSync(file)) {
    job.out(`No ${file}: nothing to remove.\n`);
    return 0;
  }
  try {
    run('systemctl', [...systemctl, 'disable', '--now', `${SERVICE_NAME}.service`]);
  } finally {
    fs.rmSync(file, { force: true });
    run('systemctl', [...systemctl, 'daemon-reload']);
  }
  job.out(`Stopped, disabled and removed ${file}.\n`);
  return 0;
}

function launchd(job: ServiceJob): number {
  const scope = job.forced ?? (process.getuid?.() === 0 ? 'system' : 'user');
  const file = plistPath(scope, job.home);
  const domain = launchdDomain(scope);
  if (job.action === 'install') {
    const plist = launchdPlist({ node: process.execPath, script: job.script, dataDir: job.dataDir, port: job.port, host: job.host, user: scope === 'system' ? process.env.SUDO_USER || 'root' : null });
    if (job.print) {
      job.out(plist);
      return 0;
    }
    fs.mkdirSync(path.join(job.dataDir, 'logs'), { recursive: true });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, plist, { mode: 0o644 });
    job.run('launchctl', ['bootstrap', domain, file]);
    job.out(`Installed ${file} and started it.\nLogs: tail -f ${path.join(job.dataDir, 'logs', 'io-worker.log')}\nStatus: io-worker status --data-dir ${job.dataDir}\n`);
    return 0;
  }
  if (!fs.existsSync(file)) {
    job.out(`No ${file}: nothing to remove.\n`);
    return 0;
  }
  try {
    job.run('launchctl', ['bootout', `${domain}/${LAUNCHD_LABEL}`]);
  } finally {
    fs.rmSync(file, { force: true });
  }
  job.out(`Stopped and removed ${file}.\n`);
  return 0;
}

function windowsTask(job: ServiceJob): number {
  const scope = job.forced ?? (isElevatedWindows() ? 'system' : 'user');
  const logFile = path.win32.join(job.dataDir, 'logs', 'io-worker.log');
  if (job.action === 'install') {
    const user = `${process.env.USERDOMAIN ?? os.hostname()}\\${os.userInfo().username}`;
    let task: string;
    try {
      task = scheduledTaskXml({ node: process.execPath, script: job.script, dataDir: job.dataDir, port: job.port, host: job.host, scope, user, logFile });
    } catch (error) {
      if (error instanceof UnsafeWindowsPath) throw new ServiceError(error.message);
      throw error;
    }
    if (job.print) {
      job.out(task);
      return 0;
    }
    fs.mkdirSync(path.join(job.dataDir, 'logs'), { recursive: true });
    const file = path.join(job.dataDir, 'io-worker-task.xml');
    fs.writeFileSync(file, utf16le(task));
    job.run('schtasks', ['/Create', '/TN', TASK_NAME, '/XML', file, '/F']);
    job.run('schtasks', ['/Run', '/TN', TASK_NAME]);
    job.out(`Registered the task "${TASK_NAME}" (${scope === 'system' ? 'at boot, as SYSTEM' : 'at your logon'}) and started it.\nLogs: ${logFile}\nStatus: io-worker status --data-dir ${job.dataDir}\n`);
    return 0;
  }
  try {
    job.run('schtasks', ['/End', '/TN', TASK_NAME]);
  } catch {
    // not running: nothing to end
  }
  job.run('schtasks', ['/Delete', '/TN', TASK_NAME, '/F']);
  job.out(`Stopped and removed the task "${TASK_NAME}".\n`);
  return 0;
}

/** An elevated prompt may open the machine's own registry hive for writing; \`net session\` answers only there. */
function isElevatedWindows(): boolean {
  try {
    execFileSync('net', ['session'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
