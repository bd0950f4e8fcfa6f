// The network's view of this device (worker.eligibility), asked every 5 s while a page shows it, and
// shared: Home's countdown and "Up for" and Device details' continuous uptime read this one answer, so
// they cannot disagree. `receivedAt` is this browser's clock, so a streak grows without clock skew.
import { useEffect } from 'react';
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { NetworkStatus } from '../../preload/contract/index.ts';
import { api } from '../api';
import { news } from './network-news';

export interface NetworkView {
  /** The newest answer that had news in it (its `traffic` is as of then: read useNetworkTraffic). */
  value: NetworkStatus | null;
  receivedAt: number;
  error: string | null;
}

interface NetworkStore extends NetworkView {
  /** This worker's bytes with the network, which move on every heartbeat: kept apart, so only what shows them renders. */
  traffic: NetworkStatus['traffic'];
}

export const useNetworkStore = create<NetworkStore>()(() => ({ value: null, receivedAt: 0, error: null, traffic: null }));

let watchers = 0;
let timer: ReturnType<typeof setInterval> | null = null;
let lastAnswer = '';

export async function reloadNetwork(): Promise<void> {
  try {
    const value = await api.request('worker.eligibility', {});
    // The same answer again is no news: every widget that shows it would render for nothing.
    const answer = news(value);
    const { error, traffic } = useNetworkStore.getState();
    if (answer === lastAnswer && error === null) {
      if (JSON.stringify(traffic) !== JSON.stringify(value.traffic)) useNetworkStore.setState({ traffic: value.traffic });
      return;
    }
    lastAnswer = answer;
    useNetworkStore.setState({ value, receivedAt: Date.now(), error: null, traffic: value.traffic });
  } catch (error) {
    const message = (error as Error).message;
    if (useNetworkStore.getState().error !== message) useNetworkStore.setState({ error: message });
  }
}

/** The shared network view; polling runs while at least one widget uses it. */
export function useNetwork(): NetworkView {
  usePolling();
  return useNetworkStore(useShallow((s) => ({ value: s.value, receivedAt: s.receivedAt, error: s.error })));
}

/** This worker's own traffic with the network, as of the newest answer. */
export function useNetworkTraffic(): NetworkStatus['traffic'] {
  usePolling();
  return useNetworkStore((s) => s.traffic);
}

function usePolling(): void {
  useEffect(() => {
    if (watchers++ === 0) {
      void reloadNetwork();
      timer = setInterval(() => void reloadNetwork(), 5000);
    }
    return () => {
      if (--watchers === 0 && timer) {
        clearInterval(timer);
        timer = null;
      }
    };
  }, []);
}

/** The network's streak in seconds at `now` (browser clock): it grows only while the session runs. */
export function streakSeconds(view: NetworkView, now: number): number | null {
  const streak = view.value?.streak;
  if (!streak) return null;
  return streak.seconds + (streak.running ? Math.max(0, now - view.receivedAt) / 1000 : 0);
}
