// The packaging config, checked without building (no Electron binary can be downloaded here):
// electron-builder's own schema accepts it, every fuse is named and set as the checklist wants,
// every OS gets its targets, and what the app loads at run time is inside the package.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FuseV1Options } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import { decodePng } from './png.ts';

const require = createRequire(import.meta.url);
const root = process.cwd();
const CONFIG = path.join(root, 'build/electron-builder.config.cjs');
type Target = { target: string; arch: string[] };
type BuilderConfig = {
  asar: boolean;
  asarUnpack: string[];
  files: string[];
  electronFuses: Record<string, boolean>;
  publish: { provider: string; url: string; channel: string }[];
  detectUpdateChannel: boolean;
  generateUpdatesFilesForAllChannels: boolean;
  win: { target: Target[]; icon: string };
  mac: { target: Target[]; icon: string; hardenedRuntime: boolean; entitlements: string };
  linux: { target: Target[]; icon: string };
};
const config = require(CONFIG) as BuilderConfig;

describe('build/electron-builder.config.cjs', () => {
  it('is what package.json’s dist script uses', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.dist).toContain('--config build/electron-builder.config.cjs');
  });

  it('passes electron-builder’s own configuration schema', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
    await expect(validateConfiguration(config, { add() {}, isEnabled: false })).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, fusez: {} }, { add() {}, isEnabled: false })).rejects.toThrow(/fusez/);
  });

  it('names every fuse Electron has, none left to its default', () => {
    const names = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));
    const keys = names.map((name) => name[0].toLowerCase() + name.slice(1));
    expect(Object.keys(config.electronFuses).sort()).toEqual(keys.sort());
    for (const key of keys) expect(typeof config.electronFuses[key], key).toBe('boolean');
  });

  it('burns the fuses the security checklist asks for', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
  });

  it('builds NSIS on Windows, dmg + zip on macOS, AppImage + deb on Linux', () => {
    const targets = (list: Target[]) => list.map((t) => t.target).sort();
    expect(targets(config.win.target)).toEqual(['nsis']);
    expect(targets(config.mac.target)).toEqual(['dmg', 'zip']);
    expect(targets(config.linux.target)).toEqual(['AppImage', 'deb']);
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(fs.readFileSync(path.join(root, config.mac.entitlements), 'utf8')).toContain('com.apple.security.cs.allow-jit');
  });

  it('publishes to a generic https feed with stable and beta channels', () => {
    expect(config.publish).toEqual([{ provider: 'generic', url: expect.stringMatching(/^https:\/\//), channel: 'latest' }]);
    expect(config.detectUpdateChannel).toBe(true);
    expect(config.generateUpdatesFilesForAllChannels).toBe(true);
  });

  it('takes the feed URL from IO_WORKER_UPDATE_URL at build time', () => {
    const previous = process.env.IO_WORKER_UPDATE_URL;
    process.env.IO_WORKER_UPDATE_URL = 'https://updates.example.com/io-worker';
    try {
      delete require.cache[CONFIG];
      expect((require(CONFIG) as BuilderConfig).publish[0].url).toBe('https://updates.example.com/io-worker');
    } finally {
      if (previous === undefined) delete process.env.IO_WORKER_UPDATE_URL;
      else process.env.IO_WORKER_UPDATE_URL = previous;
      delete require.cache[CONFIG];
    }
  });

  it('packs the built app and runtime resources, and unpacks native modules', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/**/*', 'resources/**/*', 'package.json']));
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/node_modules/keytar/**']));
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.main).toBe('./out/main/index.js');
  });

  it('has a 512 px icon for every platform', () => {
    for (const icon of [config.win.icon, config.mac.icon, config.linux.icon]) {
      expect(decodePng(fs.readFileSync(path.join(root, icon))).width).toBeGreaterThanOrEqual(512);
    }
  });
});
