// The devnet coordinator: HTTP explorer + registration API and the workers' WebSocket sessions
// (node:http + ws), block scheduling with POTL/POW challenges, scoring and hires, over its own
// node:sqlite store. Imports main/worker/protocol.ts (the wire) and nothing else from main/.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import {
  EnvelopeSchema, HireOrderSchema, MAX_CLOCK_SKEW_MS, PROTOCOL_VERSION, WorkerBodies, idFromPublicKey, verifySignature,
  type BlockResult, type Envelope, type HireOrder, type ServerMessage, type WorkerMessageType,
} from '../worker/protocol.ts';
import type { Params } from './params.ts';
import { potlPassed, verifyEncodedProduct } from './proofs.ts';
import { baseScore, eligibility, failingRules, hardwareFor, scoreBlock, tierFor, type BlockEntry, type EligibilityFacts } from './scoring.ts';
import { DevnetStore, type BlockDeviceRow, type BlockRow, type DeviceRow, type HireRow, type PendingBeat } from './store.ts';

export interface CoordinatorOptions {
  host?: string;
  port?: number;
  /** null keeps everything in memory (tests, benchmarks). */
  dataDir: string | null;
  params: Params;
  /** Bearer token for the operator's calls (hires, blocking a device); default: a random one. */
  adminToken?: string;
  log?: (message: string) => void;
}

class ProtocolError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

interface Nominee {
  row: BlockDeviceRow;
  potlTimes: number[];
  pendingPotl: Map<string, { nonce: string; deadline: number }>;
  powAt: number | null;
  pow: { challengeId: string; seed: string; size: number; issuedAt: number; deadline: number } | null;
}

interface CurrentBlock {
  row: BlockRow;
  nominees: Map<string, Nominee>;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_SPEEDTEST_BYTES = 16 * 1024 * 1024;
const TICK_MS = 200;
const GROUP_COMMIT_MS = 5;
const RESTART_GRACE_MS = 3000;
const HIRE_SETTLE_GRACE_MS = 5000;

export class Coordinator {
  readonly params: Params;
  readonly store: DevnetStore;
  readonly #log: (message: string) => void;
  readonly #server: http.Server;
  readonly #wss: WebSocketServer;
  readonly #devices = new Map<string, DeviceRow>();
  readonly #keys = new Map<string, crypto.KeyObject>();
  readonly #sockets = new Map<string, WebSocket>();
  readonly #nonces = new Map<string, number>();
  readonly #bootAt = Date.now();
  #pendingBeats: PendingBeat[] = [];
  /** Heartbeats are acknowledged only once stored: group commit every few milliseconds. */
  #pendingAcks: { ws: WebSocket; nonce: string }[] = [];
  #groupCommit: NodeJS.Timeout | null = null;
  readonly #dirty = new Set<string>();
  #block: CurrentBlock | null = null;
  #ticker: NodeJS.Timeout | null = null;
  #flusher: NodeJS.Timeout | null = null;
  #closed = false;
  url = '';
  port = 0;
  /** The operator's bearer token: `io-worker coordinator` prints it, `io-worker hire --token` sends it. */
  readonly adminToken: string;

