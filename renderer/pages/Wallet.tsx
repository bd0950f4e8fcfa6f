// Wallet setup: where block rewards are paid. Checked as you type (by the worker, not the page),
// confirmed before it is saved, and every change kept in the history.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../api';
import { Time } from '../components/Time';
import { clockTime } from '../format';
import { useApp } from '../store/app';
import { useNetwork } from '../store/network';

type Check = { ok: true; address: string } | { ok: false; reason: string } | null;

export function Wallet() {
  const wallet = useApp((s) => s.settings?.wallet);
  const setWallet = useApp((s) => s.setWallet);
  const [input, setInput] = useState('');
  const [check, setCheck] = useState<Check>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const deviceId = useApp((s) => s.status?.deviceId);
  // A change waiting out the network's delay: the network still pays the previous address until then.
  const pending = useNetwork().value?.walletChanges?.find((c) => c.deviceId === deviceId) ?? null;
  const paidTo = pending ? pending.previous : (wallet?.address ?? null);

  useEffect(() => {
    setConfirming(false);
    if (!input.trim()) return setCheck(null);
    let current = true;
    const timer = setTimeout(() => {
      api
        .request('wallet.check', { address: input.slice(0, 64) })
        .then((result) => current && setCheck(result))
        .catch((e: Error) => current && setCheck({ ok: false, reason: e.message }));
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [input]);

  // Enter in the address field: checked now (not after the typing pause); a good address goes to the
  // confirmation, whose button takes focus, so a second Enter saves; a bad one is said at once.
  // Continue is aria-disabled, not disabled: a disabled default button stops Enter from submitting.
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (confirming) return save();
    const address = input.trim();
    if (!address) return setError('Enter a Solana address first.');
    let result: Check;
    try {
      result = await api.request('wallet.check', { address: input.slice(0, 64) });
    } catch (e) {
      result = { ok: false, reason: (e as Error).message };
    }
    setCheck(result);
    if (!result.ok) return setError(`Not saved: ${result.reason}`);
    setError(null);
    setConfirming(true);
  };

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const save = async () => {
    if (!check?.ok) return;
    try {
      await setWallet(check.address);
      setInput('');
      setConfirming(false);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const rows: HistoryRow[] = wallet
    ? [...(wallet.address && wallet.setAt ? [{ address: wallet.address, setAt: wallet.setAt, current: true }] : []), ...wallet.history.map((h) => ({ ...h, current: false }))]
    : [];
  return (
    <div className="page">
      <h1>Wallet</h1>
      <section className="card" aria-labelledby="payout-title">
        <h2 id="payout-title">Payout address</h2>
        {pending ? (
          <p data-testid="wallet-pending">
            Rewards are paid to <code data-testid="wallet-address">{pending.previous ?? 'no address'}</code> until {clockTime(pending.effectiveAt)}, then to{' '}
            <code>{pending.wallet}</code>. The network waits that long before it pays a new address, unless another of your machines
            confirms the change; cancel it in the banner above if it was not you.
          </p>
        ) : wallet?.address ? (
          <p>
            Rewards are paid to <code data-testid="wallet-address">{wallet.address}</code>
            {wallet.setAt ? (
              <span className="muted">
                {' '}
                (set <Time t={wallet.setAt} />)
              </span>
            ) : null}
          </p>
        ) : (
          <p className="warning-text" data-testid="wallet-missing">
            No payout address yet: this machine is not eligible for block rewards until you set one.
          </p>
        )}
      </section>

      <section className="card" aria-labelledby="change-title">
        <h2 id="change-title">{wallet?.address ? 'Change the address' : 'Set the address'}</h2>
        <p className="muted">
          Use a Solana wallet you control (Phantom, Solflare, a hardware wallet).{' '}
          <strong>Do not use an exchange deposit address</strong>: exchanges cannot credit rewards sent to them, and
          those coins are lost.
        </p>
        <form onSubmit={submit}>
          <div className="field">
            <label htmlFor="wallet-input">Solana address</label>
            <input
              id="wallet-input"
              className="mono wide"
              value={input}
              spellCheck={false}
              autoComplete="off"
              maxLength={64}
              placeholder="e.g. 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
              aria-invalid={check ? !check.ok : undefined}
              aria-describedby="wallet-check"
              onChange={(e) => {
                setInput(e.target.value);
                setError(null);
              }}
            />
            <p id="wallet-check" role="status" className={check ? (check.ok ? 'ok' : 'error') : 'muted'}>
              {check ? (check.ok ? 'Valid Solana address (on the ed25519 curve).' : check.reason) : ' '}
            </p>
          </div>
          {!confirming ? (
            <button type="submit" className="primary" aria-disabled={!check?.ok}>
              Continue
            </button>
          ) : (
            <div className="confirm" role="group" aria-label="Confirm the payout address">
              <p>
                Rewards will go to <code>{check?.ok ? check.address : ''}</code>. Check it character by character
                against your wallet app.
                {paidTo ? ' A change of address waits out the network’s delay (another of your machines can confirm it sooner); until then rewards still go to the current one.' : ''}
              </p>
              <button type="submit" className="primary" ref={confirmButton}>
                Confirm and save
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)}>
                Back
              </button>
            </div>
          )}
          {error ? <p className="error" role="alert">{error}</p> : null}
        </form>
      </section>

      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">Change history</h2>
        {wallet && (wallet.address || wallet.history.length) ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Set</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.address}-${row.setAt}`}>
                  <td className="mono">
                    {row.address}{' '}
                    {pending && row.current ? (
                      <span className="badge" data-testid="wallet-badge">from {clockTime(pending.effectiveAt)}</span>
                    ) : (pending ? row.address === pending.previous && row === firstPrevious(rows, pending.previous) : row.current) ? (
                      <span className="badge" data-testid="wallet-badge">current</span>
                    ) : null}
                  </td>
                  <td>
                    <Time t={row.setAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No address has been set on this machine.</p>
        )}
      </section>
    </div>
  );
}

interface HistoryRow {
  address: string;
  setAt: number;
  current: boolean;
}

/** The newest earlier row of an address: the one the network still pays while a change waits. */
function firstPrevious(rows: HistoryRow[], address: string | null): HistoryRow | undefined {
  return rows.find((r) => !r.current && r.address === address);
}
