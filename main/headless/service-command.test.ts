// The systemd unit `io-worker service install` writes, checked by systemd itself
// (`systemd-analyze verify`; .ci/run installs Debian's systemd where it is missing).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runService, systemdUnit, unitPath } from './service-command.ts';
import { windowsArg } from './service-windows.ts';

const BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'io-worker.mjs');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-service-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function verify(unit: string): { status: number | null; output: string } {
  const file = path.join(root, 'io-worker.service');
  fs.writeFileSync(file, unit);
  const result = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('io-worker service', () => {
  it.skipIf(!analyze)('writes units systemd-analyze verify accepts, system and user', () => {
    const dataDir = path.join(root, 'data dir with spaces');
    for (const scope of ['system', 'user'] as const) {
      const unit = systemdUnit({ node: process.execPath, script: BIN, dataDir, port: 7420, host: '127.0.0.1', user: scope === 'system' ? 'root' : null, scope });
      const { status, output } = verify(unit);
      expect(output.split('\n').filter((l) => l.includes('io-worker.service')), output).toEqual([]);
      expect(status, output).toBe(0);
      expect(unit).toContain(`ExecStart=${process.execPath} ${BIN} serve --data-dir "${dataDir}" --host 127.0.0.1 --port 7420`);
      expect(unit).toMatch(/^Restart=on-failure$/m);
      expect(unit).toMatch(/^StandardOutput=journal$/m);
      expect(unit).toContain(scope === 'system' ? 'WantedBy=multi-user.target' : 'WantedBy=default.target');
    }
    // A unit that does not hold up is caught by the same check (the test can fail).
    expect(verify('[Service]\nExecStart=relative/path serve\n').output).toMatch(/absolute|relative|Neither a valid executable/i);
  });

  it('installs with systemctl daemon-reload and enable, and uninstalls', () => {
    if (process.platform !== 'linux') return;
    const ran: string[] = [];
    const io = { out: () => {}, run: (command: string, args: string[]) => void ran.push([command, ...args].join(' ')) };
    const home = path.join(root, 'home');
    const env = { ...process.env };
    process.env.XDG_CONFIG_HOME = path.join(home, '.config');
    try {
      const file = unitPath('user');
      expect(file).toBe(path.join(home, '.config', 'systemd', 'user', 'io-worker.service'));
      const defaults = { dataDir: '/x', script: BIN, scope: 'user' as const };
      let printed = '';
      expect(runService('install', { print: true, 'data-dir': '/srv/io' }, defaults, { out: (t) => (printed += t), run: io.run })).toBe(0);
      expect(printed).toContain('--data-dir /srv/io');
      expect(ran).toEqual([]);
      runService('install', { 'data-dir': '/srv/io' }, defaults, io);
      expect(fs.readFileSync(file, 'utf8')).toContain('--data-dir /srv/io');
      expect(ran).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now io-worker.service']);
      runService('uninstall', {}, defaults, io);
      expect(fs.existsSync(file)).toBe(false);
      expect(ran.slice(2)).toEqual(['systemctl --user disable --now io-worker.service', 'systemctl --user daemon-reload']);
      expect(() => runService('restart', {}, defaults, io)).toThrow(/install or uninstall/);
    } finally {
      process.env = env;
    }
  });
});

describe('io-worker service on macOS and Windows (the files checked here; launchctl and schtasks are not)', () => {
  const python = spawnSync('python3', ['--version']).status === 0;

  it.skipIf(!python)('writes a launchd plist that a real plist parser reads back to the same program and keep-alive rule', () => {
    const dataDir = path.join(root, 'mac data & <dir>');
    const ran: string[] = [];
    let printed = '';
    const defaults = { dataDir, script: BIN, scope: 'user' as const, platform: 'darwin' as const };
    runService('install', { print: true }, defaults, { out: (t) => (printed += t), run: (c, a) => void ran.push([c, ...a].join(' ')) });
    expect(ran).toEqual([]);
    const file = path.join(root, 'job.plist');
    fs.writeFileSync(file, printed);
    const read = spawnSync('python3', ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))', file], { encoding: 'utf8' });
    expect(read.status, read.stderr).toBe(0);
    const job = JSON.parse(read.stdout) as Record<string, unknown>;
    expect(job.Label).toBe('net.ioworker.io-worker');
    expect(job.ProgramArguments).toEqual([process.execPath, BIN, 'serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', '7420']);
    expect(job.KeepAlive).toEqual({ SuccessfulExit: false });
    expect(job.RunAtLoad).toBe(true);
    expect(job.StandardErrorPath).toBe(path.join(dataDir, 'logs', 'io-worker.log'));
    expect(job.UserName).toBeUndefined();
  });

  it('bootstraps and boots out the launchd job in the user domain', () => {
    const ran: string[] = [];
    // A home of its own: never a real job on a developer's Mac.
    const defaults = { dataDir: path.join(root, 'mac'), script: BIN, scope: 'user' as const, platform: 'darwin' as const, home: path.join(root, 'mac-home') };
    const file = path.join(root, 'mac-home', 'Library', 'LaunchAgents', 'net.ioworker.io-worker.plist');
    runService('install', {}, defaults, { out: () => {}, run: (c, a) => void ran.push([c, ...a].join(' ')) });
    expect(fs.existsSync(file)).toBe(true);
    expect(fs.existsSync(path.join(root, 'mac', 'logs'))).toBe(true);
    runService('uninstall', {}, defaults, { out: () => {}, run: (c, a) => void ran.push([c, ...a].join(' ')) });
    expect(fs.existsSync(file)).toBe(false);
    const uid = process.getuid?.() ?? 0;
    expect(ran).toEqual([`launchctl bootstrap gui/${uid} ${file}`, `launchctl bootout gui/${uid}/net.ioworker.io-worker`]);
  });

  it.skipIf(!python)('writes a Task Scheduler task (UTF-16) that restarts on failure and logs, and refuses paths cmd.exe would misread', () => {
    const dataDir = path.join(root, 'win data');
    const ran: string[] = [];
    const defaults = { dataDir, script: BIN, scope: 'system' as const, platform: 'win32' as const };
    runService('install', {}, defaults, { out: () => {}, run: (c, a) => void ran.push([c, ...a].join(' ')) });
    const file = path.join(dataDir, 'io-worker-task.xml');
    expect(ran).toEqual([`schtasks /Create /TN IO Worker /XML ${file} /F`, 'schtasks /Run /TN IO Worker']);
    const raw = fs.readFileSync(file);
    expect([...raw.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    const script = [
      'import json,sys,xml.etree.ElementTree as ET',
      'ns={"t":"http://schemas.microsoft.com/windows/2004/02/mit/task"}',
      'root=ET.fromstring(open(sys.argv[1],"rb").read().decode("utf-16"))',
      'f=lambda p: root.find(p,ns).text',
      'print(json.dumps({"command":f("t:Actions/t:Exec/t:Command"),"args":f("t:Actions/t:Exec/t:Arguments"),"user":f("t:Principals/t:Principal/t:UserId"),"restart":f("t:Settings/t:RestartOnFailure/t:Count"),"boot":root.find("t:Triggers/t:BootTrigger",ns) is not None,"limit":f("t:Settings/t:ExecutionTimeLimit")}))',
    ].join('\n');
    const read = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    expect(read.status, read.stderr).toBe(0);
    const task = JSON.parse(read.stdout) as Record<string, unknown>;
    expect(task).toMatchObject({ command: '%SystemRoot%\\System32\\cmd.exe', user: 'S-1-5-18', restart: '999', boot: true, limit: 'PT0S' });
    expect(task.args).toBe(
      `/d /s /c "${process.execPath} ${BIN} serve --data-dir "${dataDir}" --host 127.0.0.1 --port 7420 >> "${path.win32.join(dataDir, 'logs', 'io-worker.log')}" 2>&1"`,
    );
    runService('uninstall', {}, defaults, { out: () => {}, run: (c, a) => void ran.push([c, ...a].join(' ')) });
    expect(ran.slice(2)).toEqual(['schtasks /End /TN IO Worker', 'schtasks /Delete /TN IO Worker /F']);
    expect(() => runService('install', { print: true, 'data-dir': path.join(root, '100% & more') }, defaults, { out: () => {} })).toThrow(/cannot pass safely/);
  });

  it('quotes a Windows argument the way CommandLineToArgvW reads it back', () => {
    expect(windowsArg('C:\\Program Files\\nodejs\\node.exe')).toBe('"C:\\Program Files\\nodejs\\node.exe"');
    expect(windowsArg('plain')).toBe('plain');
    expect(windowsArg('')).toBe('""');
    // A trailing backslash before the closing quote is doubled, or it would escape the quote.
    expect(windowsArg('C:\\data dir\\')).toBe('"C:\\data dir\\\\"');
    expect(windowsArg('say "hi"')).toBe('"say \\"hi\\""');
  });

  it('says which systems it knows elsewhere', () => {
    expect(() => runService('install', {}, { dataDir: root, script: BIN, platform: 'aix' }, { out: () => {} })).toThrow(/systemd \(Linux\), launchd \(macOS\) and Task Scheduler \(Windows\)/);
  });
});
