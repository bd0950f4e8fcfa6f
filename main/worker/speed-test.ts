// The link tests of the worker. The tier comes from the network's own measurement: told to by a
// `link-measure` message, the worker fetches `bytes` from /v1/link/:probe and sends them back with the
// download's last bytes, and the coordinator times both (answerLinkMeasure). The worker's own test
// (measureSpeed: five pings, a download and an upload against /v1/speedtest) is only its claim.
import http from 'node:http';
import https from 'node:https';
import type { ServerMessage } from './protocol.ts';
import type { TrafficMeter } from './traffic.ts';

export interface SpeedResult {
  downMbps: number;
  upMbps: number;
  latencyMs: number;
}

/** The download's last bytes, which the upload carries back to prove it came after. */
const TAIL_BYTES = 32;

/** One test at a time per process: two at once would each measure half the link. */
let running: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(test: () => Promise<T>): Promise<T> {
  const next = running.then(test, test);
  running = next.catch(() => {});
  return next;
}

/** Sessions (by their traffic meter) with a measurement waiting or running: a network asking again meanwhile is refused, not queued. */
const measuring = new WeakSet<object>();

/** What a ping or the speed test's upload answers: a small JSON. */
const SMALL_ANSWER_BYTES = 64 * 1024;

export async function measureSpeed(url: (path: string) => string, bytes: number): Promise<SpeedResult> {
  return oneAtATime(async () => {
    const pings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await exchange(url('/v1/ping'), 'GET', Date.now() + 5000, SMALL_ANSWER_BYTES);
      pings.push(performance.now() - t);
    }
    pings.sort((a, b) => a - b);
    let t = performance.now();
    const down = await exchange(url(`/v1/speedtest?bytes=${bytes}`), 'GET', Date.now() + 30_000, bytes);
    const downMs = performance.now() - t;
    if (down.status !== 200) throw new Error(`the network refused the speed test's download (HTTP ${down.status})`);
    t = performance.now();
    const up = await exchange(url('/v1/speedtest'), 'POST', Date.now() + 30_000, SMALL_ANSWER_BYTES, {}, Buffer.alloc(bytes));
    const upMs = performance.now() - t;
    if (up.status !== 200) throw new Error(`the network refused the speed test's upload (HTTP ${up.status})`);
    return { downMbps: (down.body.length * 8) / (downMs * 1000), upMbps: (bytes * 8) / (upMs * 1000), latencyMs: pings[2] };
  });
}

type LinkMeasureMessage = Extract<ServerMessage, { type: 'link-measure' }>;

/** The network's measurement: fetch the bytes, then send as many back with the download's tail. Never throws. */
export async function answerLinkMeasure(
  message: LinkMeasureMessage, url: (path: string) => string, traffic?: TrafficMeter, log?: (message: string) => void,
): Promise<void> {
  const session = traffic ?? url;
  if (measuring.has(session)) return log?.(`link measurement ${message.probeId} skipped: one is already under way`);
  measuring.add(session);
  try {
    await oneAtATime(async () => {
      const target = url(`/v1/link/${encodeURIComponent(message.probeId)}`);
      const deadline = Date.now() + message.timeoutMs;
      const down = await exchange(target, 'GET', deadline, message.bytes);
      traffic?.add(0, down.body.length);
      if (down.status !== 200) throw new Error(`the network refused the download (HTTP ${down.status})`);
      if (down.body.length !== message.bytes || down.body.length < TAIL_BYTES) throw new Error(`the download was ${down.body.length} bytes, not ${message.bytes}`);
      const tail = down.body.subarray(down.body.length - TAIL_BYTES).toString('base64url');
      const up = await exchange(target, 'POST', deadline, SMALL_ANSWER_BYTES, { 'x-link-tail': tail }, Buffer.alloc(message.bytes));
      traffic?.add(message.bytes, 0);
      if (up.status !== 204) throw new Error(`the network refused the upload (HTTP ${up.status})`);
    });
  } catch (error) {
    log?.(`link measurement failed: ${(error as Error).message}`);
  } finally {
    measuring.delete(session);
  }
}

/**
 * One plain node:http(s) exchange: fetch's web streams would cost more time than a fast link's transfer.
 * Bounded by the network's word: at most `maxBytes` back, and all of it by `deadline` (a trickle is cut too).
 */
function exchange(
  target: string, method: 'GET' | 'POST', deadline: number, maxBytes: number, headers: Record<string, string> = {}, body?: Buffer,
): Promise<{ status: number; body: Buffer }> {
  const u = new URL(target);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, {
      method, headers: { ...headers, ...(body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {}) }, agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) return req.destroy(new Error(`the network sent more than the ${maxBytes} bytes it asked for`));
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error('the measurement ran past its time')), Math.max(1, deadline - Date.now()));
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(body);
  });
}
