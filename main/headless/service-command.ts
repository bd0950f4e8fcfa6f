// `io-worker service install|uninstall`: a systemd unit that starts `serve` at boot with its data
// dir, restarts it on failure and logs to the journal. As root a system unit (run as the user who
// invoked sudo, or root); otherwise a user unit (lingering keeps it running without a login).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

export function runService(
  action: string | undefined,
  values: { 'data-dir'?: string; port?: string; host?: string; print?: boolean },
  defaults: { dataDir: string; script: string; /** Tests pick one; by default root gets a system unit, others a user unit. */ scope?: 'system' | 'user' },
  io: ServiceIo,
): number {
  if (process.platform !== 'linux') {
    throw new ServiceError(`io-worker service supports Linux (systemd) so far; on ${process.platform}, start \`io-worker serve\` from your system's service manager.`);
  }
  const { scope, user, systemctl } = scopeOf(defaults.scope);
  const file = unitPath(scope);
  const run = io.run ?? defaultRun;
  if (action === 'install') {
    const unit = systemdUnit({
      node: process.execPath,
      script: defaults.script,
      dataDir: path.resolve(values['data-dir'] ?? defaults.dataDir),
      port: Number(values.port ?? 7420),
      host: values.host ?? '127.0.0.1',
      user,
      scope,
    });
    if (values.print) {
      io.out(unit);
      return 0;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, unit, { mode: 0o644 });
    run('systemctl', [...systemctl, 'daemon-reload']);
    run('systemctl', [...systemctl, 'enable', '--now', `${SERVICE_NAME}.service`]);
    io.out(`Installed ${file} and started it.\nLogs: journalctl ${scope === 'user' ? '--user ' : ''}-u ${SERVICE_NAME} -f\nStatus: io-worker status --data-dir ${path.resolve(values['data-dir'] ?? defaults.dataDir)}\n`);
    if (scope === 'user') io.out(`To keep it running without a login session: sudo loginctl enable-linger ${os.userInfo().username}\n`);
    return 0;
  }
  if (action === 'uninstall') {
    if (!fs.existsSync(file)) {
      io.out(`No ${file}: nothing to remove.\n`);
      return 0;
    }
    try {
      run('systemctl', [...systemctl, 'disable', '--now', `${SERVICE_NAME}.service`]);
    } finally {
      fs.rmSync(file, { force: true });
      run('systemctl', [...systemctl, 'daemon-reload']);
    }
    io.out(`Stopped, disabled and removed ${file}.\n`);
    return 0;
  }
  throw new ServiceError(`service needs install or uninstall, not ${action ?? 'nothing'}`);
}
