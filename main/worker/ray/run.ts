// Running a short command (python, pip, ray) and collecting its lines, optionally as another user.
import { spawn } from 'node:child_process';

export interface RunAs {
  uid: number;
  gid: number;
}

export interface RunResult {
  code: number | null;
  out: string;
  err: string;
}

export interface RunOptions {
  /** Run as this user (needs root); its supplementary groups are dropped by libuv. */
  as?: RunAs | null;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Each line of output as it comes (install progress). */
  onLine?: (line: string) => void;
}

/** Runs `file args`, never through a shell; resolves with the exit code (null when it could not start). */
export function runCommand(file: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    let partial = '';
    const line = (chunk: string) => {
      if (!o.onLine) return;
      partial += chunk;
      const lines = partial.split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.trim()) o.onLine(l);
    };
    let child;
    try {
      child = spawn(file, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: o.env ?? process.env,
        cwd: o.cwd,
        ...(o.as ? { uid: o.as.uid, gid: o.as.gid } : {}),
      });
    } catch (error) {
      resolve({ code: null, out: '', err: (error as Error).message });
      return;
    }
    const timer = o.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), o.timeoutMs) : null;
    child.stdout.on('data', (d: Buffer) => { out += d; line(d.toString()); });
    child.stderr.on('data', (d: Buffer) => { err += d; line(d.toString()); });
    child.once('error', (error) => { if (timer) clearTimeout(timer); resolve({ code: null, out, err: `${err}${error.message}` }); });
    child.once('close', (code) => {
      if (timer) clearTimeout(timer);
      if (partial.trim()) o.onLine?.(partial);
      resolve({ code, out, err });
    });
  });
}
