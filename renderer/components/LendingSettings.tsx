// Settings → What hires may use: which GPUs are lent (the network sees, scores and hires only
// those) and caps on cores and memory for a hire's Ray node and containers; Ray's port range and
// the owner's own `ray`, if any.
import { useState } from 'react';
import type { LendingSettings as LendingShape } from '../../preload/contract/index.ts';
import { useApp } from '../store/app';
import { errorText } from './AlertSettings';

/** A number field's value: empty means "no cap" (null). */
function cap(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

export function LendingSettings() {
  const settings = useApp((s) => s.settings);
  const inventory = useApp((s) => s.inventory);
  const save = useApp((s) => s.saveSettings);
  const [draft, setDraft] = useState<LendingShape | null>(null);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const lending = draft ?? settings?.lending ?? null;
  if (!lending) return null;
  const edit = (patch: Partial<LendingShape>) => setDraft({ ...lending, ...patch });
  const gpus = inventory?.gpus ?? [];
  const lent = (index: number) => lending.gpus === null || lending.gpus.includes(index);
  const setLent = (index: number, on: boolean) => {
    const current = lending.gpus ?? gpus.map((g) => g.index);
    const next = on ? [...new Set([...current, index])].sort((a, b) => a - b) : current.filter((i) => i !== index);
    edit({ gpus: next.length === gpus.length ? null : next });
  };
  const submit = async () => {
    try {
      await save({ lending });
      setDraft(null);
      setNote({ kind: 'ok', text: 'Saved. A hire that runs now keeps what it started with.' });
    } catch (error) {
      setNote({ kind: 'error', text: errorText(error) });
    }
  };

  return (
    <section className="card section-gap form" aria-labelledby="lending-title" data-testid="lending-settings">
      <h2 id="lending-title">What hires may use</h2>
      <fieldset>
        <legend>GPUs lent to the network</legend>
        {gpus.length === 0 ? <p className="hint">No GPU found on this machine: hires get its CPU.</p> : null}
        {gpus.map((g) => (
          <label key={g.index} className="check-row">
            <input type="checkbox" role="switch" checked={lent(g.index)} onChange={(e) => setLent(g.index, e.target.checked)} />
            GPU {g.index}: {g.model}
          </label>
        ))}
        <p className="hint">The network sees, scores and hires only the GPUs lent here.</p>
      </fieldset>
      <fieldset>
        <legend>Caps for a hire (empty: the whole machine, less a gigabyte of memory)</legend>
        <label htmlFor="lend-cpu">CPU cores</label>
        <input id="lend-cpu" type="number" min={1} max={4096} value={lending.cpuCores ?? ''} onChange={(e) => edit({ cpuCores: cap(e.target.value) })} />
        <label htmlFor="lend-mem">Memory (GiB)</label>
        <input id="lend-mem" type="number" min={0.5} step={0.5} value={lending.memoryGiB ?? ''} onChange={(e) => edit({ memoryGiB: cap(e.target.value) })} />
        <label htmlFor="lend-vram">VRAM (GiB)</label>
        <input id="lend-vram" type="number" min={0.5} step={0.5} value={lending.vramGiB ?? ''} onChange={(e) => edit({ vramGiB: cap(e.target.value) })} />
        <label htmlFor="lend-disk">Disk (GiB)</label>
        <input id="lend-disk" type="number" min={1} value={lending.diskGiB ?? ''} onChange={(e) => edit({ diskGiB: cap(e.target.value) })} />
        <p className="hint">Cores and memory bound a Ray node (--num-cpus, --memory) and a container (--cpus, --memory). VRAM and disk caps are stored but not enforced yet.</p>
      </fieldset>
      <fieldset>
        <legend>Ray</legend>
        <label htmlFor="lend-ports">Ports a Ray node may use (first-last)</label>
        <input id="lend-ports" className="mono" value={lending.rayPorts} onChange={(e) => edit({ rayPorts: e.target.value.trim() })} />
        <label htmlFor="lend-ray">Your own `ray` (full path; empty: the worker installs the hire&apos;s version)</label>
        <input id="lend-ray" className="mono" value={lending.rayPath ?? ''} onChange={(e) => edit({ rayPath: e.target.value.trim() === '' ? null : e.target.value.trim() })} />
      </fieldset>
      <div className="actions">
        <button type="button" className="primary" disabled={!draft} onClick={() => void submit()}>Save what hires may use</button>
        {note ? <span role="status" className={note.kind === 'error' ? 'error' : 'ok'}>{note.text}</span> : null}
      </div>
    </section>
  );
}
