// Vendor tools run in a process group of their own, so a hung tool is ended with everything it
// started: a wrapper script's background children would otherwise hold its pipes open and live on.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

// Windows has no process groups to signal; there the tool itself is ended.
const GROUPS = process.platform !== 'win32';

/** Spawns `executable` as the leader of a new process group (POSIX). */
export function spawnInGroup(executable: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, ...options, detached: GROUPS });
}

/** Ends the tool and every process in its group; harmless when they are gone already. */
export function endGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    if (GROUPS) process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    // ESRCH: the group has no members left
  }
}

export interface ToolRun {
  executable: string;
  args: string[];
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Names the tool in errors ("nvidia-smi"). */
  name: string;
  maxBytes?: number;
  /** Ends the run (and its group) early: the sampler stopped. */
  signal?: AbortSignal;
}

/** Runs a tool once and answers its stdout; on timeout its whole group is ended. */
export function runTool({ executable, args, timeoutMs, env, name, maxBytes = 8 * 1024 * 1024, signal }: ToolRun): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnInGroup(executable, args, { env });
    const abort = () => {
      failure ??= new Error(`${name} ${args[0] ?? ''} was stopped`);
      endGroup(child);
    };
    let stdout = '';
    let stderr = '';
    let failure: Error | null = null;
    let settled = false;
    const settle = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      if (error) reject(error);
      else resolve(stdout);
    };
    const timer = setTimeout(() => {
      failure = new Error(`${name} ${args[0] ?? ''} hung: it did not answer within ${timeoutMs / 1000} s`);
      endGroup(child);
    }, timeoutMs);
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > maxBytes && !failure) {
        failure = new Error(`${name} ${args[0] ?? ''} printed more than ${maxBytes} bytes`);
        endGroup(child);
      }
    });
    child.stderr!.on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      const absent = error.code === 'ENOENT' || error.code === 'EACCES';
      settle(absent ? Object.assign(new Error(`${name} not found at ${executable}`), { code: error.code }) : error);
    });
    // The tool is done: whatever it left running in its group would keep the pipes open.
    child.on('exit', () => endGroup(child));
    child.on('close', (code, signal) => {
      if (failure) return settle(failure);
      if (code === 0) return settle(null);
      const said = `${stdout}\n${stderr}`.trim().split('\n').pop()?.slice(0, 200) ?? '';
      settle(new Error(`${name} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`})${said ? `: ${said}` : ''}`));
    });
  });
}

/** Runs of one tool, one at a time: a second request waits for the first, so a slow tool never piles up copies. */
export class OneAtATime {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** How many runs are queued or running. */
  get pending(): number {
    return this.#waiting;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#waiting++;
    const next = this.#tail.then(task, task).finally(() => {
      this.#waiting--;
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }
}
