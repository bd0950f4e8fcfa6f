// A segmented control (15 min / 24 h / 7 d) as a WAI-ARIA radio group: one Tab stop, the arrow
// keys move and choose, Home and End jump to the ends.
import { useRef, type KeyboardEvent } from 'react';
import { arrowMove } from './arrow-keys';

interface Props<T extends string> {
  label: string;
  options: readonly { id: T; label: string }[];
  value: T;
  onChange: (id: T) => void;
}

export function Segmented<T extends string>({ label, options, value, onChange }: Props<T>) {
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const next = arrowMove(event.key, options.findIndex((o) => o.id === value), options.length);
    if (next === null) return;
    event.preventDefault();
    onChange(options[next]!.id);
    buttons.current[next]?.focus();
  };
  return (
    <div className="segmented" role="radiogroup" aria-label={label} onKeyDown={onKeyDown}>
      {options.map((o, i) => (
        <button
          key={o.id}
          ref={(el) => {
            buttons.current[i] = el;
          }}
          type="button"
          role="radio"
          aria-checked={o.id === value}
          tabIndex={o.id === value ? 0 : -1}
          onClick={() => onChange(o.id)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}
