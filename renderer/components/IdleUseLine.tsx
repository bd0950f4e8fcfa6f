// On Home: this machine's own use (not a hire's) near the limit above which io.net suspends idle
// devices, from the network's parameters (alerts/idle-use.ts), said while there is time to act.
import { api } from '../api';
import { duration } from './UptimeBar';
import { usePoll } from './usePoll';

export function IdleUseLine() {
  const { value } = usePoll(() => api.request('alerts.status', {}), 10_000);
  const near = value?.idleUse;
  if (!near) return null;
  const name = near.what === 'gpu' ? 'GPU' : 'CPU';
  return (
    <p className="error small" role="alert" data-testid="idle-use-line">
      This machine’s own {name} use is {near.usePct} %{near.forSeconds >= 60 ? ` (for ${duration(near.forSeconds)})` : ''}, {near.usePct >= near.limitPct ? 'at or above' : 'close to'} the {near.limitPct} % the network allows while
      it is not hired: above that for {duration(near.sustainSeconds)}, the network suspends the device. Close what uses the {name}, or pause the worker.
    </p>
  );
}
