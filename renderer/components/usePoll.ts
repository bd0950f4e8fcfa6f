import { useEffect, useRef, useState } from 'react';

/**
 * Loads on mount and every `everyMs` while the widget is shown; keeps the last good value and the
 * last error. `reload` asks again at once (after a user action).
 */
export function usePoll<T>(load: () => Promise<T>, everyMs = 30_000): { value: T | null; error: string | null; reload: () => void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  // The latest closure, without restarting the timer on every render.
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    let last = '';
    const run = () =>
      loader
        .current()
        .then((v) => {
          if (!live) return;
          setError(null);
          // The same answer again is no news: the widget does not re-render for it.
          const text = JSON.stringify(v);
          if (text === last) return;
          last = text;
          setValue(v);
        })
        .catch((e: Error) => live && setError(e.message));
    run();
    const timer = setInterval(run, everyMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [everyMs, nonce]);
  return { value, error, reload: () => setNonce((n) => n + 1) };
}
