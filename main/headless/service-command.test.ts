// The systemd unit `io-worker service install` writes, checked by systemd itself
// (`systemd-analyze verify`; .ci/run installs Debian's systemd where it is missing).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runService, systemdUnit, unitPath } from './service-command.ts';

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
