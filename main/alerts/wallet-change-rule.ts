// A payout wallet change waiting on the network (any machine of the account) is an alert while it
// waits: the owner hears of it away from the machine, in time to cancel one that was not theirs.
import type { Alerter } from './alerter.ts';

export interface WalletChangeLike {
  deviceId: string;
  deviceName: string;
  wallet: string;
  previous: string | null;
  effectiveAt: number;
}

/** When it takes effect, in the network's time: an alert is read on another device, in another zone. */
const utc = (t: number) => `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** Raises one alert per waiting change; resolves it once it took effect or was cancelled. Undefined: the network has not said. */
export function watchWalletChanges(alerter: Alerter, changes: WalletChangeLike[] | undefined): void {
  if (!changes) return;
  const waiting = new Set<string>();
  for (const c of changes) {
    const key = `${c.deviceId}:${c.wallet}`;
    waiting.add(key);
    if (alerter.isOpen('wallet-change-pending', key)) continue;
    void alerter.raise('wallet-change-pending', key, {
      level: 'warning',
      title: `Payout address changes to ${c.wallet} at ${utc(c.effectiveAt)}`,
      body: `${c.deviceName}'s payouts move from ${c.previous ?? 'no address'} to ${c.wallet}. If this was not you, cancel it from IO Worker on any of your machines before then.`,
    });
  }
  for (const key of alerter.openKeys('wallet-change-pending')) {
    if (!waiting.has(key)) void alerter.resolve('wallet-change-pending', key, 'The payout address change took effect or was cancelled.');
  }
}
