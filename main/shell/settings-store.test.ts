import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../settings/store.ts';
import {
  DESKTOP_PREFS_VERSION,
  DesktopPrefsStore,
  defaultDesktopPrefs,
  electronStoreBackend,
  migrateDesktopPrefs,
} from './settings-store.ts';

let dir: string;
// electron-store extends conf and adds only Electron's default folder: conf is the same file format.
const open = (name: string) => new Conf<Record<string, unknown>>({ cwd: dir, configName: name, projectName: 'io-worker-test' });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-settings-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('electronStoreBackend', () => {
  it('persists the core settings across restarts, with the schema version', () => {
    const first = new SettingsStore(electronStoreBackend(open('settings')));
    first.update({ deviceName: 'Garage rig', limits: { gpuTemperatureC: 80 } });
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8'));
    expect(onDisk).toMatchObject({ deviceName: 'Garage rig', schemaVersion: expect.any(Number) });
    const second = new SettingsStore(electronStoreBackend(open('settings')));
    expect(second.get()).toMatchObject({ deviceName: 'Garage rig', limits: { gpuTemperatureC: 80 } });
  });

  it('migrates a v1 file (flat tempLimitC) in place', () => {
    fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ deviceName: 'old', tempLimitC: 77 }));
    const store = new SettingsStore(electronStoreBackend(open('settings')));
    expect(store.get().limits.gpuTemperatureC).toBe(77);
  });
});

describe('desktop preferences', () => {
  it('start from defaults and write the current version', () => {
    const file = open('desktop');
    const prefs = new DesktopPrefsStore(file);
    expect(prefs.get()).toEqual(defaultDesktopPrefs());
    expect(file.store.schemaVersion).toBe(DESKTOP_PREFS_VERSION);
  });

  it('migrate v1 allowPrerelease to the update channel', () => {
    expect(migrateDesktopPrefs({ allowPrerelease: true }).prefs.updateChannel).toBe('beta');
    expect(migrateDesktopPrefs({ allowPrerelease: false, closeToTray: false }).prefs).toMatchObject({
      updateChannel: 'stable',
      closeToTray: false,
    });
    const outcome = migrateDesktopPrefs({ schemaVersion: 1, allowPrerelease: true });
    expect(outcome.fromVersion).toBe(1);
    expect(outcome.prefs).not.toHaveProperty('allowPrerelease');
  });

  it('do not rerun a migration on a current file', () => {
    const outcome = migrateDesktopPrefs({ schemaVersion: 2, allowPrerelease: true, updateChannel: 'stable' });
    expect(outcome.prefs.updateChannel).toBe('stable');
  });

  it('repair invalid fields to defaults and say which', () => {
    const outcome = migrateDesktopPrefs({ schemaVersion: 2, updateCheckHours: 0, updateFeedUrl: 'file:///etc/passwd', closeToTray: false });
    expect(outcome.repaired.sort()).toEqual(['updateCheckHours', 'updateFeedUrl']);
    expect(outcome.prefs).toMatchObject({ updateCheckHours: 4, updateFeedUrl: null, closeToTray: false });
    expect(migrateDesktopPrefs('garbage').prefs).toEqual(defaultDesktopPrefs());
  });

  it('reject a bad update whole, keeping the file as it was', () => {
    const file = open('desktop');
    const prefs = new DesktopPrefsStore(file);
    const before = fs.readFileSync(file.path, 'utf8');
    expect(() => prefs.update({ updateChannel: 'nightly' as 'beta' })).toThrow();
    expect(() => prefs.update({ closeToTray: false, bogus: 1 } as never)).toThrow();
    expect(fs.readFileSync(file.path, 'utf8')).toBe(before);
    expect(prefs.get().closeToTray).toBe(true);
  });

  it('persist updates and tell listeners', () => {
    const prefs = new DesktopPrefsStore(open('desktop'));
    const seen: boolean[] = [];
    prefs.onChange((p) => seen.push(p.startAtLogin));
    prefs.update({ startAtLogin: true, updateFeedUrl: 'https://updates.example.com/io-worker' });
    expect(seen).toEqual([true]);
    expect(new DesktopPrefsStore(open('desktop')).get()).toMatchObject({
      startAtLogin: true,
      updateFeedUrl: 'https://updates.example.com/io-worker',
    });
  });
});