  private constructor(options: CoordinatorOptions) {
    this.params = options.params;
    this.adminToken = options.adminToken ?? crypto.randomBytes(24).toString('base64url');
    this.#log = options.log ?? (() => {});
    this.store = new DevnetStore(options.dataDir);
    for (const a of this.store.all<{ id: string; public_key: string }>('SELECT id, public_key FROM accounts')) {
      this.#keys.set(a.id, crypto.createPublicKey(a.public_key));
    }
    for (const d of this.store.all<DeviceRow>('SELECT * FROM devices WHERE deleted_at IS NULL')) {
      this.#devices.set(d.id, d);
      this.#keys.set(d.id, crypto.createPublicKey(d.public_key));
    }
    this.#server = http.createServer((req, res) => {
      // A client that resets mid-request must not surface as an unhandled 'error' event.
      req.on('error', () => {});
      res.on('error', () => {});
      this.#http(req, res).catch((error: unknown) => this.#fail(res, error));
    });
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
    this.#server.on('upgrade', (req, socket, head) => {
      // Node drops its own error listener from an upgraded socket: a reset must not crash us.
      socket.on('error', () => socket.destroy());
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/v1/session') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#session(ws));
    });
  }

  static async start(options: CoordinatorOptions): Promise<Coordinator> {
    const c = new Coordinator(options);
    await new Promise<void>((resolve, reject) => {
      c.#server.once('error', reject);
      c.#server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = c.#server.address() as AddressInfo;
    c.port = address.port;
    c.url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    c.#resumeOrOpenBlock(Date.now());
    c.#ticker = setInterval(() => {
      try {
        c.#tick(Date.now());
      } catch (error) {
        c.#log(`block tick failed: ${(error as Error).stack ?? error}`);
      }
    }, TICK_MS);
    c.#flusher = setInterval(() => c.#flush(), 1000);
    return c;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ticker) clearInterval(this.#ticker);
    if (this.#flusher) clearInterval(this.#flusher);
    this.#flush();
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.store.close();
  }

  // ---------------------------------------------------------------- envelopes
  /** Checks shape, clock, replay and signature, then the body; records the nonce only once valid. */
  #open<T extends WorkerMessageType>(raw: unknown, type: T, signerKey?: crypto.KeyObject | string): { env: Envelope; body: z.infer<(typeof WorkerBodies)[T]> } {
    const parsed = EnvelopeSchema.safeParse(raw);
    if (!parsed.success) throw new ProtocolError('bad-envelope', `Malformed envelope: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const env = parsed.data;
    if (env.type !== type) throw new ProtocolError('bad-envelope', `Expected a ${type} message, got ${env.type}`);
    const now = Date.now();
    if (Math.abs(now - env.ts) > MAX_CLOCK_SKEW_MS) throw new ProtocolError('stale', `Message time is ${Math.round((env.ts - now) / 1000)} s off the coordinator clock; check the system clock.`);
    if (env.ts < this.#bootAt - 1000) throw new ProtocolError('stale', 'Message was signed before this coordinator started; sign it again.');
    if (this.#nonces.has(env.nonce)) throw new ProtocolError('replay', 'Replayed message: this nonce was already used.', 409);
    const key = signerKey ?? this.#keys.get(env.signer);
    if (!key) throw new ProtocolError('unknown-signer', `Unknown device or account ${env.signer}; register first.`, 404);
    if (!verifySignature(env, key)) throw new ProtocolError('bad-signature', 'The signature does not match the signer key.', 401);
    let json: unknown;
    try {
      json = JSON.parse(env.payload);
    } catch {
      throw new ProtocolError('bad-body', 'The payload is not JSON.');
    }
    const body = WorkerBodies[type].safeParse(json);
    if (!body.success) {
      throw new ProtocolError('bad-body', `Bad ${type}: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    this.#nonces.set(env.nonce, env.ts + MAX_CLOCK_SKEW_MS);
    return { env, body: body.data as z.infer<(typeof WorkerBodies)[T]> };
  }

  // ---------------------------------------------------------------- registration and account ops
  #register(raw: unknown): DeviceRow {
    const pre = EnvelopeSchema.safeParse(raw);
    if (!pre.success) throw new ProtocolError('bad-envelope', 'Malformed envelope');
    let deviceKey: crypto.KeyObject;
    try {
      deviceKey = crypto.createPublicKey((JSON.parse(pre.data.payload) as { publicKeyPem: string }).publicKeyPem);
    } catch {
      throw new ProtocolError('bad-body', 'register needs a valid publicKeyPem');
    }
    const { env, body } = this.#open(raw, 'register', deviceKey);
    const deviceId = idFromPublicKey('dev', deviceKey);
    if (env.signer !== deviceId) throw new ProtocolError('bad-signature', 'The signer is not the device of this public key.', 401);
    let accountId: string;
    let accountKey: crypto.KeyObject;
    try {
      accountKey = body.ownerPublicKeyPem === body.publicKeyPem ? deviceKey : crypto.createPublicKey(body.ownerPublicKeyPem);
      accountId = idFromPublicKey('acct', accountKey);
      if (!crypto.verify(null, Buffer.from(`own:${deviceId}`), accountKey, Buffer.from(body.ownerSig, 'base64'))) throw new Error();
    } catch {
      throw new ProtocolError('bad-signature', 'The owner signature over this device does not verify.', 401);
    }
    const existing = this.store.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', deviceId);
    if (existing && existing.account_id !== accountId) throw new ProtocolError('forbidden', 'This device belongs to another account.', 403);
    const hw = hardwareFor(body.inventory, this.params);
    const now = Date.now();
    this.store.tx(() => {
      this.store.run('INSERT OR IGNORE INTO accounts VALUES (?, ?, ?)', accountId, body.ownerPublicKeyPem, now);
      if (existing) {
        this.store.run(
          'UPDATE devices SET inventory = ?, processor_type = ?, model = ?, quantity = ?, multiplier = ?, wallet = COALESCE(?, wallet), deleted_at = NULL WHERE id = ?',
          JSON.stringify(body.inventory), hw.processorType, hw.model, hw.quantity, hw.multiplier, body.wallet, deviceId,
        );
      } else {
        this.store.run(
          `INSERT INTO devices (id, account_id, public_key, name, wallet, inventory, processor_type, model, quantity, multiplier, registered_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          deviceId, accountId, body.publicKeyPem, body.name, body.wallet, JSON.stringify(body.inventory), hw.processorType, hw.model, hw.quantity, hw.multiplier, now,
        );
      }
    });
    const row = this.store.get<DeviceRow>('SELECT * FROM devices WHERE id = ?', deviceId)!;
    const live = this.#devices.get(deviceId);
    this.#devices.set(deviceId, live ? { ...live, ...pick(row, ['inventory', 'processor_type', 'model', 'quantity', 'multiplier', 'wallet']) } : row);
    this.#keys.set(deviceId, deviceKey);
    this.#keys.set(accountId, accountKey);
    return this.#devices.get(deviceId)!;
  }

  /** rename / delete / set-wallet: signed by the device itself or by the account that owns it. */
  #accountOp(raw: unknown): unknown {
    const type = (raw as { type?: unknown })?.type;
    if (type === 'set-wallet') {
      const { env, body } = this.#open(raw, 'set-wallet');
      const device = this.#mustDevice(env.signer);
      device.wallet = body.wallet;
      this.store.run('UPDATE devices SET wallet = ? WHERE id = ?', body.wallet, device.id);
      this.#pushStatus(device.id);
      return this.#deviceView(device);
    }
    if (type === 'rename' || type === 'delete') {
      const { env, body } = type === 'rename' ? this.#open(raw, 'rename') : this.#open(raw, 'delete');
      const device = this.#mustDevice(body.deviceId);
      if (env.signer !== device.id && env.signer !== device.account_id) throw new ProtocolError('forbidden', 'Only the device or its account may change it.', 403);
      if (type === 'rename') {
        device.name = (body as unknown as { name: string }).name;
        this.store.run('UPDATE devices SET name = ? WHERE id = ?', device.name, device.id);
        return this.#deviceView(device);
      }
      this.store.run('UPDATE devices SET deleted_at = ? WHERE id = ?', Date.now(), device.id);
      this.#devices.delete(device.id);
      this.#sockets.get(device.id)?.close(4000, 'device deleted');
      return { deleted: device.id };
    }
    throw new ProtocolError('bad-envelope', 'Expected set-wallet, rename or delete');
  }

  #mustDevice(id: string): DeviceRow {
    const device = this.#devices.get(id);
    if (!device) throw new ProtocolError('not-found', `No device ${id}`, 404);
    return device;
  }

  // ---------------------------------------------------------------- sessions
  #session(ws: WebSocket): void {
    let deviceId: string | null = null;
    const send = (m: ServerMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));
    ws.on('error', () => {});
    ws.on('close', () => {
      if (deviceId && this.#sockets.get(deviceId) === ws) this.#sockets.delete(deviceId);
    });
    ws.on('message', (data) => {
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
            this.#register(raw);
            return send({ type: 'ack', nonce: String(raw!.nonce) });
          }
          if (type !== 'hello') throw new ProtocolError('no-session', 'Send hello first.');
          const { env, body } = this.#open(raw, 'hello');
          const device = this.#mustDevice(env.signer);
          deviceId = device.id;
          const previous = this.#sockets.get(device.id);
          if (previous && previous !== ws) previous.close(4001, 'replaced by a newer session');
          this.#sockets.set(device.id, ws);
          this.#hello(device, body);
          send({ type: 'welcome', deviceId: device.id, heartbeatSeconds: this.params.heartbeat.intervalSeconds, blockSeconds: this.params.blockSeconds, serverTime: Date.now() });
          for (const result of this.#resultsSince(device.id, body.lastBlock)) send({ type: 'block-result', result });
          for (const hire of this.store.all<HireRow>("SELECT * FROM hires WHERE device_id = ? AND status = 'running'", device.id)) {
            send({ type: 'hire', order: hireOrder(hire) });
          }
          this.#pushStatus(device.id);
          return;
        }
        if (raw === null || typeof raw !== 'object') throw new ProtocolError('bad-envelope', 'Expected a JSON object');
        if ((raw as { signer?: string }).signer !== deviceId) throw new ProtocolError('bad-signature', 'Messages on this session must be signed by its device.', 401);
        this.#onSessionMessage(deviceId, raw, send);
      } catch (error) {
        const e = error instanceof ProtocolError ? error : new ProtocolError('internal', (error as Error).message);
        if (e.code === 'internal') this.#log(`session error: ${e.message}`);
        send({ type: 'error', nonce: typeof raw?.nonce === 'string' ? raw.nonce : null, code: e.code, message: e.message });
      }
    });
  }

  #hello(device: DeviceRow, body: z.infer<typeof WorkerBodies.hello>): void {
    const now = Date.now();
    const silentTooLong = !device.last_beat_at || now - device.last_beat_at > this.params.heartbeat.offlineAfterSeconds * 1000;
    // A restarted worker (new session) or a long silence starts a new streak, from what we saw, not what it says.
    if (device.session_started_at !== body.sessionStartedAt || silentTooLong || device.online_since === null) device.online_since = now;
    device.session_started_at = body.sessionStartedAt;
    device.last_beat_at = Math.max(device.last_beat_at ?? 0, now);
    device.paused = body.paused;
    this.#dirty.add(device.id);
  }

  #onSessionMessage(deviceId: string, raw: unknown, send: (m: ServerMessage) => void): void {
    const type = (raw as { type?: string }).type;
    const device = this.#mustDevice(deviceId);
    switch (type) {
      case 'heartbeat': {
        const { env, body } = this.#open(raw, 'heartbeat');
        const gap = body.sampledAt - (device.last_beat_at ?? body.sampledAt);
        if (gap > this.params.heartbeat.offlineAfterSeconds * 1000) device.online_since = body.sampledAt;
        device.last_beat_at = Math.max(device.last_beat_at ?? 0, body.sampledAt);
        device.paused = body.buffered ? device.paused : body.paused;
        device.services = JSON.stringify(body.services);
        device.heartbeats += 1;
        device.rx_bytes = body.traffic.rxBytes;
        device.tx_bytes = body.traffic.txBytes;
        this.#pendingBeats.push({ deviceId, sampledAt: body.sampledAt, seq: body.seq, receivedAt: Date.now(), buffered: body.buffered, summary: JSON.stringify(body.telemetry) });
        this.#dirty.add(deviceId);
        const ws = this.#sockets.get(deviceId);
        if (ws) this.#pendingAcks.push({ ws, nonce: env.nonce });
        this.#groupCommit ??= setTimeout(() => this.#flush(), GROUP_COMMIT_MS);
        return;
      }
      case 'potl-answer': {
        const { env, body } = this.#open(raw, 'potl-answer');
        const nominee = this.#block?.nominees.get(deviceId);
        const pending = nominee?.pendingPotl.get(body.challengeId);
        if (!nominee || !pending) throw new ProtocolError('unknown-challenge', 'No open liveness challenge with this id.');
        nominee.pendingPotl.delete(body.challengeId);
        if (pending.nonce !== body.nonce) throw new ProtocolError('bad-answer', 'The answer does not echo the challenge nonce.');
        if (Date.now() > pending.deadline) throw new ProtocolError('late', 'The liveness answer came after its deadline.');
        nominee.row.potl_answered += 1;
        this.store.run('UPDATE block_devices SET potl_answered = ? WHERE block_id = ? AND device_id = ?', nominee.row.potl_answered, nominee.row.block_id, deviceId);
        return send({ type: 'ack', nonce: env.nonce });
      }
      case 'pow-answer': {
        const { env, body } = this.#open(raw, 'pow-answer');
        const nominee = this.#block?.nominees.get(deviceId);
        const pow = nominee?.pow;
        if (!nominee || !pow || pow.challengeId !== body.challengeId || nominee.row.pow !== 'pending') {
          throw new ProtocolError('unknown-challenge', 'No open POW challenge with this id.');
        }
        const now = Date.now();
        const verdict = now > pow.deadline ? { ok: false, reason: 'POW answer came after its deadline' } : verifyEncodedProduct(pow.seed, pow.size, body.product);
        nominee.row.pow = verdict.ok ? 'passed' : 'failed';
        nominee.row.pow_ms = now - pow.issuedAt;
        nominee.row.pow_ops_per_sec = verdict.ok ? (2 * pow.size ** 3) / Math.max(1, now - pow.issuedAt) * 1000 : null;
        nominee.row.reason = verdict.ok ? null : verdict.reason;
        this.store.run(
          'UPDATE block_devices SET pow = ?, pow_ms = ?, pow_ops_per_sec = ?, reason = ? WHERE block_id = ? AND device_id = ?',
          nominee.row.pow, nominee.row.pow_ms, nominee.row.pow_ops_per_sec, nominee.row.reason, nominee.row.block_id, deviceId,
        );
        if (!verdict.ok) this.#log(`device ${deviceId} failed POW: ${verdict.reason}`);
        return send({ type: 'ack', nonce: env.nonce });
      }
      case 'speed': {
        const { env, body } = this.#open(raw, 'speed');
        device.speed = JSON.stringify(body);
        device.tier = tierFor(body, this.params);
        this.store.run('UPDATE devices SET speed = ?, tier = ? WHERE id = ?', device.speed, device.tier, deviceId);
        send({ type: 'ack', nonce: env.nonce });
        return this.#pushStatus(deviceId);
      }
      case 'hire-report': {
        const { env, body } = this.#open(raw, 'hire-report');
        const hire = this.store.get<HireRow>('SELECT * FROM hires WHERE id = ? AND device_id = ?', body.hireId, deviceId);
        if (!hire) throw new ProtocolError('not-found', `No hire ${body.hireId} on this device`, 404);
        if (hire.status === 'running') {
          const maxMinutes = (Math.min(Date.now(), hire.ends_at) - hire.created_at) / 60_000;
          this.store.run('UPDATE hires SET minutes_served = ?, detail = ? WHERE id = ?', Math.min(body.minutesServed, maxMinutes), body.detail, hire.id);
          if (body.state === 'failed' || body.state === 'completed') this.#finishHire(hire.id, body.state === 'failed' ? 'failed' : 'completed', body.detail);
        }
        return send({ type: 'ack', nonce: env.nonce });
      }
      case 'ack-results': {
        this.#open(raw, 'ack-results');
        return;
      }
      case 'set-wallet':
      case 'rename':
      case 'delete': {
        this.#accountOp(raw);
        return send({ type: 'ack', nonce: String((raw as { nonce: string }).nonce) });
      }
      default:
        throw new ProtocolError('bad-envelope', `Unknown message type ${String(type)}`);
    }
  }

  #send(deviceId: string, message: ServerMessage): boolean {
    const ws = this.#sockets.get(deviceId);
    if (!ws || ws.readyState !== ws.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  #pushStatus(deviceId: string): void {
    const device = this.#devices.get(deviceId);
    if (!device) return;
    const e = this.#eligibility(device, Date.now());
    this.#send(deviceId, { type: 'status', eligible: e.eligible, checks: e.checks, tier: device.tier });
  }

  #resultsSince(deviceId: string, lastBlock: number): BlockResult[] {
    return this.store
      .all<BlockDeviceRow & { closed_at: number; started_at: number }>(
        `SELECT bd.*, b.closed_at, b.started_at FROM block_devices bd JOIN blocks b ON b.id = bd.block_id
         WHERE bd.device_id = ? AND bd.block_id > ? AND b.status = 'Completed' ORDER BY bd.block_id LIMIT 1000`,
        deviceId, lastBlock,
      )
      .map(toResult);
  }

  // ---------------------------------------------------------------- blocks
  #online(device: DeviceRow, now: number): boolean {
    if (this.#sockets.has(device.id)) return true;
    return !!device.last_beat_at && now - device.last_beat_at <= this.params.heartbeat.offlineAfterSeconds * 1000;
  }

  #uptimeSeconds(device: DeviceRow, now: number): number {
    return this.#online(device, now) && device.online_since ? Math.max(0, (now - device.online_since) / 1000) : 0;
  }

  #activeHire(deviceId: string): HireRow | undefined {
    return this.store.get<HireRow>("SELECT * FROM hires WHERE device_id = ? AND status = 'running'", deviceId);
  }

  #eligibility(device: DeviceRow, now: number, proofsPassed?: boolean | null) {
    return eligibility(this.#facts(device, now, proofsPassed), this.params);
  }

  #facts(device: DeviceRow, now: number, proofsPassed?: boolean | null): EligibilityFacts {
    // The proofs alone (POTL and POW), not the block's whole verdict: a missing wallet is not a failed proof.
    const last = proofsPassed === undefined
      ? this.store.get<{ pow: string; potl_issued: number; potl_answered: number }>(
        "SELECT bd.pow, bd.potl_issued, bd.potl_answered FROM block_devices bd JOIN blocks b ON b.id = bd.block_id WHERE bd.device_id = ? AND b.status = 'Completed' ORDER BY bd.block_id DESC LIMIT 1",
        device.id,
      )
      : undefined;
    const facts: EligibilityFacts = {
      wallet: device.wallet,
      hardware: { processorType: device.processor_type, model: device.model, quantity: device.quantity, multiplier: device.multiplier },
      tier: device.tier,
      continuousUptimeSeconds: this.#uptimeSeconds(device, now),
      proofsPassed: proofsPassed !== undefined ? proofsPassed
        : last ? last.pow !== 'failed' && potlPassed(last.potl_answered, last.potl_issued, this.params.potl.passShare) : null,
      paused: device.paused,
      blocked: device.blocked === 1,
    };
    return facts;
  }

  #resumeOrOpenBlock(now: number): void {
    const open = this.store.get<BlockRow>("SELECT * FROM blocks WHERE status != 'Completed' ORDER BY id DESC LIMIT 1");
    if (!open) return this.#openBlock(now);
    // A block interrupted by a restart goes on with what was stored; challenges not yet sent are re-planned.
    // The outage is the coordinator's fault, not the workers': challenges left unanswered across it
    // are void, and new ones wait until the workers have had time to reconnect.
    const nominees = new Map<string, Nominee>();
    const from = Math.max(now + RESTART_GRACE_MS, open.started_at);
    const roomForPotl = open.ends_at - from > this.params.potl.deadlineSeconds * 1000 + 500;
    const roomForPow = open.ends_at - from > 1000;
    this.store.tx(() => {
      for (const row of this.store.all<BlockDeviceRow>('SELECT * FROM block_devices WHERE block_id = ?', open.id)) {
        row.potl_issued = row.potl_answered;
        const remaining = roomForPotl ? Math.max(0, this.params.potl.challengesPerBlock - row.potl_issued) : 0;
        const nominee: Nominee = { row, potlTimes: this.#plan(remaining, from, open.ends_at), pendingPotl: new Map(), powAt: null, pow: null };
        if (row.pow === 'pending' || row.pow === 'not-issued') {
          row.pow = 'not-issued';
          if (roomForPow) nominee.powAt = randomTime(from, from + (open.ends_at - from) / 3);
        }
        this.store.run('UPDATE block_devices SET potl_issued = ?, pow = ? WHERE block_id = ? AND device_id = ?', row.potl_issued, row.pow, open.id, row.device_id);
        nominees.set(row.device_id, nominee);
      }
    });
    this.#block = { row: { ...open, status: 'In Progress' }, nominees };
    this.store.run("UPDATE blocks SET status = 'In Progress' WHERE id = ?", open.id);
  }

  #plan(count: number, from: number, to: number): number[] {
    const latest = Math.max(from, to - this.params.potl.deadlineSeconds * 1000 - 500);
    return Array.from({ length: count }, () => randomTime(from, latest)).sort((a, b) => a - b);
  }

  #openBlock(now: number): void {
    const last = this.store.get<{ id: number; ends_at: number }>('SELECT id, ends_at FROM blocks ORDER BY id DESC LIMIT 1');
    const id = (last?.id ?? 0) + 1;
    const startedAt = now;
    const endsAt = startedAt + this.params.blockSeconds * 1000;
    const nominees = new Map<string, Nominee>();
    const hiredIds = this.#hiredIds();
    this.store.tx(() => {
      this.store.run('INSERT INTO blocks (id, started_at, ends_at, status, emission) VALUES (?, ?, ?, ?, ?)', id, startedAt, endsAt, 'In Progress', this.params.blockEmission);
      for (const device of this.#devices.values()) {
        if (!this.#online(device, now) || device.blocked) continue;
        const hired = hiredIds.has(device.id);
        const row: BlockDeviceRow = {
          block_id: id, device_id: device.id, potl_issued: 0, potl_answered: 0, pow: hired ? 'skipped-hired' : 'not-issued', pow_ms: null,
          pow_ops_per_sec: null, was_hired: hired ? 1 : 0, base: 0, normalized: 0, reward: 0, status: 'In Progress', reason: null,
        };
        this.store.run('INSERT INTO block_devices (block_id, device_id, pow, was_hired) VALUES (?, ?, ?, ?)', id, device.id, row.pow, row.was_hired);
        const powWindowEnd = startedAt + (endsAt - startedAt) / 3;
        nominees.set(device.id, {
          row,
          potlTimes: this.#plan(this.params.potl.challengesPerBlock, startedAt, endsAt),
          pendingPotl: new Map(),
          powAt: hired ? null : randomTime(startedAt, powWindowEnd),
          pow: null,
        });
      }
      this.store.run('UPDATE blocks SET nominated = ? WHERE id = ?', nominees.size, id);
    });
    this.#block = { row: { id, started_at: startedAt, ends_at: endsAt, status: 'In Progress', emission: this.params.blockEmission, nominated: nominees.size, passed: 0, distributed: 0, closed_at: null }, nominees };
  }

  #tick(now: number): void {
    if (this.#closed) return;
    // Nonces arrive in about time order: drop the expired head, stop at the first live one.
    for (const [nonce, expiry] of this.#nonces) {
      if (expiry >= now - MAX_CLOCK_SKEW_MS) break;
      this.#nonces.delete(nonce);
    }
    const block = this.#block;
    if (!block) return;
    for (const [deviceId, n] of block.nominees) {
      while (n.potlTimes.length && n.potlTimes[0] <= now) {
        n.potlTimes.shift();
        const challengeId = crypto.randomBytes(8).toString('hex');
        const nonce = crypto.randomBytes(16).toString('hex');
        const deadline = now + this.params.potl.deadlineSeconds * 1000;
        n.pendingPotl.set(challengeId, { nonce, deadline });
        n.row.potl_issued += 1;
        this.store.run('UPDATE block_devices SET potl_issued = ? WHERE block_id = ? AND device_id = ?', n.row.potl_issued, block.row.id, deviceId);
        this.#send(deviceId, { type: 'potl', challengeId, nonce, deadline });
      }
      if (n.powAt !== null && n.powAt <= now && n.row.pow === 'not-issued') {
        n.powAt = null;
        const seed = crypto.randomBytes(16).toString('hex');
        const challengeId = crypto.randomBytes(8).toString('hex');
        const deadline = Math.min(block.row.ends_at, now + this.params.pow.deadlineSeconds * 1000);
        n.pow = { challengeId, seed, size: this.params.pow.size, issuedAt: now, deadline };
        const sent = this.#send(deviceId, { type: 'pow', challengeId, seed, size: this.params.pow.size, deadline });
        n.row.pow = sent ? 'pending' : 'failed';
        n.row.reason = sent ? null : 'offline when the POW challenge was issued';
        this.store.run('UPDATE block_devices SET pow = ?, reason = ? WHERE block_id = ? AND device_id = ?', n.row.pow, n.row.reason, block.row.id, deviceId);
      }
    }
    if (now >= block.row.ends_at) {
      this.closeBlock(now);
      this.#openBlock(now);
    }
    this.#tickHires(now);
  }

  /** Processing -> Completed: evaluates proofs and eligibility, scores, stores, tells the workers. */
  closeBlock(now: number): void {
    const block = this.#block;
    if (!block) return;
    this.#flush();
    this.store.run("UPDATE blocks SET status = 'Processing' WHERE id = ?", block.row.id);
    const entries: BlockEntry[] = [];
    const rows: BlockDeviceRow[] = [];
    for (const [deviceId, n] of block.nominees) {
      const device = this.#devices.get(deviceId);
      const row = n.row;
      const reasons: string[] = [];
      // 'not-issued' only follows a coordinator restart that left no time to ask: it fails nobody.
      if (row.pow === 'pending') {
        row.pow = 'failed';
        reasons.push('no POW answer before the block closed');
      } else if (row.pow === 'failed') reasons.push(row.reason ?? 'POW failed');
      if (!potlPassed(row.potl_answered, row.potl_issued, this.params.potl.passShare)) {
        reasons.push(`answered ${row.potl_answered} of ${row.potl_issued} liveness challenges`);
      }
      let processorType: 'GPU' | 'CPU' = 'CPU';
      if (!device) reasons.push('device deleted');
      else {
        processorType = device.processor_type;
        row.base = baseScore({ tier: device.tier, multiplier: device.multiplier, quantity: device.quantity, wasHired: row.was_hired === 1 }, this.params);
        const facts = this.#facts(device, now, true);
        // Sentences only for the devices that fail a rule: the common case builds none.
        if (failingRules(facts, this.params)) for (const check of eligibility(facts, this.params).checks) if (!check.ok) reasons.push(check.detail);
      }
      row.status = reasons.length ? 'Failed' : 'Completed';
      row.reason = reasons.length ? reasons.join('; ') : null;
      entries.push({ deviceId, processorType, base: row.base, passed: row.status === 'Completed' });
      rows.push(row);
    }
    const { scores, distributed } = scoreBlock(entries, this.params);
    let passed = 0;
    this.store.tx(() => {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        row.normalized = scores[i].normalized;
        row.reward = scores[i].reward;
        if (row.status === 'Completed') passed++;
        this.store.run(
          'UPDATE block_devices SET pow = ?, base = ?, normalized = ?, reward = ?, status = ?, reason = ? WHERE block_id = ? AND device_id = ?',
          row.pow, row.base, row.normalized, row.reward, row.status, row.reason, row.block_id, row.device_id,
        );
      }
      this.store.run("UPDATE blocks SET status = 'Completed', passed = ?, distributed = ?, closed_at = ? WHERE id = ?", passed, distributed, now, block.row.id);
    });
    this.#block = null;
    for (const row of rows) {
      this.#send(row.device_id, { type: 'block-result', result: toResult({ ...row, closed_at: now, started_at: block.row.started_at }) });
      this.#pushStatus(row.device_id);
    }
    this.#log(`block ${block.row.id} completed: ${passed}/${rows.length} passed, ${distributed.toFixed(2)} distributed`);
  }

  #flush(): void {
    if (this.#groupCommit) clearTimeout(this.#groupCommit);
    this.#groupCommit = null;
    if (this.#pendingBeats.length === 0 && this.#dirty.size === 0) return;
    const beats = this.#pendingBeats;
    const acks = this.#pendingAcks;
    this.#pendingBeats = [];
    this.#pendingAcks = [];
    const devices = [...this.#dirty].map((id) => this.#devices.get(id)).filter((d): d is DeviceRow => !!d);
    this.#dirty.clear();
    try {
      this.store.writeBeats(beats, devices);
    } catch (error) {
      // Not stored, not acknowledged: the workers keep these and send them again.
      this.#log(`storing heartbeats failed: ${(error as Error).message}`);
      return;
    }
    for (const { ws, nonce } of acks) if (ws.readyState === ws.OPEN) ws.send(`{"type":"ack","nonce":"${nonce}"}`);
  }

  // ---------------------------------------------------------------- hires
  hire(deviceId: string, hours: number, workload: HireOrder['workload']): HireRow {
    const device = this.#mustDevice(deviceId);
    if (!this.#sockets.has(deviceId)) throw new ProtocolError('unavailable', `Device ${deviceId} is offline.`, 409);
    if (device.paused) throw new ProtocolError('unavailable', `Device ${deviceId} is paused: ${device.paused}`, 409);
    if (this.#activeHire(deviceId)) throw new ProtocolError('unavailable', `Device ${deviceId} is already hired.`, 409);
    const now = Date.now();
    const id = `hire-${crypto.randomBytes(6).toString('hex')}`;
    this.store.run("INSERT INTO hires (id, device_id, hours, workload, created_at, ends_at, status) VALUES (?, ?, ?, ?, ?, ?, 'running')",
      id, deviceId, hours, JSON.stringify(workload), now, Math.round(now + hours * 3_600_000));
    const row = this.store.get<HireRow>('SELECT * FROM hires WHERE id = ?', id)!;
    const nominee = this.#block?.nominees.get(deviceId);
    if (nominee) {
      nominee.row.was_hired = 1;
      this.store.run('UPDATE block_devices SET was_hired = 1 WHERE block_id = ? AND device_id = ?', nominee.row.block_id, deviceId);
    }
    this.#send(deviceId, { type: 'hire', order: hireOrder(row) });
    return row;
  }

  #rate(deviceId: string): number {
    const d = this.#devices.get(deviceId);
    if (!d) return 0;
    return (d.processor_type === 'GPU' ? this.params.hire.ratePerHourGPU : this.params.hire.ratePerHourCPU) * d.quantity;
  }

  #pay(hire: HireRow, hours: number): void {
    if (hours <= 0) return;
    const amount = hours * this.#rate(hire.device_id);
    this.store.run('UPDATE hires SET paid_hours = paid_hours + ?, paid_amount = paid_amount + ? WHERE id = ?', hours, amount, hire.id);
    this.#send(hire.device_id, { type: 'payout', hireId: hire.id, amount, hours, at: Date.now() });
  }

  #tickHires(now: number): void {
    for (const hire of this.store.all<HireRow>("SELECT * FROM hires WHERE status = 'running'")) {
      // The worker's own final report settles the hire; a silent one is settled after a grace time.
      if (now >= hire.ends_at + HIRE_SETTLE_GRACE_MS) {
        this.#finishHire(hire.id, 'completed', 'the hired time is over');
        continue;
      }
      const fullHours = Math.floor(hire.minutes_served / 60);
      if (fullHours > hire.paid_hours) this.#pay(hire, fullHours - hire.paid_hours);
    }
  }

  #finishHire(id: string, status: HireRow['status'], detail: string): void {
    const hire = this.store.get<HireRow>('SELECT * FROM hires WHERE id = ?', id);
    if (!hire || hire.status !== 'running') return;
    this.store.run('UPDATE hires SET status = ?, detail = ? WHERE id = ?', status, detail, id);
    this.#pay(hire, Math.max(0, hire.minutes_served / 60 - hire.paid_hours)); // the part hour is paid pro rata
    this.#send(hire.device_id, { type: 'hire-end', hireId: id, reason: detail });
  }

  // ---------------------------------------------------------------- explorer views
  #hiredIds(): Set<string> {
    return new Set(this.store.all<{ device_id: string }>("SELECT device_id FROM hires WHERE status = 'running'").map((h) => h.device_id));
  }

  #deviceView(d: DeviceRow, hired = this.#hiredIds()) {
    const now = Date.now();
    const online = this.#online(d, now);
    const hire = hired.has(d.id);
    const status = d.blocked ? 'blocked' : !online ? 'offline' : hire ? 'hired' : d.paused ? 'idle' : 'active';
    return {
      id: d.id,
      name: d.name,
      account: d.account_id,
      status,
      hireStatus: hire ? 'hired' : status === 'active' ? 'available' : 'unavailable',
      upForSeconds: Math.round(this.#uptimeSeconds(d, now)),
      processorType: d.processor_type,
      model: d.model,
      quantity: d.quantity,
      tier: d.tier,
      lastSeen: d.last_beat_at,
      registeredAt: d.registered_at,
    };
  }

  totals() {
    const now = Date.now();
    const t = { gpus: { total: 0, hired: 0, idle: 0 }, cpus: { total: 0, hired: 0, idle: 0 }, devices: 0, online: 0, coinsDistributed: 0, hirePayments: 0, blocks: 0 };
    const hired = this.#hiredIds();
    for (const d of this.#devices.values()) {
      const bucket = d.processor_type === 'GPU' ? t.gpus : t.cpus;
      t.devices++;
      bucket.total += d.quantity;
      if (hired.has(d.id)) bucket.hired += d.quantity;
      else if (this.#online(d, now)) bucket.idle += d.quantity;
      if (this.#online(d, now)) t.online++;
    }
    const sums = this.store.get<{ s: number | null; n: number }>("SELECT SUM(distributed) AS s, COUNT(*) AS n FROM blocks WHERE status = 'Completed'")!;
    t.coinsDistributed = sums.s ?? 0;
    t.blocks = sums.n;
    t.hirePayments = this.store.get<{ s: number | null }>('SELECT SUM(paid_amount) AS s FROM hires')!.s ?? 0;
    return t;
  }

  // ---------------------------------------------------------------- HTTP
  async #http(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    const json = (body: unknown, status = 200) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'access-control-allow-origin': '*' });
      res.end(text);
    };
    if (parts[0] !== 'v1') throw new ProtocolError('not-found', 'Unknown path; the API lives under /v1.', 404);
    const route = `${method} /${parts.slice(1).map((p, i) => (i === 1 ? ':id' : p)).join('/')}`;
    switch (route) {
      case 'GET /info':
        return json({ protocol: PROTOCOL_VERSION, blockSeconds: this.params.blockSeconds, heartbeatSeconds: this.params.heartbeat.intervalSeconds, serverTime: Date.now() });
      case 'GET /params':
        return json(this.params);
      case 'GET /ping':
        return json({ t: Date.now() });
      case 'GET /speedtest': {
        const bytes = Math.min(MAX_SPEEDTEST_BYTES, Math.max(1, Number(url.searchParams.get('bytes')) || 1024 * 1024));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes, 'cache-control': 'no-store' });
        const chunk = Buffer.alloc(64 * 1024, 7);
        for (let sent = 0; sent < bytes; sent += chunk.length) res.write(chunk.subarray(0, Math.min(chunk.length, bytes - sent)));
        res.end();
        return;
      }
      case 'POST /speedtest': {
        const started = process.hrtime.bigint();
        const body = await readBody(req, MAX_SPEEDTEST_BYTES);
        return json({ bytes: body.length, ms: Number(process.hrtime.bigint() - started) / 1e6 });
      }
      case 'GET /devices':
      {
        const hired = this.#hiredIds();
        return json({ devices: [...this.#devices.values()].map((d) => this.#deviceView(d, hired)), totals: this.totals() });
      }
      case 'POST /devices':
        return json(this.#deviceView(this.#register(await readJson(req))), 201);
      case 'GET /devices/:id': {
        const d = this.#mustDevice(parts[2]);
        const recent = this.store.all<BlockDeviceRow>('SELECT * FROM block_devices WHERE device_id = ? ORDER BY block_id DESC LIMIT 24', d.id);
        return json({
          ...this.#deviceView(d),
          wallet: d.wallet,
          inventory: JSON.parse(d.inventory),
          speed: d.speed ? JSON.parse(d.speed) : null,
          services: JSON.parse(d.services),
          heartbeats: d.heartbeats,
          traffic: { rxBytes: d.rx_bytes, txBytes: d.tx_bytes },
          paused: d.paused,
          eligibility: this.#eligibility(d, Date.now()),
          blocks: recent,
          hires: this.store.all<HireRow>('SELECT * FROM hires WHERE device_id = ? ORDER BY created_at DESC LIMIT 20', d.id),
          earned: this.store.get<{ s: number | null }>('SELECT SUM(reward) AS s FROM block_devices WHERE device_id = ?', d.id)!.s ?? 0,
        });
      }
      case 'GET /devices/:id/heartbeats': {
        const d = this.#mustDevice(parts[2]);
        this.#flush();
        return json({ heartbeats: this.store.all('SELECT sampled_at, seq, received_at, buffered FROM heartbeats WHERE device_id = ? ORDER BY sampled_at', d.id) });
      }
      case 'POST /signed':
        return json(this.#accountOp(await readJson(req)));
      case 'GET /accounts/:id': {
        const devices = [...this.#devices.values()].filter((d) => d.account_id === parts[2]);
        return json({ account: parts[2], devices: devices.map((d) => this.#deviceView(d)) });
      }
      case 'GET /blocks': {
        const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit')) || 50));
        return json({ blocks: this.store.all<BlockRow>('SELECT * FROM blocks ORDER BY id DESC LIMIT ?', limit), totals: this.totals() });
      }
      case 'GET /blocks/:id': {
        const block = this.store.get<BlockRow>('SELECT * FROM blocks WHERE id = ?', Number(parts[2]));
        if (!block) throw new ProtocolError('not-found', `No block ${parts[2]}`, 404);
        return json({ ...block, devices: this.store.all<BlockDeviceRow>('SELECT * FROM block_devices WHERE block_id = ? ORDER BY device_id', block.id) });
      }
      case 'GET /totals':
        return json(this.totals());
      case 'GET /hires':
        return json({ hires: this.store.all<HireRow>('SELECT * FROM hires ORDER BY created_at DESC LIMIT 200') });
      case 'POST /devices/:id/block':
      case 'POST /devices/:id/unblock': {
        this.#requireAdmin(req);
        const device = this.#mustDevice(parts[2]);
        device.blocked = parts[3] === 'block' ? 1 : 0;
        this.store.run('UPDATE devices SET blocked = ? WHERE id = ?', device.blocked, device.id);
        this.#pushStatus(device.id);
        return json(this.#deviceView(device));
      }
      case 'POST /hires': {
        this.#requireAdmin(req);
        const body = HireRequestSchema.safeParse(await readJson(req));
        if (!body.success) throw new ProtocolError('bad-body', `Bad hire: ${body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        return json(this.hire(body.data.deviceId, body.data.hours, body.data.workload), 201);
      }
      default:
        throw new ProtocolError('not-found', `No route ${method} ${url.pathname}`, 404);
    }
  }

  #requireAdmin(req: http.IncomingMessage): void {
    const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    const expected = Buffer.from(this.adminToken);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      throw new ProtocolError('forbidden', 'This call needs the coordinator\'s admin token (Authorization: Bearer …).', 403);
    }
  }

  #fail(res: http.ServerResponse, error: unknown): void {
    const e = error instanceof ProtocolError ? error : new ProtocolError('internal', 'Internal error; see the coordinator log.', 500);
    if (e.code === 'internal') this.#log(`http error: ${(error as Error)?.stack ?? error}`);
    if (res.headersSent) return void res.destroy();
    const text = JSON.stringify({ error: { code: e.code, message: e.message } });
    res.writeHead(e.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

const HireRequestSchema = z.object({
  deviceId: z.string().max(64),
  hours: z.number().positive().max(24 * 30),
  workload: HireOrderSchema.shape.workload,
}).strict();

function hireOrder(hire: HireRow): HireOrder {
  return { hireId: hire.id, hours: hire.hours, endsAt: hire.ends_at, workload: JSON.parse(hire.workload) };
}

function toResult(row: BlockDeviceRow & { closed_at: number; started_at: number }): BlockResult {
  return {
    block: row.block_id,
    startedAt: row.started_at,
    status: row.status === 'Completed' ? 'Completed' : 'Failed',
    reason: row.reason,
    potl: { answered: row.potl_answered, issued: row.potl_issued },
    pow: row.pow === 'pending' ? 'failed' : row.pow,
    base: row.base,
    normalized: row.normalized,
    reward: row.reward,
    closedAt: row.closed_at,
  };
}

/** Unpredictable to the worker: a challenge time drawn from the CSPRNG. */
function randomTime(from: number, to: number): number {
  const span = Math.floor(to - from);
  return span <= 1 ? Math.floor(from) : Math.floor(from) + crypto.randomInt(0, span);
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ProtocolError('too-large', `Body over ${limit} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ProtocolError('bad-body', 'The body is not JSON.');
  }
}
