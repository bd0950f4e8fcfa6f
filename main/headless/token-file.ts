// The dashboard token, kept 0600 in the data dir (or where --token-file says), so the link and a
// bookmark of it survive restarts; `io-worker token --rotate` makes a new one, which a running
// worker picks up at its next request (the old link stops working at once).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assertPrivateFile, writePrivateFile } from '../lib/private-file.ts';

export const TOKEN_FILE = 'dashboard-token';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,256}$/;

export const defaultTokenFile = (dataDir: string) => path.join(dataDir, TOKEN_FILE);

export const newToken = () => crypto.randomBytes(32).toString('base64url');

/** Reads the token in `file`, making one when there is none; refuses a file others can read or a token too weak to guard. */
export function loadOrCreateToken(file: string): string {
  assertPrivateFile(file, 'The dashboard token file');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return rotateToken(file);
  }
  if (!TOKEN_PATTERN.test(text)) {
    throw new Error(`The dashboard token in ${file} must be 32 to 256 letters, digits, - or _ (run \`io-worker token --rotate\` to make a good one).`);
  }
  return text;
}

/** Writes a new random token to `file` (0600) and returns it. */
export function rotateToken(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = newToken();
  writePrivateFile(file, `${token}\n`);
  return token;
}

/** The current token: re-read when the file changes, so a rotation needs no restart. */
export function tokenFromFile(file: string, log: (message: string) => void = () => {}): () => string {
  let token = loadOrCreateToken(file);
  let seen = fs.statSync(file).mtimeMs;
  let checkedAt = 0;
  return () => {
    const now = Date.now();
    if (now - checkedAt < 250) return token; // a burst of requests costs one stat
    checkedAt = now;
    try {
      const mtime = fs.statSync(file).mtimeMs;
      if (mtime !== seen) {
        token = loadOrCreateToken(file);
        seen = mtime;
      }
    } catch (error) {
      log(`the dashboard token file could not be re-read, the last token stays: ${(error as Error).message}`);
    }
    return token;
  };
}
