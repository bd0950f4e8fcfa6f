import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { confBackend } from './conf-backend.ts';
import { SETTINGS_VERSION, defaultSettings, migrateSettings } from './schema.ts';
import { SettingsStore, memoryBackend } from './store.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-settings-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('settings migrations', () => {
  it('starts from defaults when nothing is stored', () => {
    expect(migrateSettings(undefined)).toEqual({ settings: defaultSettings(), fromVersion: 1, repaired: [] });
  });

  it('moves v1 tempLimitC into limits.gpuTemperatureC', () => {
    const { settings, fromVersion } = migrateSettings({ tempLimitC: 78, theme: 'dark' });
    expect(fromVersion).toBe(1);
    expect(settings.limits.gpuTemperatureC).toBe(78);
    expect(settings.theme).toBe('dark');
    expect(settings).not.toHaveProperty('tempLimitC');
  });

  it('repairs invalid fields to defaults and keeps the valid ones', () => {
    const { settings, repaired } = migrateSettings({ schemaVersion: SETTINGS_VERSION, theme: 'neon', sampleIntervalMs: 2000 });
    expect(settings.theme).toBe('system');
    expect(settings.sampleIntervalMs).toBe(2000);
    expect(repaired).toEqual(['theme']);
  });

  it('renames a v2 desktop.minimizeToTray to closeToTray and keeps the rest of the group', () => {
    const { settings, fromVersion, repaired } = migrateSettings({
      schemaVersion: 2,
      theme: 'dark',
      desktop: { startAtLogin: true, minimizeToTray: false, updateChannel: 'beta' },
    });
    expect(fromVersion).toBe(2);
    expect(repaired).toEqual([]);
    expect(settings.desktop).toEqual({ ...defaultSettings().desktop, startAtLogin: true, closeToTray: false, updateChannel: 'beta' });
    expect(settings.desktop).not.toHaveProperty('minimizeToTray');
    expect(settings.theme).toBe('dark');
  });

  it('runs every step from v1, and a closeToTray already there wins over the old name', () => {
    const fromV1 = migrateSettings({ tempLimitC: 70, desktop: { minimizeToTray: false } }).settings;
    expect(fromV1.limits.gpuTemperatureC).toBe(70);
    expect(fromV1.desktop.closeToTray).toBe(false);
    expect(migrateSettings({ schemaVersion: 2, desktop: { minimizeToTray: false, closeToTray: true } }).settings.desktop.closeToTray).toBe(true);
  });

  it('does not rerun a step on a current file', () => {
    const { settings } = migrateSettings({ schemaVersion: SETTINGS_VERSION, desktop: { minimizeToTray: false } });
    expect(settings.desktop.closeToTray).toBe(true);
  });

  it('repairs one bad field of a group and keeps the group\'s others, saying which', () => {
    const { settings, repaired } = migrateSettings({
      schemaVersion: SETTINGS_VERSION,
      desktop: { updateCheckHours: 0, updateFeedUrl: 'file:///etc/passwd', closeToTray: false, notifications: false },
      limits: { gpuTemperatureC: 'hot', gpuHotspotC: 95 },
    });
    expect(repaired.sort()).toEqual(['desktop.updateCheckHours', 'desktop.updateFeedUrl', 'limits.gpuTemperatureC']);
    expect(settings.desktop).toMatchObject({ updateCheckHours: 4, updateFeedUrl: null, closeToTray: false, notifications: false });
    expect(settings.limits).toMatchObject({ gpuTemperatureC: 85, gpuHotspotC: 95 });
    expect(migrateSettings({ schemaVersion: SETTINGS_VERSION, energy: 'cheap' }).repaired).toEqual(['energy']);
  });

  it('survives garbage on disk', () => {
    for (const junk of [null, 42, 'text', [1, 2]]) expect(migrateSettings(junk).settings).toEqual(defaultSettings());
  });
});

describe('settings store', () => {
  it('writes the current schema version back, validates patches and notifies', () => {
    const backend = memoryBackend({ tempLimitC: 80 });
    const store = new SettingsStore(backend);
    expect(backend.value).toMatchObject({ schemaVersion: SETTINGS_VERSION, limits: { gpuTemperatureC: 80 } });
    const seen: number[] = [];
    store.onChange((s) => seen.push(s.sampleIntervalMs));
    store.update({ sampleIntervalMs: 500, limits: { gpuHotspotC: 95 } });
    expect(store.get().limits).toMatchObject({ gpuTemperatureC: 80, gpuHotspotC: 95 });
    expect(seen).toEqual([500]);
    expect(() => store.update({ sampleIntervalMs: 10 })).toThrow();
    expect(store.get().sampleIntervalMs).toBe(500);
  });

  it('live(): one shared frozen value until the next change, which it then shows', () => {
    const store = new SettingsStore(memoryBackend());
    const before = store.live();
    expect(store.live()).toBe(before); // no copy per read: it is read every frame
    expect(() => {
      (before.limits as { gpuTemperatureC: number }).gpuTemperatureC = 1;
    }).toThrow(TypeError);
    store.update({ limits: { gpuTemperatureC: 77 } });
    expect(store.live()).not.toBe(before);
    expect(store.live().limits.gpuTemperatureC).toBe(77);
    expect(before.limits.gpuTemperatureC).not.toBe(77);
    expect(store.get()).toEqual(store.live());
  });

  it('persists through conf in the data dir, atomically, across restarts', () => {
    const dir = tempDir();
    new SettingsStore(confBackend(dir)).update({ deviceName: 'rig-7' });
    const file = path.join(dir, 'settings.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ deviceName: 'rig-7', schemaVersion: SETTINGS_VERSION });
    expect(new SettingsStore(confBackend(dir)).get().deviceName).toBe('rig-7');
  });
});
