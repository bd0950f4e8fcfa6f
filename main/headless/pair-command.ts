// `io-worker pair`: on the owner's machine, a one-time pairing code from the running worker (the same
// one Add New Device shows), with the command to run on the other machine. The code is a short-lived
// secret: whoever redeems it first, within 10 minutes, joins this account once this worker confirms it.
import { spacedCode, type PairingCode } from '../../preload/contract/pairing.ts';
import { clockTime } from '../../preload/contract/block-words.ts';
import { runningWorker } from './status-command.ts';

export async function pairCode(dataDir: string): Promise<PairingCode> {
  return runningWorker(dataDir).ask<PairingCode>('pairing.code', {}, 10_000);
}

export function formatPairCode(code: PairingCode, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((code.expiresAt - now) / 60_000));
  const lines = [
    `Pairing code: ${spacedCode(code.code)}  (single use; expires at ${clockTime()(code.expiresAt)}, in ${minutes} min)`,
    '',
    'On the other machine, in its IO Worker folder:',
    `  npm run io-worker -- serve --network ${code.network} --pair ${code.code}`,
    '',
    'It joins this account once this worker confirms the code (keep it running until then).',
    'Keep the code to yourself: whoever uses it first joins this account.',
  ];
  if (code.loopback) {
    lines.push(`warning: ${code.network} is this machine's own loopback address: another machine cannot reach it. Use a network both machines reach.`);
  }
  return `${lines.join('\n')}\n`;
}
