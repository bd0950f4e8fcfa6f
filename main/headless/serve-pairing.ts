// `io-worker serve --pair CODE`: joins this machine to the account of the owner who made the code,
// saying each step in the terminal; a code the network refuses stops serve with the network's words.
import type { Core } from '../core.ts';
import { normalizeCode, spaced } from '../worker/pairing.ts';

const TRUST_WAIT_MS = 30_000;

/** Why `--pair` cannot be a code (checked before anything starts), or null. */
export function pairCodeProblem(text: string | undefined): string | null {
  if (text === undefined || normalizeCode(text)) return null;
  return `--pair: "${text}" is not a pairing code; it is 8 letters and digits, such as 7K3M-Q9TX, shown on the owner's dashboard (Add New Device, "Add another machine")`;
}

/** Redeems the code once the network answers, then waits for the owner's machine in the background; returns the stop. */
export async function pairFromServe(core: Core, text: string, io: { out: (t: string) => void; err: (t: string) => void }): Promise<() => void> {
  const started = Date.now();
  while ((await core.handlers['pairing.status']({})).account === null) {
    if (Date.now() - started > TRUST_WAIT_MS) {
      throw new Error(`The network did not answer within ${TRUST_WAIT_MS / 1000} s, and pairing needs it: ${core.status().detail} Start serve with --pair again once it answers.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const first = (await core.handlers['pairing.join']({ code: text })).joining!;
  if (first.state === 'joined') {
    io.out(`Pairing: ${first.detail}\n`);
    return () => {};
  }
  io.out(`Pairing code ${spaced(first.code)} accepted. ${first.detail}\n`);
  let told: string = first.state;
  const timer = setInterval(() => {
    void core.handlers['pairing.status']({}).then(({ joining }) => {
      if (!joining || joining.state === told) return;
      told = joining.state;
      if (joining.state === 'joined') io.out(`${joining.detail} It shows on every dashboard of the account.\n`);
      if (joining.state === 'failed') io.err(`Pairing failed: ${joining.detail} This machine goes on in its own account.\n`);
      if (joining.state !== 'waiting') clearInterval(timer);
    }, () => {});
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
