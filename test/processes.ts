// Real processes for tests: start one and wait until its output says it is ready (its output
// kept for the failure message), and a free loopback port for it to listen on.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export interface Started {
  child: ChildProcess;
  output: () => string;
  match: RegExpExecArray;
}

/** Resolves once the output matches `ready`; rejects with the output if it exits or takes over 30 s. Started children join `children`. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, children: Set<ChildProcess>): Promise<Started> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  const what = `${path.basename(command)} ${args[1] ?? ''}`.trim();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} was not ready in 30 s:\n${out}`)), 30_000);
    const check = (chunk: string) => {
      out += chunk;
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match, output: () => out });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', check);
    child.stderr!.setEncoding('utf8').on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${out}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
