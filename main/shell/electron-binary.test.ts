import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findElectronBinary } from './electron-binary.ts';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-electron-'));
  fs.mkdirSync(path.join(root, 'node_modules', 'electron', 'dist'), { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe('findElectronBinary', () => {
  it('says the binary was never downloaded when path.txt is missing', () => {
    const result = findElectronBinary(root, {});
    expect(result).toEqual({ found: false, reason: expect.stringMatching(/never downloaded/) });
  });

  it('says which file is missing when path.txt names an absent binary', () => {
    fs.writeFileSync(path.join(root, 'node_modules/electron/path.txt'), 'electron');
    expect(findElectronBinary(root, {})).toEqual({ found: false, reason: expect.stringMatching(/dist.electron is missing/) });
  });

  it('finds dist/<path.txt>', () => {
    fs.writeFileSync(path.join(root, 'node_modules/electron/path.txt'), 'electron\n');
    fs.writeFileSync(path.join(root, 'node_modules/electron/dist/electron'), '');
    expect(findElectronBinary(root, {})).toEqual({ found: true, path: path.join(root, 'node_modules/electron/dist/electron') });
  });

  it('prefers ELECTRON_OVERRIDE_DIST_PATH', () => {
    const dist = path.join(root, 'custom');
    fs.mkdirSync(dist);
    expect(findElectronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: dist }).found).toBe(false);
    fs.writeFileSync(path.join(dist, 'electron'), '');
    expect(findElectronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: dist })).toEqual({ found: true, path: path.join(dist, 'electron') });
  });
});
