// The network's coin, written one way everywhere (Home, Earnings, Profitability, the banner, the
// tray, the log): the unit "IO", thousands grouped, precision by size. No zod: the renderer, the
// tray and the log import it alone.

/** Decimals by size: small block rewards keep their digits, large totals do not drown in them. */
function decimals(value: number): { min: number; max: number } {
  const v = Math.abs(value);
  if (v === 0) return { min: 0, max: 0 };
  if (v >= 1000) return { min: 2, max: 2 };
  if (v >= 1) return { min: 2, max: 3 };
  return { min: 2, max: 4 };
}

// Each formatter made once per locale and precision: toLocaleString with options builds a new one
// per call (about 20 µs), and Earnings writes hundreds of amounts.
const formats = new Map<string, Intl.NumberFormat>();
function amountFormat(locale: string | undefined, min: number, max: number): Intl.NumberFormat {
  const key = `${locale ?? ''}|${min}|${max}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.NumberFormat(locale, { minimumFractionDigits: min, maximumFractionDigits: max })));
  return format;
}

/** "9,845.82 IO", "12.345 IO", "0.0123 IO", "0 IO"; a missing amount is an en dash. */
export function formatIO(value: number | null | undefined, locale?: string): string {
  if (value == null || !Number.isFinite(value)) return '–';
  const { min, max } = decimals(value);
  // Below the shown precision but not zero: say so rather than print "0.00".
  if (value !== 0 && Math.abs(value) < 0.00005) return `${value < 0 ? '−' : ''}< 0.0001 IO`;
  return `${amountFormat(locale, min, max).format(value)} IO`;
}

/** With a sign, for a change ("+1.234 IO", "−0.5 IO"). */
export function formatIOChange(value: number, locale?: string): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${formatIO(Math.abs(value), locale)}`;
}
