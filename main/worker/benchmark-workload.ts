// The built-in hire workload: multiplies seeded matrices until stopped, printing its throughput.
import { multiplyRows, powMatrices } from './protocol.ts';

const n = Number(process.argv[2] ?? 192);
let round = 0;
const loop = () => {
  const started = performance.now();
  const { a, b } = powMatrices(`bench-${round}`, n);
  multiplyRows(a, b, n, 0, n);
  const ms = performance.now() - started;
  process.stdout.write(`round ${round++}: ${((2 * n ** 3) / ms / 1e6).toFixed(2)} GFLOP/s\n`);
  setTimeout(loop, 200); // leave the CPU breathing room between rounds
};
process.on('SIGTERM', () => process.exit(0));
loop();
