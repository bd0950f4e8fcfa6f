import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateToken, rotateToken, tokenFromFile } from './token-file.ts';

const dirs: string[] = [];
const tempFile = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iw-token-'));
  dirs.push(dir);
  return path.join(dir, 'dashboard-token');
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('dashboard token file', () => {
  it('is made once (0600) and read back the same; rotate replaces it', () => {
    const file = tempFile();
    const first = loadOrCreateToken(file);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken(file)).toBe(first);
    const second = rotateToken(file);
    expect(second).not.toBe(first);
    expect(loadOrCreateToken(file)).toBe(second);
  });

  it('refuses a file others can read, and a weak token, saying what to do', () => {
    const file = tempFile();
    fs.writeFileSync(file, 'x'.repeat(40), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    expect(() => loadOrCreateToken(file)).toThrow(`chmod 600 ${file}`);
    fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, 'short');
    expect(() => loadOrCreateToken(file)).toThrow(/token --rotate/);
  });

  it('a running worker picks up a rotated token', async () => {
    const file = tempFile();
    const current = tokenFromFile(file);
    const before = current();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = rotateToken(file);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(current()).toBe(after);
    expect(after).not.toBe(before);
  });
});
