// Arrow-key movement in a group where only the chosen item is in the Tab order (WAI-ARIA radio
// groups and tabs): arrows step and wrap around, Home and End jump to the ends.

export type Orientation = 'horizontal' | 'both';

/**
 * The index a key moves to from `index` in a group of `count`, or null when the key is not a move.
 * Tabs laid out in a row answer only to Left and Right; radio groups to all four arrows.
 */
export function arrowMove(key: string, index: number, count: number, orientation: Orientation = 'both'): number | null {
  if (count <= 0) return null;
  const from = Math.min(Math.max(index, 0), count - 1);
  const vertical = orientation === 'both';
  if (key === 'ArrowRight' || (vertical && key === 'ArrowDown')) return (from + 1) % count;
  if (key === 'ArrowLeft' || (vertical && key === 'ArrowUp')) return (from - 1 + count) % count;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return null;
}
