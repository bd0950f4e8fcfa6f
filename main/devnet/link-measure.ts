// The network's own measurement of a device's link, which the connectivity tier comes from
// (docs/protocol.md, "Connectivity tier"): round trips of WebSocket pings the coordinator times on the
// session, then a download and an upload of `link.bytes` over HTTP that the worker is told to make,
// timed here. The worker's own speed test is only its claim, kept beside the measurement.
import crypto from 'node:crypto';
import type http from 'node:http';
import type { WebSocket } from 'ws';
import { ProtocolError, type Rooms } from './context.ts';
import { tierFor, type SpeedTest } from './scoring.ts';

/** What `devices.speed` holds: the network's measurement, and the worker's claim beside it. */
export interface LinkRecord extends SpeedTest {
  by: 'network';
  bytes: number;
  measuredAt: number;
  claimed: SpeedTest | null;
}

/** The download ends with these random bytes: the upload must carry them, so it cannot start early. */
const TAIL_BYTES = 32;
/** Few large writes: the download's own cost must not be what it measures. */
const FILLER = Buffer.alloc(1024 * 1024, 0x5a);
/** A transfer faster than this is read as this (loopback can round to zero time). */
const MAX_MBPS = 100_000;

interface Probe {
  deviceId: string;
  bytes: number;
  tail: Buffer;
  downStart: number | null;
  /** The download and upload in flight: ended when the measurement times out, so a stalled peer holds nothing. */
  down: http.ServerResponse | null;
  up: http.IncomingMessage | null;
  settle: (result: { downMs: number; upMs: number } | Error) => void;
}

/** Ends a probe's transfers still in flight (a reader that stopped reading, an upload that trickles). */
function cut(probe: Probe | undefined): void {
  if (probe?.down && !probe.down.writableFinished) probe.down.destroy();
  if (probe?.up && !probe.up.complete) probe.up.destroy();
}

interface Watched {
  ws: WebSocket;
  timer: NodeJS.Timeout | null;
}

export class LinkMeasure {
  readonly #c: Rooms;
  readonly #watched = new Map<string, Watched>();
  readonly #probes = new Map<string, Probe>();
  /** Claims that came before the first measurement: written beside it. */
  readonly #claims = new Map<string, SpeedTest>();

  constructor(c: Rooms) {
    this.#c = c;
  }

