// `io-worker account export|import`: the owner key's passphrase-protected backup (settings/owner-key-backup.ts).
// The passphrase comes from IO_WORKER_PASSPHRASE (scripts) or a hidden prompt on a terminal, never an argument.
import fs from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from '../lib/private-file.ts';
import { lockIsLive, readLock } from '../lib/data-dir-lock.ts';
import { exportOwnerKey, importOwnerKey, MIN_PASSPHRASE, OwnerKeyBackupError } from '../settings/owner-key-backup.ts';
import { openSecretStore, type SecretStore } from '../settings/secrets.ts';

export class AccountUsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface AccountCommandDeps {
  env?: NodeJS.ProcessEnv;
  /** A hidden prompt (tests pass their own); absent where stdin is no terminal. */
  ask?: (question: string) => Promise<string>;
  openSecrets?: (dataDir: string, preferFile: boolean) => Promise<SecretStore>;
}

type Values = Record<string, string | boolean | undefined>;

export async function runAccount(positionals: string[], values: Values, dataDir: string, io: Io, deps: AccountCommandDeps = {}): Promise<number> {
  const [action, ...rest] = positionals;
  const env = deps.env ?? process.env;
  const ask = deps.ask ?? (process.stdin.isTTY ? askHidden : undefined);
  const open = deps.openSecrets ?? ((dir: string, preferFile: boolean) => openSecretStore({ service: 'io-worker', dataDir: dir, allowPlaintextFile: true, preferFile }));
  const passphrase = async (twice: boolean): Promise<string> => {
    if (env.IO_WORKER_PASSPHRASE !== undefined) return env.IO_WORKER_PASSPHRASE;
    if (!ask) throw new AccountUsageError('No passphrase: set IO_WORKER_PASSPHRASE, or run this on a terminal to be asked for it.');
    const first = await ask(twice ? `Passphrase for the backup (at least ${MIN_PASSPHRASE} characters): ` : 'Passphrase of the backup: ');
    if (twice && (await ask('The same passphrase again: ')) !== first) throw new OwnerKeyBackupError('The two passphrases differ: nothing was written.');
    return first;
  };
  try {
    if (action === 'export') {
      if (rest.length) throw new AccountUsageError(`account export takes no file argument; use --out <file>, not ${rest.join(' ')}`);
      if (typeof values.out !== 'string' || !values.out) throw new AccountUsageError('account export needs --out <file>');
      const out = path.resolve(values.out);
      if (fs.existsSync(out)) throw new OwnerKeyBackupError(`${out} already exists: choose another name (a backup is never overwritten).`);
      const secrets = await open(dataDir, values['secrets-file'] === true);
      const { text, account } = await exportOwnerKey(secrets, await passphrase(true));
      writePrivateFile(out, text);
      io.out(`The owner key of ${account} is in ${out} (0600), encrypted with your passphrase. Keep both: without the passphrase it cannot be restored.\n`);
      return 0;
    }
    if (action === 'import') {
      if (rest.length !== 1) throw new AccountUsageError('account import takes one file: io-worker account import <file>');
      const file = path.resolve(rest[0]!);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (error) {
        throw new OwnerKeyBackupError(`Cannot read ${file}: ${(error as Error).message}`);
      }
      const lock = readLock(dataDir);
      if (lock && lockIsLive(lock)) throw new OwnerKeyBackupError(`A worker runs on ${dataDir} (pid ${lock.pid}): stop it first, then import.`);
      const secrets = await open(dataDir, values['secrets-file'] === true);
      const { account, previous } = await importOwnerKey(secrets, text, await passphrase(false), { replace: values.replace === true });
      io.out(previous === account
        ? `This data dir already holds the owner key of ${account}; nothing changed.\n`
        : `The owner key of ${account} is restored in ${dataDir} (${secrets.backend}). Workers started on it join that account.\n`);
      return 0;
    }
    throw new AccountUsageError(action ? `Unknown account action: ${action} (export or import)` : 'account needs an action: export or import');
  } catch (error) {
    if (error instanceof OwnerKeyBackupError) {
      io.err(`io-worker: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Reads a line from the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done(), resolve(value);
        if (c === '\u0003') return done(), reject(new OwnerKeyBackupError('Cancelled: nothing was changed.'));
        value = c === '\u007f' || c === '\b' ? value.slice(0, -1) : value + c;
      }
    };
    stdin.on('data', onData);
  });
}
