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
/** Pages opened from another page (not in the navigation); their parameters follow `?`. */
export const PAGE_ROUTES = ['/block'] as const;
export type RoutePath = (typeof ROUTES)[number]['path'] | (typeof PAGE_ROUTES)[number];

function current(): RoutePath {
  const path = window.location.hash.replace(/^#/, '').replace(/\?.*$/, '') || '/';
  return (ROUTES.find((r) => r.path === path)?.path ?? PAGE_ROUTES.find((r) => r === path) ?? '/') as RoutePath;
}

/** The parameters of the current route (`#/block?device=…&start=…`). */
export function routeParams(): URLSearchParams {
  const hash = window.location.hash;
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

/** The link to one block's page. */
export function blockHref(device: string, blockStart: number): string {
  return `#/block?${new URLSearchParams({ device, start: String(blockStart) }).toString()}`;
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

/**
 * Moves focus to the page's heading once it is in `main` (a page loads lazily on first opening),
 * giving up after a few seconds; the returned function stops waiting.
 */
export function focusHeading(main: HTMLElement, waitMs = 5000): () => void {
  const focus = (): boolean => {
    // The previous page may still be in `main`, hidden while the next one loads: it takes no focus.
    for (const heading of main.querySelectorAll<HTMLElement>('h1')) {
      if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
      heading.focus();
      if (document.activeElement === heading) return true;
    }
    return false;
  };
  if (focus()) return () => {};
  const watch = new MutationObserver(() => {
    if (focus()) stop();
  });
  const timer = setTimeout(() => stop(), waitMs);
  const stop = () => {
    watch.disconnect();
    clearTimeout(timer);
  };
  watch.observe(main, { childList: true, subtree: true });
  return stop;
}
