// The notices a network session raises when it loses the network and when it comes back: kept in the
// Notifications history (and sent on by alerts), so an owner who was away reads what happened.
import type { OfflineCause } from '../../preload/contract/index.ts';
import { OFFLINE_CAUSE_WORDS } from '../../preload/contract/words.ts';

export interface SessionNotice {
  level: 'info' | 'warning' | 'error';
  title: string;
  body: string;
}

export function disconnectedNotice(cause: OfflineCause, network: string): SessionNotice {
  return {
    level: 'warning',
    title: 'Disconnected from the network',
    body: `${OFFLINE_CAUSE_WORDS[cause]} (${network}). The worker keeps running, keeps its heartbeats and reconnects on its own.`,
  };
}

export function reconnectedNotice(network: string, awaySeconds: number): SessionNotice {
  const s = Math.max(0, Math.round(awaySeconds));
  const away = s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
  return { level: 'info', title: 'Back on the network', body: `Reconnected to ${network} after ${away} away; the heartbeats kept meanwhile are sent now.` };
}
