// Add New Device: a few steps that get this machine earning. Each step checks something real
// (the hardware, the name, the network, the wallet, the connection, the proofs) and says what to fix.
import { useEffect, useState } from 'react';
import type { Inventory, NetworkStatus } from '../../preload/contract/index.ts';
import { api } from '../api';
import { usePoll } from '../components/usePoll';
import { bytes, mib } from '../format';
import { NetworkInUse } from '../components/NetworkInUse';
import { PairMachine } from '../components/PairMachine';
import { useApp } from '../store/app';

const STEPS = ['Hardware', 'Name', 'Network', 'Wallet', 'Connection', 'First proofs', 'Done'] as const;
const GiB = 2 ** 30;

interface Requirement {
  label: string;
  ok: boolean;
  detail: string;
}

/** What a machine needs to be worth lending; GPU owners see the GPU lines, CPU-only machines the rest. */
export function requirements(inventory: Inventory): Requirement[] {
  const freeDisk = Math.max(0, ...inventory.disks.map((d) => d.sizeBytes - d.usedBytes));
  const vram = Math.max(0, ...inventory.gpus.map((g) => g.vramMiB ?? 0));
  const list: Requirement[] = [
    { label: 'Memory', ok: inventory.memory.totalBytes >= 8 * GiB, detail: `${bytes(inventory.memory.totalBytes)} (8 GiB or more)` },
    // One unit system per line: bytes() writes binary units, so the rule is in GiB too.
    { label: 'Free disk', ok: freeDisk >= 50 * 1024 ** 3, detail: `${bytes(freeDisk)} free (50 GiB or more for workloads)` },
  ];
  if (inventory.gpus.length) {
    list.push({ label: 'GPU memory', ok: vram >= 8 * 1024, detail: `${mib(vram)} on the largest card (8 GiB or more)` });
    const nvidia = inventory.gpus.filter((g) => /nvidia/i.test(g.vendor) || g.source === 'nvidia-smi');
    const driver = nvidia.find((g) => g.driver)?.driver ?? null;
    if (nvidia.length) {
      list.push({
        label: 'NVIDIA driver',
        ok: driver !== null && Number(driver.split('.')[0]) >= 525,
        detail: driver ? `${driver} (525 or newer)` : 'not found: install the NVIDIA driver (it brings nvidia-smi), then restart IO Worker',
      });
    }
  } else {
    list.push({ label: 'GPU', ok: true, detail: 'none found: this machine joins as a CPU worker' });
  }
  return list;
}

export function AddDevice() {
  const [step, setStep] = useState(0);
  const next = () => setStep((s) => Math.min(s + 1, STEPS.length - 1));
  return (
    <div className="page">
      <h1>Add New Device</h1>
      <ol className="steps" aria-label="Steps">
        {STEPS.map((name, i) => (
          <li key={name} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : undefined}>
            <button type="button" className="link" onClick={() => setStep(i)}>
              {i + 1}. {name}
            </button>
          </li>
        ))}
      </ol>
      <section className="card" aria-labelledby="step-title">
        <h2 id="step-title">{STEPS[step]}</h2>
        {step === 0 ? <HardwareStep onNext={next} /> : null}
        {step === 1 ? <NameStep onNext={next} /> : null}
        {step === 2 ? <NetworkStep onNext={next} /> : null}
        {step === 3 ? <WalletStep onNext={next} /> : null}
        {step === 4 ? <ConnectionStep onNext={next} /> : null}
        {step === 5 ? <ProofStep onNext={next} /> : null}
        {step === 6 ? <DoneStep /> : null}
      </section>
      <PairMachine />
    </div>
  );
}

function Next({ onNext, label = 'Next', disabled = false }: { onNext: () => void; label?: string; disabled?: boolean }) {
  return (
    <div className="actions section-gap">
      <button type="button" className="primary" onClick={onNext} disabled={disabled}>
        {label}
      </button>
    </div>
  );
}

function HardwareStep({ onNext }: { onNext: () => void }) {
  const inventory = useApp((s) => s.inventory);
  if (!inventory) return <p className="muted">Detecting hardware…</p>;
  const reqs = requirements(inventory);
  return (
    <>
      <p>
        {inventory.cpu.brand}, {bytes(inventory.memory.totalBytes)} memory
        {inventory.gpus.length ? `, ${inventory.gpus.map((g) => g.model).join(', ')}` : ''}.
      </p>
      <ul className="checklist" data-testid="requirements">
        {reqs.map((r) => (
          <li key={r.label} className={r.ok ? 'ok' : 'fail'}>
            <span aria-hidden="true">{r.ok ? '✓' : '✗'}</span>
            <span>
              <strong>{r.label}</strong> <span className="muted">· {r.detail}</span>
            </span>
          </li>
        ))}
      </ul>
      {reqs.some((r) => !r.ok) ? <p className="muted">You can go on, but the network may score this machine low or refuse some work.</p> : null}
      <Next onNext={onNext} />
    </>
  );
}