  /** A session opened: measure now if the last measurement is missing or old, then every `everySeconds`. */
  opened(deviceId: string, ws: WebSocket): void {
    this.#stopWatching(deviceId);
    const watched: Watched = { ws, timer: null };
    this.#watched.set(deviceId, watched);
    ws.once('close', () => {
      if (this.#watched.get(deviceId) === watched) this.#stopWatching(deviceId);
    });
    const last = this.record(deviceId)?.measuredAt ?? 0;
    this.#schedule(deviceId, watched, Math.max(0, last + this.#c.params.link.everySeconds * 1000 - Date.now()));
  }

  /** The worker's own speed test: shown beside the measurement, never scored. */
  claimed(deviceId: string, claim: SpeedTest): void {
    const record = this.record(deviceId);
    if (!record) return void this.#claims.set(deviceId, claim);
    this.#write(deviceId, { ...record, claimed: claim }, this.#c.devices.must(deviceId).tier);
  }

  /** The stored measurement of a device (null before the first, or an older coordinator's claim). */
  record(deviceId: string): LinkRecord | null {
    const speed = this.#c.devices.get(deviceId)?.speed;
    if (!speed) return null;
    const parsed = JSON.parse(speed) as Partial<LinkRecord>;
    return parsed.by === 'network' ? (parsed as LinkRecord) : null;
  }

  /** Measures the device's link now, stores it and its tier, and tells the worker its new status. */
  async measure(deviceId: string): Promise<LinkRecord> {
    const watched = this.#watched.get(deviceId);
    if (!watched) throw new Error(`${deviceId} has no open session to measure over.`);
    const { link } = this.#c.params;
    const rtts: number[] = [];
    for (let i = 0; i < link.pings; i++) rtts.push(await ping(watched.ws, link.timeoutSeconds * 1000));
    rtts.sort((a, b) => a - b);
    const probeId = crypto.randomBytes(18).toString('base64url');
    const timed = new Promise<{ downMs: number; upMs: number }>((resolve, reject) => {
      const timer = setTimeout(() => {
        cut(this.#probes.get(probeId));
        settle(new Error(`the worker did not fetch and send the ${link.bytes} bytes within ${link.timeoutSeconds} s`));
      }, link.timeoutSeconds * 1000);
      const settle = (result: { downMs: number; upMs: number } | Error) => {
        clearTimeout(timer);
        this.#probes.delete(probeId);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      this.#probes.set(probeId, { deviceId, bytes: link.bytes, tail: crypto.randomBytes(TAIL_BYTES), downStart: null, down: null, up: null, settle });
    });
    if (!this.#c.sessions.send(deviceId, { type: 'link-measure', probeId, bytes: link.bytes, timeoutMs: link.timeoutSeconds * 1000 })) {
      this.#probes.get(probeId)?.settle(new Error('the session closed'));
    }
    const { downMs, upMs } = await timed;
    const mbps = (ms: number) => Math.min(MAX_MBPS, (link.bytes * 8) / (Math.max(ms, 0.001) * 1000));
    // The download is timed from its first byte out to the upload's arrival: one round trip more than the transfer.
    const record: LinkRecord = {
      by: 'network', downMbps: mbps(downMs - rtts[0]), upMbps: mbps(upMs), latencyMs: rtts[Math.floor(rtts.length / 2)],
      bytes: link.bytes, measuredAt: Date.now(), claimed: this.#claims.get(deviceId) ?? this.record(deviceId)?.claimed ?? null,
    };
    this.#claims.delete(deviceId);
    this.#write(deviceId, record, tierFor(record, this.#c.params));
    return record;
  }

  /** GET /v1/link/:probe: `bytes` bytes, the last of them the tail the upload must carry. */
  async download(res: http.ServerResponse, probeId: string): Promise<void> {
    const probe = this.#probes.get(probeId);
    if (!probe || probe.downStart !== null) throw new ProtocolError('unknown-probe', 'No such link measurement waits for its download (each is fetched once).', 404);
    probe.downStart = performance.now();
    probe.down = res;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': probe.bytes, 'cache-control': 'no-store' });
    const filler = FILLER;
    const body = probe.bytes - TAIL_BYTES;
    for (let sent = 0; sent < body; sent += filler.length) {
      if (res.destroyed) return;
      if (!res.write(filler.subarray(0, Math.min(filler.length, body - sent)))) await drained(res);
    }
    res.end(probe.tail);
  }

  /** POST /v1/link/:probe: the upload, carrying the download's tail; timed from its headers to its last byte. */
  async upload(req: http.IncomingMessage, res: http.ServerResponse, probeId: string): Promise<void> {
    const arrived = performance.now();
    const probe = this.#probes.get(probeId);
    if (!probe) throw new ProtocolError('unknown-probe', 'No such link measurement waits for its upload.', 404);
    if (probe.up) throw new ProtocolError('bad-probe', 'This measurement\'s upload is already being sent; each is sent once.', 409);
    if (probe.downStart === null) {
      probe.settle(new Error('the upload came before the download'));
      throw new ProtocolError('bad-probe', 'Fetch the download before sending the upload.', 400);
    }
    const tail = Buffer.from(String(req.headers['x-link-tail'] ?? ''), 'base64url');
    if (tail.length !== TAIL_BYTES || !crypto.timingSafeEqual(tail, probe.tail)) {
      probe.settle(new Error('the upload did not carry the end of the download'));
      throw new ProtocolError('bad-probe', 'The upload must carry the last bytes of the download (x-link-tail).', 400);
    }
    probe.up = req;
    let size = 0;
    try {
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > probe.bytes) {
          probe.settle(new Error('the upload was larger than asked'));
          throw new ProtocolError('too-large', `The upload must be exactly ${probe.bytes} bytes.`, 413);
        }
      }
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      // Cut off by the timeout, or by the worker itself: the measurement has failed, there is no one to answer.
      return probe.settle(new Error('the upload was cut off'));
    }
    const done = performance.now();
    if (size !== probe.bytes) {
      probe.settle(new Error(`the upload was ${size} bytes, not ${probe.bytes}`));
      throw new ProtocolError('bad-probe', `The upload must be exactly ${probe.bytes} bytes.`, 400);
    }
    probe.settle({ downMs: arrived - probe.downStart, upMs: done - arrived });
    res.writeHead(204).end();
  }

  close(): void {
    for (const id of [...this.#watched.keys()]) this.#stopWatching(id);
    for (const probe of [...this.#probes.values()]) {
      cut(probe);
      probe.settle(new Error('the coordinator is closing'));
    }
  }

  #schedule(deviceId: string, watched: Watched, delayMs: number): void {
    watched.timer = setTimeout(() => {
      this.measure(deviceId)
        .catch((error: unknown) => this.#failed(deviceId, error as Error))
        .finally(() => {
          if (this.#watched.get(deviceId) === watched) this.#schedule(deviceId, watched, this.#c.params.link.everySeconds * 1000);
        });
    }, delayMs);
  }

  /** A failed measurement keeps the last tier while it is recent (two periods); an old or missing one is tier 0. */
  #failed(deviceId: string, error: Error): void {
    this.#c.log(`link measurement of ${deviceId} failed: ${error.message}`);
    const device = this.#c.devices.get(deviceId);
    if (!device || device.tier === 0) return;
    const last = this.record(deviceId)?.measuredAt ?? 0;
    if (Date.now() - last > 2 * this.#c.params.link.everySeconds * 1000) this.#write(deviceId, this.record(deviceId), 0);
  }

  #write(deviceId: string, record: LinkRecord | null, tier: number): void {
    const device = this.#c.devices.get(deviceId);
    if (!device) return;
    device.speed = record ? JSON.stringify(record) : null;
    device.tier = tier;
    this.#c.store.run('UPDATE devices SET speed = ?, tier = ? WHERE id = ?', device.speed, device.tier, deviceId);
    this.#c.sessions.pushStatus(deviceId);
  }

  #stopWatching(deviceId: string): void {
    const watched = this.#watched.get(deviceId);
    if (watched?.timer) clearTimeout(watched.timer);
    this.#watched.delete(deviceId);
    for (const probe of [...this.#probes.values()]) {
      if (probe.deviceId !== deviceId) continue;
      cut(probe);
      probe.settle(new Error('the session closed'));
    }
  }
}

/** One ping's round trip on the session, in ms; the worker's socket answers pings by itself. */
function ping(ws: WebSocket, timeoutMs: number): Promise<number> {
  const payload = crypto.randomBytes(8);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const timer = setTimeout(() => done(new Error('no pong within the timeout')), timeoutMs);
    const onPong = (data: Buffer) => {
      if (data.equals(payload)) done(performance.now() - started);
    };
    const onClose = () => done(new Error('the session closed'));
    const done = (result: number | Error) => {
      clearTimeout(timer);
      ws.off('pong', onPong);
      ws.off('close', onClose);
      if (typeof result === 'number') resolve(result);
      else reject(result);
    };
    ws.on('pong', onPong);
    ws.once('close', onClose);
    try {
      ws.ping(payload);
    } catch (error) {
      done(error as Error);
    }
  });
}

/** Resolves once `res` can take more, or is gone. */
export function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      res.off('drain', go);
      res.off('close', go);
      resolve();
    };
    res.on('drain', go);
    res.on('close', go);
  });
}
