// The figures beside a chart, per line: now, minimum, maximum and average over the chosen range
// (HWiNFO's columns). React lays out the rows when the lines change; the figures are written
// straight into the cells as data arrives, like LiveText: no React render per tick.
import type { Ref } from 'react';
import { statText, type Stats } from './chart-stats';

export interface StatsRow {
  label: string;
  stats: Stats;
}

interface Props {
  caption: string;
  /** The figures' unit, said once in the table's corner (" MHz"); the cells carry bare numbers, so four fit a small card. */
  unit: string;
  lines: readonly { label: string; color: string }[];
  body: Ref<HTMLTableSectionElement>;
}

export function ChartStats({ caption, unit, lines, body }: Props) {
  return (
    <table className="chart-stats" data-testid="chart-stats">
      <caption className="sr-only">{caption}</caption>
      {/* Fixed columns: a figure that changes lays out its own box only, never the table or the page. */}
      <colgroup>
        <col />
        <col className="chart-stats-num" />
        <col className="chart-stats-num" />
        <col className="chart-stats-num" />
        <col className="chart-stats-num" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col" className="chart-stats-unit">
            <span className="sr-only">Line, figures in</span> {unit.trim()}
          </th>
          <th scope="col" className="num">Now</th>
          <th scope="col" className="num">Min</th>
          <th scope="col" className="num">Max</th>
          <th scope="col" className="num">Avg</th>
        </tr>
      </thead>
      <tbody ref={body}>
        {lines.map((l) => (
          <tr key={l.label} data-label={l.label}>
            <th scope="row">
              <span className="swatch" style={{ background: l.color }} aria-hidden="true" />
              {l.label}
            </th>
            <td className="num"><span className="figure" /></td>
            <td className="num"><span className="figure" /></td>
            <td className="num"><span className="figure" /></td>
            <td className="num"><span className="figure" /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Writes the figures into the table's cells, touching only the cells whose text changes. */
export function paintStats(body: HTMLTableSectionElement | null, rows: readonly StatsRow[], format: (value: number) => string): void {
  if (!body) return;
  for (const tr of body.rows) {
    const stats = rows.find((r) => r.label === tr.dataset.label)?.stats;
    const cells = tr.cells;
    write(cells[1], stats ? statText(stats.latest, format) : '–');
    write(cells[2], stats ? statText(stats.min, format) : '–');
    write(cells[3], stats ? statText(stats.max, format) : '–');
    write(cells[4], stats ? statText(stats.avg, format) : '–');
  }
}

/** Changes the cell's one text node in place (textContent would build a new one, and its layout, per tick). */
function write(cell: HTMLTableCellElement | undefined, text: string): void {
  const box = cell?.firstElementChild;
  if (!box) return;
  const node = box.firstChild;
  if (node instanceof Text) {
    if (node.data !== text) node.data = text;
  } else box.textContent = text;
}
