// A payout wallet change waiting on the network, shown on every machine of the account: where the pay
// goes and from when, with Confirm (from any machine but the one that asked) and Cancel.
import { useState } from 'react';
import { api } from '../api';
import { clockTime } from '../format';
import { duration } from './UptimeBar';
import { reloadNetwork, useNetwork } from '../store/network';

export function WalletChangeBanner() {
  const changes = useNetwork().value?.walletChanges ?? [];
  const [error, setError] = useState<string | null>(null);
  if (!changes.length) return null;
  const decide = async (action: 'confirm-wallet' | 'cancel-wallet', deviceId: string, wallet: string) => {
    try {
      await api.request('network.device', { action, deviceId, wallet });
      setError(null);
      await reloadNetwork();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <>
      {changes.map((c) => (
        <div key={c.deviceId} className="banner banner-paused" role="alert" data-testid="wallet-change-banner" style={{ flexWrap: 'wrap' }}>
          <span className="dot" aria-hidden="true" />
          <strong style={{ overflowWrap: 'anywhere' }}>
            Payout address changes to {c.wallet} at {clockTime(c.effectiveAt)}
            {c.effectiveAt - Date.now() >= 60_000 ? ` (in ${duration((c.effectiveAt - Date.now()) / 1000)})` : ''}
          </strong>
          <span style={{ marginLeft: 'auto', display: 'flex', gap: 8 }}>
            {c.mine ? null : (
              <button type="button" onClick={() => void decide('confirm-wallet', c.deviceId, c.wallet)}>
                Confirm
              </button>
            )}
            <button type="button" className="danger" onClick={() => void decide('cancel-wallet', c.deviceId, c.wallet)}>
              Cancel it
            </button>
          </span>
          <span className="banner-detail" style={{ flexBasis: '100%', paddingLeft: 20 }}>
            For {c.deviceName}, now paid to {c.previous ?? 'no address'}.{' '}
            {c.mine
              ? 'Asked from this machine: confirm it from another of your machines to make it pay at once, or cancel it if it was not you.'
              : 'Asked from another machine of your account: confirm it here to make it pay at once, or cancel it if it was not you.'}
            {error ? <span className="error"> {error}</span> : null}
          </span>
        </div>
      ))}
    </>
  );
}
