// Child process for the SIGKILL tests: records 8-GPU frames and online marks as fast as it can on
// a simulated 1 Hz clock that continues from the newest sample, printing each committed time.
// Usage: node crash-writer.ts <data-dir>
import fs from 'node:fs';
import { Ledger } from '../ledger.ts';
import { frameAt } from './frames.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: crash-writer.ts <data-dir>');
let now = Date.UTC(2026, 10, 20, 0, 0, 0);
const ledger = Ledger.open({ dataDir, now: () => now, log: () => {} });
if (ledger.problem) throw new Error(ledger.problem);
now = Math.max(now, (ledger.latestSample() ?? now - 1000) + 1000);
fs.writeSync(1, `ready ${now}\n`);
for (;;) {
  ledger.recordFrame(frameAt(now, 8, (i) => 40 + i + (now / 1000) % 30));
  ledger.markOnline('crash-device', now);
  fs.writeSync(1, `${now}\n`); // after the commit: everything acknowledged must survive the kill
  now += 1000;
}
