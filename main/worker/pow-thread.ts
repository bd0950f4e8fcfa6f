// One POW worker thread: derives the challenge matrices from the seed and multiplies its row range.
import { parentPort } from 'node:worker_threads';
import { multiplyRows, powMatrices } from './protocol.ts';

parentPort!.on('message', (job: { seed: string; n: number; from: number; to: number }) => {
  const { a, b } = powMatrices(job.seed, job.n);
  const rows = multiplyRows(a, b, job.n, job.from, job.to);
  parentPort!.postMessage(rows, [rows.buffer as ArrayBuffer]);
});
