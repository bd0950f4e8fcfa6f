// A Ray node runs the renter's code, so it never runs as the user that holds the owner's keys: the
// worker (as root) sets up the unprivileged system user `io-worker-ray` and runs the node as it.
// Where that is impossible, Ray hires are refused and the reason is shown on the Services tab.
import fs from 'node:fs';
import { runCommand, type RunAs } from './run.ts';

export const RAY_USER = 'io-worker-ray';

export type Isolation = ({ ok: true; user: string } & RunAs) | { ok: false; reason: string };

/** Finds or creates the Ray user; says why not where it cannot. */
export async function ensureRayUser(user = RAY_USER): Promise<Isolation> {
  if (process.platform !== 'linux') {
    return { ok: false, reason: 'Ray hires need Linux here: the worker runs the Ray node as its own unprivileged user, so it cannot read your keys.' };
  }
  const existing = await lookupUser(user);
  if (process.getuid?.() !== 0) {
    return { ok: false, reason: `Ray hires are refused: the worker must run as root to run the Ray node as the unprivileged user ${user}, away from your keys and data.` };
  }
  if (existing) return existing.uid === 0 || existing.gid === 0 ? { ok: false, reason: `The user ${user} is privileged (uid or gid 0); Ray hires are refused.` } : { ok: true, user, ...existing };
  const useradd = ['/usr/sbin/useradd', '/sbin/useradd', '/usr/bin/useradd'].find((f) => fs.existsSync(f));
  if (!useradd) return { ok: false, reason: `Ray hires are refused: useradd is missing, so the worker cannot create the unprivileged user ${user}.` };
  const shell = fs.existsSync('/usr/sbin/nologin') ? '/usr/sbin/nologin' : '/bin/false';
  const made = await runCommand(useradd, ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', shell, user], { timeoutMs: 15_000 });
  const created = await lookupUser(user);
  if (!created) return { ok: false, reason: `Ray hires are refused: could not create the user ${user} (${(made.err || `exit code ${made.code}`).trim().slice(0, 160)}).` };
  return { ok: true, user, ...created };
}

/** The user's uid and gid from the passwd database (getent, so NSS sources count too). */
export async function lookupUser(user: string): Promise<RunAs | null> {
  const found = await runCommand('getent', ['passwd', user], { timeoutMs: 5000 });
  const fields = found.code === 0 ? found.out.trim().split(':') : [];
  if (fields.length < 4) return null;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
}
