// A TCP proxy on 127.0.0.1 that paces the bytes it forwards, each way, to a link's rate: a slow home
// connection on loopback, for testing the network's measurement of the link (link-measure.test.ts).
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface PacedProxy {
  /** http://127.0.0.1:port: the coordinator, as seen through the paced link. */
  url: string;
  close(): Promise<void>;
}

/** Bytes leave in slices no larger than this, each after its time on the wire at the paced rate. */
const SLICE = 8 * 1024;

export async function startPacedProxy(target: { host: string; port: number }, mbps: number): Promise<PacedProxy> {
  const bytesPerMs = (mbps * 1e6) / 8 / 1000;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    pace(client, upstream, bytesPerMs);
    pace(upstream, client, bytesPerMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Forwards `from` to `to` no faster than the rate; `from` waits (paused) while its bytes are on the wire. */
function pace(from: net.Socket, to: net.Socket, bytesPerMs: number): void {
  let free = performance.now(); // when the paced wire is next free
  let queue: Promise<void> = Promise.resolve();
  from.on('data', (chunk: Buffer) => {
    from.pause();
    queue = queue.then(async () => {
      for (let off = 0; off < chunk.length; off += SLICE) {
        const slice = chunk.subarray(off, off + SLICE);
        // A timer fires late by up to a millisecond: a little credit (2 ms) keeps the rate without a burst.
        free = Math.max(free, performance.now() - 2) + slice.length / bytesPerMs;
        const wait = free - performance.now();
        if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
        if (to.destroyed) return;
        if (!to.write(slice)) await new Promise((r) => to.once('drain', r));
      }
      if (!from.destroyed) from.resume();
    });
  });
  from.on('end', () => void queue.then(() => to.end()));
}
