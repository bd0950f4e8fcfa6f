// Hash routes (#/settings): they work the same on app:// in Electron and on HTTP headless.
import { useSyncExternalStore } from 'react';

export const ROUTES = [
  { path: '/', label: 'Home' },
  { path: '/device', label: 'Device details' },
  { path: '/earnings', label: 'Earnings & Rewards' },
  { path: '/workers', label: 'Workers' },
  { path: '/profitability', label: 'Profitability' },
  { path: '/wallet', label: 'Wallet' },
  { path: '/add-device', label: 'Add New Device' },
  { path: '/settings', label: 'Settings' },
] as const;
export type RoutePath = (typeof ROUTES)[number]['path'];

function current(): RoutePath {
  const path = window.location.hash.replace(/^#/, '') || '/';
  return (ROUTES.find((r) => r.path === path)?.path ?? '/') as RoutePath;
}

export function useRoute(): RoutePath {
  return useSyncExternalStore(
    (notify) => {
      window.addEventListener('hashchange', notify);
      return () => window.removeEventListener('hashchange', notify);
    },
    current,
  );
}
