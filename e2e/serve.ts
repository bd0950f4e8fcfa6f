// Starts a real `io-worker serve` on a free port with a fresh data dir, and hands back its URL.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { APIRequestContext } from '@playwright/test';

export interface Served {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  output: () => string;
  /** Stops the worker; its data dir goes too unless `keepDataDir` (a restart on the same folder). */
  stop(options?: { keepDataDir?: boolean }): Promise<void>;
}

export const ROOT = path.resolve(import.meta.dirname, '..');

export async function startServe(
  env: NodeJS.ProcessEnv = {},
  extraArgs: string[] = [],
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'io-worker-e2e-')),
): Promise<Served> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'io-worker.mjs'), 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 30 s:\n${output}`)), 30_000);
    const check = () => {
      const match = /Open the dashboard: (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${output}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    dataDir,
    output: () => output,
    async stop(options) {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!options?.keepDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A duration as the pages write it, "1 h 02 min 03 s", in seconds (3723). */
export function seconds(text: string | null): number {
  const t = text ?? '';
  const part = (unit: string) => Number(new RegExp(`(\\d+) ${unit}(?![a-z])`).exec(t)?.[1] ?? 0);
  return part('h') * 3600 + part('min') * 60 + part('s');
}

/** One contract request to the worker, as the dashboard makes it; a refusal fails with its error. */
export async function rpc<T>(request: APIRequestContext, served: Served, channel: string, args: unknown = {}): Promise<T> {
  const res = await request.post(`${served.origin}/api/rpc/${channel}`, { data: args, headers: { authorization: `Bearer ${served.token}` } });
  const body = (await res.json()) as { ok: boolean; result?: T; error?: unknown };
  if (!res.ok() || !body.ok) throw new Error(`${channel} (HTTP ${res.status()}): ${JSON.stringify(body.error)}`);
  return body.result as T;
}
