import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DesktopNotifier, HIDDEN_FLAG, SleepGuard, autostartEntry, badgeFor, setStartAtLogin, startsAtLogin, type PowerSaveBlockerLike } from './desktop.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-desktop-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('start at login', () => {
  const loginItems = () => {
    let openAtLogin = false;
    return {
      calls: [] as unknown[],
      setLoginItemSettings(settings: { openAtLogin: boolean }) {
        this.calls.push(settings);
        openAtLogin = settings.openAtLogin;
      },
      getLoginItemSettings: () => ({ openAtLogin }),
    };
  };

  it('uses login items on macOS and Windows, starting hidden in the tray', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const items = loginItems();
      const options = { platform, loginItems: items, autostartDir: dir, execPath: '/Applications/IO Worker.app' };
      setStartAtLogin(true, options);
      expect(items.calls).toEqual([{ openAtLogin: true, openAsHidden: true, args: [HIDDEN_FLAG] }]);
      expect(startsAtLogin(options)).toBe(true);
      setStartAtLogin(false, options);
      expect(startsAtLogin(options)).toBe(false);
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  });

  it('writes and removes an XDG autostart entry on Linux', () => {
    const options = { platform: 'linux' as const, loginItems: loginItems(), autostartDir: path.join(dir, 'autostart'), execPath: '/opt/IO Worker/io-worker' };
    expect(startsAtLogin(options)).toBe(false);
    setStartAtLogin(true, options);
    const entry = fs.readFileSync(path.join(dir, 'autostart', 'io-worker.desktop'), 'utf8');
    expect(entry).toContain('Exec="/opt/IO Worker/io-worker" --hidden');
    expect(startsAtLogin(options)).toBe(true);
    setStartAtLogin(false, options);
    expect(startsAtLogin(options)).toBe(false);
    expect(options.loginItems.calls).toEqual([]);
  });

  it('quotes odd characters in the Exec line', () => {
    expect(autostartEntry('/home/a"b/$x`y\\z.AppImage')).toContain('Exec="/home/a\\"b/\\$x\\`y\\\\z.AppImage" --hidden');
  });
});

describe('SleepGuard', () => {
  const blocker = () => {
    const started = new Set<number>();
    let next = 1;
    return {
      started,
      start: vi.fn((_type: string) => {
        started.add(next);
        return next++;
      }),
      stop: vi.fn((id: number) => void started.delete(id)),
      isStarted: (id: number) => started.has(id),
    } satisfies PowerSaveBlockerLike & { started: Set<number> };
  };

  it('prevents sleep while hired and only then', () => {
    const b = blocker();
    const guard = new SleepGuard(b);
    guard.update('earning');
    expect(b.start).not.toHaveBeenCalled();
    guard.update('hired');
    guard.update('hired');
    expect(b.start).toHaveBeenCalledOnce();
    expect(b.start).toHaveBeenCalledWith('prevent-app-suspension');
    expect(guard.preventing).toBe(true);
    guard.update('idle');
    expect(b.stop).toHaveBeenCalledWith(1);
    expect(guard.preventing).toBe(false);
    expect(b.started.size).toBe(0);
  });
});

describe('DesktopNotifier', () => {
  const setup = (enabled = true, supported = true) => {
    const shown: { title: string; body: string; urgency: string }[] = [];
    let on = enabled;
    const notifier = new DesktopNotifier({ isSupported: () => supported, show: (n) => void shown.push(n) }, () => on);
    return { notifier, shown, toggle: (v: boolean) => void (on = v) };
  };

  it('shows each notice once, urgent for errors', () => {
    const { notifier, shown } = setup();
    notifier.notice({ id: 'limit-1', level: 'warning', title: 'GPU 0 crossed 85 °C', body: 'The worker paused.' });
    notifier.notice({ id: 'limit-1', level: 'warning', title: 'GPU 0 crossed 85 °C', body: 'The worker paused.' });
    notifier.notice({ id: 'block-9', level: 'error', title: 'Block failed', body: 'POTL missed.' });
    notifier.notice({ id: 'pay-1', level: 'info', title: 'Payout received', body: '12.5 IO' });
    expect(shown.map((n) => [n.title, n.urgency])).toEqual([
      ['GPU 0 crossed 85 °C', 'normal'],
      ['Block failed', 'critical'],
      ['Payout received', 'low'],
    ]);
  });

  it('tells the user when the worker goes offline, but not at launch or on repeats', () => {
    const { notifier, shown } = setup();
    expect(notifier.status({ state: 'offline', detail: 'x' })).toBe(false);
    notifier.status({ state: 'earning', detail: 'Earning.' });
    notifier.status({ state: 'offline', detail: 'The network does not answer; retrying.' });
    notifier.status({ state: 'offline', detail: 'still' });
    notifier.status({ state: 'idle', detail: 'Idle.' });
    expect(shown).toEqual([{ title: 'Worker offline', body: 'The network does not answer; retrying.', urgency: 'critical' }]);
  });

  it('stays quiet when the user turned notifications off or the OS has none', () => {
    const off = setup(false);
    off.notifier.notice({ id: 'a', level: 'error', title: 't', body: 'b' });
    expect(off.shown).toEqual([]);
    const unsupported = setup(true, false);
    unsupported.notifier.notice({ id: 'a', level: 'error', title: 't', body: 'b' });
    expect(unsupported.shown).toEqual([]);
  });
});

describe('badgeFor', () => {
  it('marks the states that need a look', () => {
    expect(badgeFor('earning')).toBe('');
    expect(badgeFor('offline')).toBe('!');
    expect(badgeFor('paused')).toBe('II');
  });
});