function NameStep({ onNext }: { onNext: () => void }) {
  const current = useApp((s) => s.status?.deviceName ?? '');
  const rename = useApp((s) => s.rename);
  const [name, setName] = useState(current);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <div className="field">
        <label htmlFor="new-name">A name you will recognise on every dashboard</label>
        <input id="new-name" value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        {error ? <p className="error">{error}</p> : null}
      </div>
      <Next
        label="Save and continue"
        disabled={!name.trim()}
        onNext={() =>
          rename(name)
            .then(onNext)
            .catch((e: Error) => setError(e.message))
        }
      />
    </>
  );
}

function NetworkStep({ onNext }: { onNext: () => void }) {
  const settings = useApp((s) => s.settings);
  const save = useApp((s) => s.saveSettings);
  const [url, setUrl] = useState(settings?.network === 'embedded' ? '' : (settings?.network ?? ''));
  const [error, setError] = useState<string | null>(null);
  const choose = (network: string) =>
    save({ network })
      .then(onNext)
      .catch((e: Error) => setError(e.message));
  return (
    <>
      <p>Where should this machine work? The built-in devnet runs on this machine (good for trying things out); a coordinator joins other machines into one network.</p>
      <NetworkInUse />
      <div className="actions">
        <button type="button" className={settings?.network === 'embedded' ? 'primary' : undefined} onClick={() => choose('embedded')}>
          Use the built-in devnet
        </button>
      </div>
      <div className="field">
        <label htmlFor="coord-url">Or a coordinator’s address</label>
        <div className="inline-form">
          <input id="coord-url" className="mono" placeholder="http://10.0.0.5:7430" value={url} onChange={(e) => setUrl(e.target.value)} />
          <button type="button" disabled={!url.trim()} onClick={() => choose(url.trim())}>
            Use this coordinator
          </button>
        </div>
        {error ? <p className="error">{error}</p> : null}
        <p className="muted small">A new network applies at the next start of the worker.</p>
      </div>
    </>
  );
}

function WalletStep({ onNext }: { onNext: () => void }) {
  const wallet = useApp((s) => s.settings?.wallet.address);
  return (
    <>
      {wallet ? (
        <p>
          Rewards go to <code>{wallet}</code>.
        </p>
      ) : (
        <p className="warning-text">No payout address yet: the machine works, but block rewards need a Solana wallet.</p>
      )}
      <p>
        <a href="#/wallet">{wallet ? 'Change it on the Wallet page' : 'Set it on the Wallet page'}</a> (it checks the address and asks you to confirm).
      </p>
      <Next onNext={onNext} label={wallet ? 'Next' : 'Skip for now'} />
    </>
  );
}

function ConnectionStep({ onNext }: { onNext: () => void }) {
  const [result, setResult] = useState<{ rttMs: number[]; network: NetworkStatus } | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      const rttMs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = performance.now();
        await api.request('system.ping', { nonce: String(i) });
        rttMs.push(performance.now() - start);
      }
      setResult({ rttMs, network: await api.request('worker.eligibility', {}) });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };
  useEffect(() => void run(), []);
  const median = result ? [...result.rttMs].sort((a, b) => a - b)[2]! : null;
  return (
    <>
      <p>The dashboard pings the worker, and the worker’s own speed test against the coordinator sets the connectivity tier.</p>
      {running ? <p className="muted">Testing…</p> : null}
      {error ? <p className="error">{error}</p> : null}
      {result ? (
        <dl className="facts" data-testid="connection-result">
          <dt>Dashboard to worker</dt>
          <dd>{median!.toFixed(1)} ms (median of 5)</dd>
          <dt>Worker to network</dt>
          <dd>
            {result.network.connection}
            {result.network.network ? <span className="muted"> · {result.network.network}</span> : null}
          </dd>
          <dt>Connectivity tier</dt>
          <dd>{result.network.tier === null ? 'not measured yet (the speed test runs after connecting)' : `${result.network.tier} of 4`}</dd>
        </dl>
      ) : null}
      <div className="actions section-gap">
        <button type="button" onClick={run} disabled={running}>
          Test again
        </button>
        <button type="button" className="primary" onClick={onNext}>
          Next
        </button>
      </div>
    </>
  );
}

function ProofStep({ onNext }: { onNext: () => void }) {
  const { value: network } = usePoll<NetworkStatus>(() => api.request('worker.eligibility', {}), 3000);
  const proofs = network?.checks.find((c) => c.id === 'proofs');
  const block = network?.lastBlock;
  return (
    <>
      <p>Every block, the network asks this machine to prove it is alive (POTL: signed answers to unannounced challenges) and that it computes (POW: a matrix product it checks cheaply).</p>
      <p data-testid="proof-state">
        {block ? (
          <>
            Block #{block.block}: <strong>{block.status === 'Completed' ? 'proofs passed' : `failed${block.reason ? `: ${block.reason}` : ''}`}</strong>.
          </>
        ) : (
          <>Waiting for the first block to close{proofs ? ` (${proofs.detail})` : ''}…</>
        )}
      </p>
      <Next onNext={onNext} label={block ? 'Next' : 'Continue without waiting'} />
    </>
  );
}

function DoneStep() {
  const name = useApp((s) => s.status?.deviceName);
  return (
    <>
      <p>
        <strong>{name}</strong> is set up. Home shows whether it is eligible for block rewards and what is still missing.
      </p>
      <div className="actions">
        <a className="button primary" href="#/">
          Go to Home
        </a>
      </div>
    </>
  );
}
