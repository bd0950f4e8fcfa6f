// The workers' WebSocket sessions on /v1/session: hello, heartbeats stored by group commit and
// acknowledged once stored, the answers a session carries, and what the coordinator pushes to a device.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { z } from 'zod';
import { MAX_CLOCK_SKEW_MS, seal, type ServerMessage, type WirePause, type WorkerBodies } from '../worker/protocol.ts';
import { TokenBucket } from '../lib/rate-limit.ts';
import { MAX_BODY_BYTES, ProtocolError, type Rooms } from './context.ts';
import type { DeviceRow, PendingBeat } from './store.ts';

const GROUP_COMMIT_MS = 5;

export class Sessions {
  readonly #c: Rooms;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  readonly #sockets = new Map<string, WebSocket>();
  #pendingBeats: PendingBeat[] = [];
  /** Heartbeats are acknowledged only once stored: group commit every few milliseconds. */
  #pendingAcks: { ws: WebSocket; nonce: string }[] = [];
  #groupCommit: NodeJS.Timeout | null = null;
  readonly #dirty = new Set<string>();

  constructor(c: Rooms) {
    this.#c = c;
  }

  /** An HTTP upgrade on /v1/session; the server answers any other upgrade with a 404. */
  accept(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#session(ws, req.socket.remoteAddress ?? 'unknown'));
  }

  connected(deviceId: string): boolean {
    return this.#sockets.has(deviceId);
  }

  disconnect(deviceId: string, code: number, reason: string): void {
    this.#sockets.get(deviceId)?.close(code, reason);
  }

  send(deviceId: string, message: ServerMessage): boolean {
    const ws = this.#sockets.get(deviceId);
    if (!ws || ws.readyState !== ws.OPEN) return false;
    return sendBounded(ws, this.#signed(message));
  }

  /** Everything the coordinator sends a worker is signed by the network's key, for its network. */
  #signed(message: ServerMessage): string {
    const { signer, binding } = this.#c.network;
    return JSON.stringify(seal(signer, binding, message.type, message));
  }

  pushStatus(deviceId: string): void {
    const device = this.#c.devices.get(deviceId);
    if (!device) return;
    const now = Date.now();
    const e = this.#c.devices.eligibility(device, now);
    this.send(deviceId, {
      type: 'status', eligible: e.eligible, checks: e.checks, tier: device.tier,
      streakSeconds: this.#c.devices.uptimeSeconds(device, now), minUptimeSeconds: this.#c.params.eligibility.minUptimeSeconds,
      walletChanges: this.#c.devices.walletChanges.pendingFor(device.account_id),
    });
  }

