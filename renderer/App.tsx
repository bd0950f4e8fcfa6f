// The dashboard frame: navigation landmark, status banner, and the page for the current route.
import { Suspense, lazy, useEffect, useRef } from 'react';
import { StatusBanner } from './components/StatusBanner';
import { Home } from './pages/Home';

// Home ships in the first bundle; every other page loads when it is first opened.
const Block = lazy(() => import('./pages/Block').then((m) => ({ default: m.Block })));
const AddDevice = lazy(() => import('./pages/AddDevice').then((m) => ({ default: m.AddDevice })));
const Device = lazy(() => import('./pages/Device').then((m) => ({ default: m.Device })));
const Earnings = lazy(() => import('./pages/Earnings').then((m) => ({ default: m.Earnings })));
const Profitability = lazy(() => import('./pages/Profitability').then((m) => ({ default: m.Profitability })));
const Settings = lazy(() => import('./pages/Settings').then((m) => ({ default: m.Settings })));
const Wallet = lazy(() => import('./pages/Wallet').then((m) => ({ default: m.Wallet })));
const Workers = lazy(() => import('./pages/Workers').then((m) => ({ default: m.Workers })));
import { ROUTES, focusHeading, useRoute } from './router';
import { useApp } from './store/app';

function useTheme() {
  const theme = useApp((s) => s.settings?.theme ?? 'system');
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      document.documentElement.dataset.theme = theme === 'system' ? (media.matches ? 'dark' : 'light') : theme;
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
}

export function App() {
  useTheme();
  const connection = useApp((s) => s.connection);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  // On navigation (not on the first load), focus goes to the new page's heading, as a screen reader expects.
  const shownRoute = useRef(route);
  useEffect(() => {
    if (shownRoute.current === route || !main.current) return;
    shownRoute.current = route;
    return focusHeading(main.current);
  }, [route]);
  if (connection === 'no-token' || connection === 'unauthorized') return <AccessNeeded reason={connection} />;
  return (
    <div className="layout">
      {/* A hash link would be read as a route: the skip link moves focus itself. */}
      <a
        className="skip-link"
        href="#content"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <nav aria-label="Main">
        <div className="brand">
          <span className="logo" aria-hidden="true">◆</span> IO Worker
        </div>
        <ul>
          {ROUTES.map((r) => (
            <li key={r.path}>
              <a href={`#${r.path}`} aria-current={route === r.path ? 'page' : undefined}>
                {r.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content" ref={main} tabIndex={-1}>
        <StatusBanner />
        <Suspense fallback={<div className="page muted">Loading…</div>}>
          <Page route={route} />
        </Suspense>
      </main>
    </div>
  );
}

function Page({ route }: { route: ReturnType<typeof useRoute> }) {
  switch (route) {
    case '/settings':
      return <Settings />;
    case '/wallet':
      return <Wallet />;
    case '/device':
      return <Device />;
    case '/earnings':
      return <Earnings />;
    case '/workers':
      return <Workers />;
    case '/profitability':
      return <Profitability />;
    case '/add-device':
      return <AddDevice />;
    case '/block':
      return <Block />;
    default:
      return <Home />;
  }
}

function AccessNeeded({ reason }: { reason: 'no-token' | 'unauthorized' }) {
  return (
    <main className="access">
      <div className="card">
        <h1>{reason === 'no-token' ? 'This dashboard needs its access link' : 'This access link is no longer valid'}</h1>
        <p>
          {reason === 'no-token'
            ? 'For your safety, IO Worker only shows data to the link it printed when it started.'
            : 'The worker refused this link’s token. A new token is made each time the worker starts.'}
        </p>
        <p>
          On the machine running the worker, look for the line <code>Open the dashboard: http://…/?token=…</code> in the
          output of <code>io-worker serve</code>, and open that link.
        </p>
      </div>
    </main>
  );
}
