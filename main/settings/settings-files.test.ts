// The settings file against hostile disks and hands: wrong types are repaired with a copy of the old
// file and a notice naming what was reset, an unreadable file is moved aside, and a kill mid-write
// leaves no temp file behind after the next start.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { confBackend } from './conf-backend.ts';
import { SETTINGS_VERSION } from './schema.ts';
import { openSecretStore } from './secrets.ts';
import { SettingsStore } from './store.ts';

const WRITER = fileURLToPath(new URL('./testing/settings-writer.ts', import.meta.url));
const T = Date.UTC(2026, 10, 20, 10, 42, 5);
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-settings-files-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('settings with wrong types', () => {
  it('are repaired, with a copy of the old file and a notice saying what was reset', () => {
    const dir = tempDir();
    const file = path.join(dir, 'settings.json');
    const old = JSON.stringify({ schemaVersion: SETTINGS_VERSION, deviceName: 'rig-7', theme: 'neon', limits: { gpuTemperatureC: 'hot', gpuHotspotC: 95 } });
    fs.writeFileSync(file, old);
    const store = new SettingsStore(confBackend(dir), { now: () => T });

    expect(store.get()).toMatchObject({ deviceName: 'rig-7', theme: 'system', limits: { gpuTemperatureC: 85, gpuHotspotC: 95 } });
    expect(store.backup).toBe(`${file}.bak-2026-11-20T10-42-05Z`);
    expect(fs.readFileSync(store.backup!, 'utf8')).toBe(old);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ theme: 'system', limits: { gpuTemperatureC: 85 } });
    expect(store.noticesAtStart).toHaveLength(1);
    expect(store.noticesAtStart[0]).toMatchObject({ level: 'warning', title: 'Some settings were reset' });
    expect(store.noticesAtStart[0].body).toContain('theme, limits.gpuTemperatureC');
    expect(store.noticesAtStart[0].body).toContain(store.backup!);
    // a clean file on the next start: nothing more to repair or keep
    const again = new SettingsStore(confBackend(dir), { now: () => T + 1000 });
    expect(again.backup).toBeNull();
    expect(again.noticesAtStart).toEqual([]);
  });

  it('an unreadable file is moved aside and the worker starts from defaults, saying so', () => {
    const dir = tempDir();
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{"deviceName": "rig-7", "theme": ');
    const store = new SettingsStore(confBackend(dir), { now: () => T });
    expect(store.get().theme).toBe('system');
    expect(fs.readFileSync(store.backup!, 'utf8')).toBe('{"deviceName": "rig-7", "theme": ');
    expect(store.noticesAtStart[0]).toMatchObject({ title: 'Settings could not be read' });
    expect(store.noticesAtStart[0].body).toMatch(/not valid JSON.*default settings.*kept as/);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ schemaVersion: SETTINGS_VERSION });
  });
});

describe('a kill mid-write', () => {
  it('leaves a settings.json.tmp-* that the next start removes', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const temps = () => fs.readdirSync(dir).filter((n) => /^settings\.json\.tmp-/.test(n));
    // Freeze the writer until one freeze lands between the temp file's creation and its rename.
    let caught: string[] = [];
    for (let tries = 0; tries < 500 && caught.length === 0; tries++) {
      child.kill('SIGSTOP');
      caught = temps();
      if (caught.length === 0) {
        child.kill('SIGCONT');
        await sleep(1 + (tries % 3));
      }
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    expect(caught.length, 'a kill landed mid-write').toBeGreaterThan(0);
    expect(temps()).toEqual(caught); // SIGKILL skips every exit hook: the temp file is orphaned

    const store = new SettingsStore(confBackend(dir));
    expect(temps()).toEqual([]);
    expect(store.get().deviceName).toMatch(/^rig-(first|\d+)$/); // the last whole write survived
  }, 30_000);
});

describe('the secrets file', () => {
  it("removes a temp file a killed write left (it may hold a secret), not one another running worker is writing", async () => {
    const dir = tempDir();
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('close', resolve));
    fs.writeFileSync(path.join(dir, `secrets.json.${dead.pid}.tmp`), '{"device-key":"half');
    fs.writeFileSync(path.join(dir, `secrets.json.${process.ppid}.tmp`), '{}'); // a live process's write in progress
    const store = await openSecretStore({ service: 's', dataDir: dir, keytar: null, allowPlaintextFile: true });
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')).sort()).toEqual([`secrets.json.${process.ppid}.tmp`]);
    await store.set('device-key', 'whole');
    expect(await store.get('device-key')).toBe('whole');
  });
});