  /** Stores the waiting heartbeats and device counters in one transaction, then acknowledges them. */
  flush(): void {
    if (this.#groupCommit) clearTimeout(this.#groupCommit);
    this.#groupCommit = null;
    if (this.#pendingBeats.length === 0 && this.#dirty.size === 0) return;
    const beats = this.#pendingBeats;
    const acks = this.#pendingAcks;
    this.#pendingBeats = [];
    this.#pendingAcks = [];
    const devices = [...this.#dirty].map((id) => this.#c.devices.get(id)).filter((d): d is DeviceRow => !!d);
    this.#dirty.clear();
    try {
      this.#c.store.writeBeats(beats, devices);
    } catch (error) {
      // Not stored, not acknowledged: the workers keep these and send them again.
      this.#c.log(`storing heartbeats failed: ${(error as Error).message}`);
      return;
    }
    for (const { ws, nonce } of acks) if (ws.readyState === ws.OPEN) sendBounded(ws, this.#signed({ type: 'ack', nonce }));
  }

  close(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }

  #session(ws: WebSocket, source: string): void {
    let deviceId: string | null = null;
    const send = (m: ServerMessage) => ws.readyState === ws.OPEN && sendBounded(ws, this.#signed(m));
    const { limits } = this.#c.params;
    // Beyond these a session is closed with the reason: a flood costs the flooder its session.
    const messages = new TokenBucket(limits.sessionBurst, limits.sessionPerSecond);
    const liveBeats = new TokenBucket(limits.liveBeatsPerMinute, limits.liveBeatsPerMinute / 60);
    ws.on('error', () => {});
    ws.on('close', () => {
      if (deviceId && this.#sockets.get(deviceId) === ws) this.#sockets.delete(deviceId);
    });
    ws.on('message', (data) => {
      if (!messages.take()) return ws.close(1008, 'rate limit: too many messages on this session');
      let raw: { type?: string; nonce?: string } | null = null;
      try {
        try {
          raw = JSON.parse(String(data));
        } catch {
          throw new ProtocolError('bad-envelope', 'The message is not JSON.');
        }
        const type = raw?.type;
        if (!deviceId) {
          if (type === 'register') {
            this.#c.devices.register(raw, source);
            return send({ type: 'ack', nonce: String(raw!.nonce) });
          }
          if (type !== 'hello') throw new ProtocolError('no-session', 'Send hello first.');
          const { env, body } = this.#c.devices.open(raw, 'hello');
          const device = this.#c.devices.must(env.signer);
          deviceId = device.id;
          const previous = this.#sockets.get(device.id);
          if (previous && previous !== ws) previous.close(4001, 'replaced by a newer session');
          this.#sockets.set(device.id, ws);
          this.#hello(device, body);
          const { params, blocks, hires } = this.#c;
          send({ type: 'welcome', deviceId: device.id, heartbeatSeconds: params.heartbeat.intervalSeconds, blockSeconds: params.blockSeconds, serverTime: Date.now() });
          for (const result of blocks.resultsSince(device.id, body.lastBlock)) send({ type: 'block-result', result });
          for (const order of hires.ordersFor(device.id)) send({ type: 'hire', order });
          this.pushStatus(device.id);
          this.#c.link.opened(device.id, ws);
          return;
        }
        if (raw === null || typeof raw !== 'object') throw new ProtocolError('bad-envelope', 'Expected a JSON object');
        if ((raw as { signer?: string }).signer !== deviceId) throw new ProtocolError('bad-signature', 'Messages on this session must be signed by its device.', 401);
        this.#onMessage(deviceId, raw, send, () => {
          if (liveBeats.take()) return true;
          ws.close(1008, 'rate limit: too many live heartbeats on this session');
          return false;
        });
      } catch (error) {
        const e = error instanceof ProtocolError ? error : new ProtocolError('internal', (error as Error).message);
        if (e.code === 'internal') this.#c.log(`session error: ${e.message}`);
        send({ type: 'error', nonce: typeof raw?.nonce === 'string' ? raw.nonce : null, code: e.code, message: e.message });
      }
    });
  }

  #hello(device: DeviceRow, body: z.infer<typeof WorkerBodies.hello>): void {
    const now = Date.now();
    // Silence while the network itself was down is not the device's (own-outage.ts).
    const silentTooLong = !device.last_beat_at || this.#c.outage.silence(device.last_beat_at, now) > this.#c.params.heartbeat.offlineAfterSeconds * 1000;
    // A restarted worker (new session) or a long silence starts a new streak, from what we saw, not what it says.
    if (device.session_started_at !== body.sessionStartedAt || silentTooLong || device.online_since === null) device.online_since = now;
    device.session_started_at = body.sessionStartedAt;
    device.last_beat_at = Math.max(device.last_beat_at ?? 0, now);
    setPause(device, body.paused);
    this.#dirty.add(device.id);
  }

  /** `liveBeat`: takes one live heartbeat from the session's allowance; false once it is spent (the session closes). */
  #onMessage(deviceId: string, raw: unknown, send: (m: ServerMessage) => void, liveBeat: () => boolean): void {
    const { devices, blocks, hires, params } = this.#c;
    const type = (raw as { type?: string }).type;
    const device = devices.must(deviceId);
    switch (type) {
      case 'heartbeat': {
        const { env, body } = devices.open(raw, 'heartbeat');
        // The network's clock, not the worker's: liveness and the streak come from when beats arrive.
        const now = Date.now();
        if (body.sampledAt > now + MAX_CLOCK_SKEW_MS) {
          throw new ProtocolError('clock', `The heartbeat is dated ${Math.round((body.sampledAt - now) / 1000)} s ahead of the network's clock; check this machine's clock.`);
        }
        if (!body.buffered) {
          if (!liveBeat()) return;
          if (body.sampledAt < now - MAX_CLOCK_SKEW_MS) throw new ProtocolError('stale', 'A live heartbeat must be sampled now; send old ones as buffered.');
          const silence = this.#c.outage.silence(device.last_beat_at ?? now, now);
          if (silence > params.heartbeat.offlineAfterSeconds * 1000) device.online_since = now;
          device.last_beat_at = Math.max(device.last_beat_at ?? 0, now);
          // A pause or a resume changes the 'running' check: the worker hears it at once, not at the next block.
          if (setPause(device, body.paused)) queueMicrotask(() => this.pushStatus(deviceId));
        } // a buffered beat is history: stored, but it proves nothing about now
        device.services = JSON.stringify(body.services);
        device.heartbeats += 1;
        device.rx_bytes = body.traffic.rxBytes;
        device.tx_bytes = body.traffic.txBytes;
        this.#pendingBeats.push({ deviceId, sampledAt: body.sampledAt, seq: body.seq, receivedAt: now, buffered: body.buffered, summary: JSON.stringify(body.telemetry) });
        this.#dirty.add(deviceId);
        const ws = this.#sockets.get(deviceId);
        if (ws) this.#pendingAcks.push({ ws, nonce: env.nonce });
        this.#groupCommit ??= setTimeout(() => this.flush(), GROUP_COMMIT_MS);
        return;
      }
      case 'potl-answer': {
        const { env, body } = devices.open(raw, 'potl-answer');
        blocks.answerPotl(deviceId, body);
        return send({ type: 'ack', nonce: env.nonce });
      }
      case 'pow-commit': {
        const { env, body } = devices.open(raw, 'pow-commit');
        blocks.answerPowCommit(deviceId, body);
        return send({ type: 'ack', nonce: env.nonce });
      }
      case 'pow-answer': {
        const { env, body } = devices.open(raw, 'pow-answer');
        blocks.answerPow(deviceId, body);
        return send({ type: 'ack', nonce: env.nonce });
      }
      case 'speed': {
        const { env, body } = devices.open(raw, 'speed');
        // The worker's own test is only its claim: the tier comes from the network's measurement (link-measure.ts).
        this.#c.link.claimed(deviceId, body);
        return send({ type: 'ack', nonce: env.nonce });
      }
      case 'hire-report': {
        const { env, body } = devices.open(raw, 'hire-report');
        hires.report(deviceId, body);
        return send({ type: 'ack', nonce: env.nonce });
      }
      case 'ack-results': {
        devices.open(raw, 'ack-results');
        return;
      }
      case 'set-wallet':
      case 'rename':
      case 'delete':
      case 'wallet-change': {
        devices.accountOp(raw);
        return send({ type: 'ack', nonce: String((raw as { nonce: string }).nonce) });
      }
      default:
        throw new ProtocolError('bad-envelope', `Unknown message type ${String(type)}`);
    }
  }
}

/** Keeps a device's pause as the worker typed it: who holds it, and its detail. True when it changed. */
function setPause(device: DeviceRow, pause: WirePause | null): boolean {
  const changed = device.paused !== (pause?.detail ?? null) || device.pause_source !== (pause?.source ?? null);
  device.paused = pause?.detail ?? null;
  device.pause_source = pause?.source ?? null;
  return changed;
}

/** The most a session may leave unread before it is dropped: a reader that never reads must not grow us. */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

function sendBounded(ws: WebSocket, text: string): boolean {
  if (ws.bufferedAmount > MAX_UNREAD_BYTES) {
    // Said in the close frame; the socket library ends it for good if the reader never takes that either.
    ws.close(1008, 'too slow: the worker stopped reading');
    return false;
  }
  ws.send(text);
  return true;
}
