// The network this worker uses right now, and where that choice came from: Settings, or the command
// line (`io-worker serve --network ...`), which wins over Settings for that run.
import { useApp } from '../store/app';
import { useNetwork } from '../store/network';

export function NetworkInUse() {
  const saved = useApp((s) => s.settings?.network ?? null);
  const network = useNetwork().value;
  if (!network) return null;
  if (network.place === null) return <p className="hint" data-testid="network-in-use">In use now: no network (this worker cannot earn).</p>;
  const where = network.place === 'embedded' ? `the built-in devnet on this machine (${network.network})` : network.place;
  const fromCommandLine = saved !== null && saved !== network.place;
  return (
    <p className="hint" data-testid="network-in-use">
      In use now: <strong className="mono">{where}</strong>
      {fromCommandLine
        ? ' · set on the command line (--network) for this run; the choice saved here applies when the worker starts without it.'
        : ' · as saved here.'}
    </p>
  );
}
