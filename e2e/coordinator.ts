// A real `io-worker coordinator` process on a fixed port and data dir for e2e specs: stopped and
// started again it is the same network, with the same identity and devices.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './serve.ts';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface CoordinatorProcess {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `io-worker coordinator` and waits for its URL. A fixed port and data dir make a restart the same
 * network; left out, a free port and a data dir of its own (removed with it).
 */
export async function startCoordinator(options: { port?: number; dataDir?: string; paramsFile?: string; adminToken?: string } = {}): Promise<CoordinatorProcess> {
  const args = [path.join(ROOT, 'bin', 'io-worker.mjs'), 'coordinator', '--port', String(options.port ?? 0)];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  if (options.paramsFile) args.push('--params', options.paramsFile);
  // One argument: a random token may begin with a dash, which would read as an option of its own.
  if (options.adminToken) args.push(`--admin-token=${options.adminToken}`);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the coordinator printed no URL:\n${out}`)), 20_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the coordinator exited with ${code}:\n${out}`)));
  });
  return {
    url,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
