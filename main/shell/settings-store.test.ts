import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SettingsStore } from '../settings/store.ts';
import { SETTINGS_VERSION, defaultSettings } from '../settings/schema.ts';
import { electronStoreBackend } from './settings-store.ts';

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

// The desktop preferences are the `desktop` group of the one settings schema: same file, same
// migrations, same validation as every other setting.
describe('desktop preferences in the core settings', () => {
  it('start from defaults in settings.json, with no second file', () => {
    const file = open('settings');
    const settings = new SettingsStore(electronStoreBackend(file));
    expect(settings.get().desktop).toEqual(defaultSettings().desktop);
    expect(settings.get().desktop).toEqual({
      startAtLogin: false,
      closeToTray: true,
      updateChannel: 'stable',
      updateFeedUrl: null,
      updateCheckHours: 4,
      notifications: true,
    });
    expect(file.store.schemaVersion).toBe(SETTINGS_VERSION);
    expect(fs.readdirSync(dir)).toEqual(['settings.json']);
  });

  it('migrate a v2 file (desktop.minimizeToTray) in place', () => {
    fs.writeFileSync(
      path.join(dir, 'settings.json'),
      JSON.stringify({ schemaVersion: 2, desktop: { startAtLogin: true, minimizeToTray: false, updateChannel: 'beta' } }),
    );
    const settings = new SettingsStore(electronStoreBackend(open('settings')));
    expect(settings.get().desktop).toMatchObject({ startAtLogin: true, closeToTray: false, updateChannel: 'beta', updateCheckHours: 4 });
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8'));
    expect(onDisk.schemaVersion).toBe(SETTINGS_VERSION);
    expect(onDisk.desktop).not.toHaveProperty('minimizeToTray');
    expect(onDisk.desktop.closeToTray).toBe(false);
  });

  it('reject a bad update whole, keeping the file as it was', () => {
    const file = open('settings');
    const settings = new SettingsStore(electronStoreBackend(file));
    const before = fs.readFileSync(file.path, 'utf8');
    expect(() => settings.update({ desktop: { updateChannel: 'nightly' as 'beta' } })).toThrow();
    expect(() => settings.update({ desktop: { closeToTray: false, bogus: 1 } as never })).toThrow();
    expect(() => settings.update({ desktop: { updateFeedUrl: 'file:///etc/passwd' } })).toThrow();
    expect(() => settings.update({ desktop: { updateCheckHours: 0 } })).toThrow();
    expect(fs.readFileSync(file.path, 'utf8')).toBe(before);
    expect(settings.get().desktop.closeToTray).toBe(true);
  });

  it('persist updates, keep the other desktop fields, and tell listeners', () => {
    const settings = new SettingsStore(electronStoreBackend(open('settings')));
    settings.update({ desktop: { closeToTray: false } });
    const seen: boolean[] = [];
    settings.onChange((s) => seen.push(s.desktop.startAtLogin));
    settings.update({ desktop: { startAtLogin: true, updateFeedUrl: 'https://updates.example.com/io-worker' } });
    expect(seen).toEqual([true]);
    expect(new SettingsStore(electronStoreBackend(open('settings'))).get().desktop).toMatchObject({
      startAtLogin: true,
      closeToTray: false,
      updateFeedUrl: 'https://updates.example.com/io-worker',
    });
  });
});
