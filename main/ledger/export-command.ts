// `io-worker export <what> [--from --to]`: streams a CSV from the ledger in the data dir, read-only
// beside a running worker (WAL lets both work at once).
import fs from 'node:fs';
import { EXPORT_KINDS, exportCsv, type ExportKind } from './csv.ts';
import { Ledger } from './ledger.ts';
import { checkTimeZone, localMidnight, systemTimeZone } from './uptime.ts';

export const EXPORT_USAGE = `  export    Write history as CSV: io-worker export <telemetry|uptime|rewards|traffic> [options]
              --from <when>      start: YYYY-MM-DD (local midnight), an ISO time, or epoch ms (default: everything)
              --to <when>        end; a date alone includes that whole day (default: now)
              --device <id>      telemetry: host or gpu<n>; uptime, rewards and traffic: the network device id
              --metric <name>    telemetry: one metric, e.g. temperatureC
              --resolution <r>   telemetry: 1m (last 7 days) or 1h (default)
              --time-zone <tz>   days for --from/--to and uptime (default: this machine's zone)
              --out <file>       write to a file instead of stdout
              --data-dir <dir>   where the history lives
`;

export const EXPORT_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  device: { type: 'string' },
  metric: { type: 'string' },
  resolution: { type: 'string' },
  'time-zone': { type: 'string' },
  out: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export class ExportUsageError extends Error {}

/** Parses a --from/--to value; a date alone is local midnight (plus one day when `endOfDay`). */
export function parseWhen(text: string, timeZone: string, endOfDay: boolean): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (mo < 1 || mo > 12 || d < 1 || d > 31) throw new ExportUsageError(`Not a date: ${text}`);
    return endOfDay ? localMidnight(y, mo, d + 1, timeZone) : localMidnight(y, mo, d, timeZone);
  }
  if (/^\d{1,16}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new ExportUsageError(`Cannot read "${text}" as a time: use YYYY-MM-DD, an ISO time or epoch milliseconds.`);
  return t;
}

export async function runExport(
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
  dataDir: string,
  write: (text: string) => void,
): Promise<{ rows: number; file: string | null }> {
  const [what, ...extra] = positionals;
  if (!what || !(EXPORT_KINDS as readonly string[]).includes(what) || extra.length > 0) {
    throw new ExportUsageError(`export needs one of ${EXPORT_KINDS.join(', ')}${what ? `, not "${[what, ...extra].join(' ')}"` : ''}.`);
  }
  const resolution = values.resolution === undefined ? undefined : String(values.resolution);
  if (resolution !== undefined && resolution !== '1m' && resolution !== '1h') throw new ExportUsageError('--resolution must be 1m or 1h.');
  let timeZone: string;
  try {
    timeZone = checkTimeZone(String(values['time-zone'] ?? systemTimeZone()));
  } catch (error) {
    throw new ExportUsageError((error as Error).message);
  }
  const from = values.from === undefined ? 0 : parseWhen(String(values.from), timeZone, false);
  const to = values.to === undefined ? Date.now() + 1 : parseWhen(String(values.to), timeZone, true);
  if (!(to > from)) throw new ExportUsageError('--to must be after --from.');

  const ledger = Ledger.open({ dataDir, mode: 'reader' });
  const file = values.out === undefined ? null : String(values.out);
  const fd = file ? fs.openSync(file, 'w', 0o600) : null;
  let rows = -1;
  try {
    const options = {
      from,
      to,
      timeZone,
      device: values.device === undefined ? undefined : String(values.device),
      metric: values.metric === undefined ? undefined : String(values.metric),
      resolution: resolution as '1m' | '1h' | undefined,
    };
    let buffer = '';
    for (const line of exportCsv(ledger, what as ExportKind, options)) {
      rows++;
      buffer += line;
      if (buffer.length >= 1 << 16) {
        if (fd !== null) fs.writeSync(fd, buffer);
        else write(buffer);
        buffer = '';
      }
    }
    if (fd !== null) fs.writeSync(fd, buffer);
    else write(buffer);
  } finally {
    if (fd !== null) fs.closeSync(fd);
    ledger.close();
  }
  return { rows: Math.max(0, rows), file };
}
