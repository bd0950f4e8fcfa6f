// Add New Device's "Add another machine": a one-time pairing code with its countdown and the commands
// for the other machine (Ubuntu, Windows), what became of the code, and joining this machine to
// another owner's account with theirs.
import { useState } from 'react';
import { spacedCode as spaced, type PairingCode, type PairingStatus } from '../../preload/contract/pairing.ts';
import { api } from '../api';
import { usePoll } from './usePoll';
import { useNow } from './useNow';

const PRE = { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', padding: '8px 10px', borderRadius: 6, background: 'var(--bg)', margin: '4px 0 0' } as const;

/** What to type on the other machine, per system, for this code and network. */
export function pairingCommands(network: string, code: string): { system: string; lines: string[] }[] {
  const serve = `npm run io-worker -- serve --network ${network} --pair ${spaced(code)}`;
  return [
    {
      system: 'Ubuntu',
      lines: [
        'sudo apt install -y build-essential libsecret-1-dev   # Node.js 22.18 or newer too: https://nodejs.org',
        'cd io-worker   # a copy of IO Worker, the same version as this one',
        'npm ci',
        serve,
      ],
    },
    {
      system: 'Windows (PowerShell)',
      lines: [
        'winget install OpenJS.NodeJS.LTS   # and Visual Studio Build Tools, "Desktop development with C++"',
        'cd io-worker   # a copy of IO Worker, the same version as this one',
        'npm ci',
        serve,
      ],
    },
  ];
}

/** "9 min 41 s" left, or null once it is over. */
function left(expiresAt: number, now: number): string | null {
  const s = Math.ceil((expiresAt - now) / 1000);
  if (s <= 0) return null;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export function PairMachine() {
  const [code, setCode] = useState<PairingCode | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const { value: status, reload } = usePoll<PairingStatus>(() => api.request('pairing.status', {}), code ? 2000 : 10_000);
  const now = useNow(1000, code !== null);
  const ask = async () => {
    setAsking(true);
    setError(null);
    try {
      setCode(await api.request('pairing.code', {}));
      reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setAsking(false);
    }
  };
  const shown = code ? status?.codes.find((c) => c.code === code.code) : undefined;
  const remaining = code ? left(code.expiresAt, now) : null;
  return (
    <section className="card section-gap" aria-labelledby="pair-title" data-testid="add-machine">
      <h2 id="pair-title">Add another machine</h2>
      {status?.member ? (
        <p data-testid="pair-member">
          This machine is paired into account <code>{status.member.account}</code>: pairing codes are made on the owner’s machine, which holds the account key.
        </p>
      ) : (
        <>
          <p>
            Run IO Worker on the other machine and join it to this account with a one-time code (10 minutes, single use). No key leaves this machine: it
            signs for the other machine’s own key, and deleting that machine later takes its rights away.
          </p>
          {!code ? (
            <div className="actions">
              <button type="button" className="primary" onClick={ask} disabled={asking}>
                Add another machine
              </button>
            </div>
          ) : (
            <>
              <p data-testid="pair-code" aria-label="Pairing code">
                <span className="mono" style={{ fontSize: 30, fontWeight: 700, letterSpacing: '0.12em', ...(shown?.state === 'joined' || !remaining ? { textDecoration: 'line-through', opacity: 0.5 } : {}) }}>
                  {spaced(code.code)}
                </span>
              </p>
              <p data-testid="pair-state" aria-live="polite">
                {shown?.state === 'joined' && shown.machine ? (
                  <strong>
                    {shown.machine.name} ({shown.machine.deviceId}) joined with this code: it is on Home’s “Your devices” now.
                  </strong>
                ) : remaining ? (
                  <>Expires in {remaining}. Waiting for the other machine… Keep the code to yourself: whoever uses it first joins this account.</>
                ) : (
                  <span className="warning-text">This code expired: make a new one.</span>
                )}
              </p>
              {/* A used or expired code cannot join anything: its commands would only mislead. */}
              {shown?.state !== 'joined' && remaining ? (
                <>
                  {code.loopback ? (
                    <div className="warning-text" data-testid="pair-loopback">
                      <p>
                        {code.network} is a loopback address: only this machine reaches it. For another machine, choose a coordinator both machines
                        reach (step Network). A second worker on this machine joins with its own data dir and port:
                      </p>
                      <pre className="mono" style={PRE} data-testid="pair-same-machine">{`npm run io-worker -- serve --network ${code.network} --data-dir ./w2 --port 0 --pair ${spaced(code.code)}`}</pre>
                    </div>
                  ) : null}
                  {pairingCommands(code.network, code.code).map((c) => (
                    <div key={c.system} className="field" data-testid="pair-commands">
                      <strong>{c.system}</strong>
                      <pre className="mono" style={PRE}>{c.lines.join('\n')}</pre>
                    </div>
                  ))}
                  <p className="muted small">Or, in the other machine’s own IO Worker: Add New Device, “Join this machine to an account”, and type the code.</p>
                </>
              ) : (
                <p className="muted" data-testid="pair-spent">
                  {shown?.state === 'joined' ? 'This code is used up: each code joins one machine.' : 'This code can no longer be used.'} For another machine, make a new code.
                </p>
              )}
              <div className="actions">
                <button type="button" onClick={ask} disabled={asking}>
                  New code
                </button>
              </div>
            </>
          )}
        </>
      )}
      {error ? <p className="error">{error}</p> : null}
      <JoinAccount status={status} onChange={reload} />
    </section>
  );
}

/** The wizard's way to do what `serve --pair CODE` does: join this machine to the owner's account. */
function JoinAccount({ status, onChange }: { status: PairingStatus | null; onChange: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const joining = status?.joining;
  const join = async () => {
    setError(null);
    try {
      await api.request('pairing.join', { code: text });
      onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="field section-gap" style={{ borderTop: '1px solid var(--border)', paddingTop: 12 }}>
      {/* Apart from the code above: that one is for another machine, this field takes someone else's code for this one. */}
      <h3 style={{ margin: '0 0 6px' }}>Or join this machine to another account</h3>
      <label htmlFor="join-code">Join this machine to an account: the code from the owner’s dashboard</label>
      <div className="inline-form">
        <input id="join-code" className="mono" placeholder="7K3M-Q9TX" maxLength={32} value={text} onChange={(e) => setText(e.target.value)} />
        <button type="button" disabled={!text.trim() || joining?.state === 'waiting'} onClick={join}>
          Join
        </button>
      </div>
      {joining ? (
        <p className={joining.state === 'failed' ? 'error' : undefined} data-testid="join-state">
          {joining.detail}
        </p>
      ) : null}
      {error ? <p className="error">{error}</p> : null}
    </div>
  );
}
