// The worker's network session: registers once, keeps a signed WebSocket session with the
// coordinator, heartbeats (buffered while offline), answers POTL and POW, runs hires, measures the
// connectivity tier, and hands rewards, payouts and hires to an injected sink (the ledger, later).
import { WebSocket } from 'ws';
import type { OfflineCause, Pause } from '../../preload/contract/index.ts';
import { OFFLINE_CAUSE_WORDS } from '../../preload/contract/words.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { StateWaiters } from '../lib/state-waiters.ts';
import { accountChange, ownerRead, type AccountRequestContext } from './account-requests.ts';
import { memoryStore } from '../settings/secrets.ts';
import type { ClientState, WorkerClientOptions } from './client-types.ts';
import { HeartbeatQueue } from './heartbeat-queue.ts';
import { refuseHire, startHire, type HireOrderContext } from './hire-orders.ts';
import { NetworkLink } from './network-link.ts';
import { onPayoutMessage } from './payout-messages.ts';
import { AutoPowBackend } from './pow.ts';
import { PowProver } from './pow-prover.ts';
import {
  ServerMessageSchema, seal, type Heartbeat, type ServerMessage, type ServiceState, type Signer, type WirePause,
} from './protocol.ts';
import { disconnectedNotice, reconnectedNotice } from './session-notices.ts';
import { answerLinkMeasure, measureSpeed } from './speed-test.ts';
import { TrafficMeter, type Traffic } from './traffic.ts';
import { NetworkTrust } from './trust.ts';

export type { AccountKey, ClientState, ConnectionState, RewardSink, TelemetrySummary, WorkerClientOptions } from './client-types.ts';

/** A pause as the wire carries it: typed, who holds it and its detail. */
function wirePause(pause: Pause | null): WirePause | null {
  return pause ? { source: pause.source, detail: pause.detail.slice(0, 256) } : null;
}

/** The network answered and said no (a 4xx): not the same as not answering. */
class RegistrationRefused extends Error {}

export class WorkerClient {
  readonly #o: WorkerClientOptions;
  readonly #signer: Signer;
  readonly #sessionStartedAt = Date.now();
  readonly #pow: PowProver;
  #ws: WebSocket | null = null;
  #attempt = 0;
  #stopped = true;
  /** Whether a session was ever welcomed: only losing one is news (a first failed try is not). */
  #wasOnline = false;
  readonly #traffic = new TrafficMeter();
  #blockSeconds: number | null = null;
  #registered = false;
  #seq = 0;
  readonly #beats: HeartbeatQueue;
  #lastBlock: number;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #watchdog: NodeJS.Timeout | null = null;
  #heartbeatSeconds: number;
  #lastSpeedTestAt = 0;
  #walletToSend: string | null = null;
  #state: ClientState;
  readonly #waiters = new StateWaiters<ClientState>(() => this.state());
  /** The trusted network: its pinned key, the binding every envelope names, each message proven. */
  readonly #link: NetworkLink;

  constructor(options: WorkerClientOptions) {
    this.#o = options;
    this.#signer = { id: options.identity.deviceId, sign: (m) => options.identity.sign(m) };
    this.#pow = new PowProver({ backend: options.pow ?? new AutoPowBackend(undefined, options.log), send: (type, body) => this.#send(type, body), log: options.log });
    this.#lastBlock = options.lastBlock ?? 0;
    this.#heartbeatSeconds = options.heartbeatSeconds ?? 30;
    this.#beats = new HeartbeatQueue(options.maxBuffered ?? 2880);
    this.#state = {
      connection: 'connecting', detail: `Connecting to ${options.network}…`, eligible: null, checks: [], checksAt: null, tier: null, paused: null,
      offline: null, streak: null, minUptimeSeconds: null,
      buffered: 0, lastResult: null, hire: null, services: [], trust: null, trustPending: null,
    };
    this.#link = new NetworkLink(options.trust ?? new NetworkTrust(memoryStore('network pins of this run'), options.network), options.network);
    options.hires?.onReport((report) => {
      this.#send('hire-report', report);
      this.#o.sink?.recordHire(this.deviceId, { ...report, at: Date.now() });
      this.#update({ hire: report.state === 'running' || report.state === 'restarting' ? this.#state.hire : null });
    });
  }

  blockSeconds(): number | null {
    return this.#blockSeconds;
  }

  /** The network's blocks: their length and when one closed (the last result's close), once known. */
  blockSchedule(): { blockMs: number; anchorMs: number } | null {
    const closed = this.#state.lastResult?.closedAt;
    return this.#blockSeconds && closed ? { blockMs: this.#blockSeconds * 1000, anchorMs: closed } : null;
  }

  /** What this worker sent and received over the network since it started. */
  traffic(): Traffic {
    return this.#traffic.total();
  }

  get deviceId(): string {
    return this.#o.identity.deviceId;
  }

  state(): ClientState {
    return { ...this.#state, services: this.#services() };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#scheduleHeartbeats();
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of [this.#heartbeatTimer, this.#reconnectTimer, this.#watchdog]) if (t) clearTimeout(t);
    this.#heartbeatTimer = this.#reconnectTimer = this.#watchdog = null;
    const ws = this.#ws;
    this.#ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { ws.terminate(); resolve(); }, 1000);
        ws.once('close', () => { clearTimeout(timer); resolve(); });
        ws.close(1000, 'worker stopping');
      });
    }
    await this.#o.hires?.stop('the worker is stopping');
    await this.#pow.close();
  }

  /** Pauses earning (whichever source holds, see pause.ts); heartbeats go on. */
  pause(pause: Pause): void {
    this.#update({ paused: pause });
    this.#beat();
  }

  resume(): void {
    this.#update({ paused: null });
    this.#beat();
  }

  /** The session watchdog's restart (session-watchdog.ts): drops a session the network stopped answering; it reconnects with backoff. */
  restartSession(): void {
    this.#ws?.terminate();
  }

  /** Sent now, or (no session up) at the next welcome: a wallet set while connecting is never lost. */
  setWallet(wallet: string): void {
    this.#walletToSend = this.#send('set-wallet', { wallet }) ? null : wallet;
  }

  /** Resolves when the predicate holds on the client state (tests and the CLI wait with it). */
  waitFor(predicate: (state: ClientState) => boolean, timeoutMs: number): Promise<ClientState> {
    return this.#waiters.waitFor(predicate, timeoutMs);
  }

  /** Renames or removes one of this account's devices at the coordinator, signed by the account key. */
  accountOp(type: 'rename' | 'delete', body: { deviceId: string; name?: string }): Promise<void> {
    return accountChange(this.#account(), type, body);
  }

  /** A read of what the network keeps for the owner only (names, machines, hires), signed by the account key. */
  ownerRead(path: string): Promise<unknown> {
    return ownerRead(this.#account(), path);
  }

  /** A payout wallet change confirmed or cancelled, signed by this device's own key (a second machine's word). */
  deviceRequest(type: 'wallet-change', body: { deviceId: string; wallet: string; decision: 'confirm' | 'cancel' }): Promise<void> {
    return accountChange({ ...this.#account(), account: this.#signer }, type, body);
  }

  #account(): AccountRequestContext {
    return { url: (path) => this.#httpUrl(path), account: this.#o.account, binding: this.#link.binding };
  }

  // ---------------------------------------------------------------- connection
  /** Asks the coordinator who it is and checks that against the pins; false: not trusted (said why). */
  async #establishTrust(): Promise<boolean> {
    const res = await fetch(this.#httpUrl('/v1/info'), { signal: AbortSignal.timeout(10_000) });
    const meeting = await this.#link.meet(res.status, await res.json().catch(() => null));
    if (meeting.trusted) {
      this.#update({ trust: meeting.pin, trustPending: null });
      return true;
    }
    this.#update({ trustPending: meeting.pending });
    if (meeting.notice) this.#o.sink?.recordNotice?.(meeting.notice);
    this.#o.log?.(meeting.detail);
    // A network to confirm is said in full (what changed, what to do); the rest in the table's words.
    this.#retry(meeting.pending ? 'not-trusted' : 'unreachable', meeting.detail, meeting.pending ? meeting.detail : undefined);
    return false;
  }

  /** The owner accepts the network or key now waiting; the worker registers with it at once. */
  async confirmTrust(networkId: string, fingerprint: string): Promise<boolean> {
    if (!(await this.#link.confirm(networkId, fingerprint))) return false;
    this.#registered = false;
    this.#update({ trustPending: null });
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#ws?.terminate();
    if (!this.#ws) void this.#connect();
    return true;
  }

  #httpUrl(path: string): string {
    return new URL(path, this.#o.network).toString();
  }

  async #register(): Promise<void> {
    const ownerSig = this.#o.account.sign(`own:${this.deviceId}`).toString('base64');
    const body = {
      publicKeyPem: this.#o.identity.publicKeyPem,
      ownerPublicKeyPem: this.#o.account.publicKeyPem,
      ownerSig,
      name: this.#o.name(),
      wallet: this.#o.wallet(),
      inventory: await this.#o.inventory(),
    };
    const res = await fetch(this.#httpUrl('/v1/devices'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(seal(this.#signer, this.#link.binding, 'register', body)),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) {
      const text = await res.text();
      throw new RegistrationRefused(`registration refused (${res.status}): ${text.slice(0, 300)}`);
    }
    this.#registered = true;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    this.#update({ connection: this.#state.connection === 'online' ? 'offline' : this.#state.connection });
    try {
      if (!this.#link.known && !(await this.#establishTrust())) return;
      if (!this.#registered) await this.#register();
    } catch (error) {
      this.#o.log?.(`register: ${(error as Error).message}`);
      return this.#retry(error instanceof RegistrationRefused ? 'refused' : 'unreachable', (error as Error).message);
    }
    if (this.#stopped) return;
    const wsUrl = this.#httpUrl('/v1/session').replace(/^http/, 'ws');
    const ws = new WebSocket(wsUrl, { handshakeTimeout: 10_000, maxPayload: 16 * 1024 * 1024 });
    this.#ws = ws;
    ws.on('upgrade', (res) => this.#traffic.attach(res.socket));
    ws.on('open', () => {
      ws.send(JSON.stringify(seal(this.#signer, this.#link.binding, 'hello', {
        sessionStartedAt: this.#sessionStartedAt, lastBlock: this.#lastBlock, paused: wirePause(this.#state.paused), version: '1',
      })));
      this.#feedWatchdog();
    });
    ws.on('message', (data) => {
      // A message read while a stopped (or replaced) session closes is not acted on: it would re-arm the
      // watchdog and start work (a link measurement) that keeps a stopped worker's process alive.
      if (this.#stopped || this.#ws !== ws) return;
      this.#feedWatchdog();
      let raw: unknown;
      try {
        raw = JSON.parse(String(data));
      } catch {
        this.#o.log?.('bad message from coordinator: not JSON');
        return;
      }
      const opened = this.#link.open(raw);
      if (!opened.ok) {
        this.#o.log?.(`refused a message from the coordinator: ${opened.why}`);
        // Before the welcome, a message not from the pinned network means another one answers here: ask
        // again who it is, so a changed key or network is said, not looped on. Later ones are just dropped.
        if (opened.forged && this.#state.connection !== 'online') {
          this.#link.forget();
          ws.close(4002, 'not signed by the pinned network key');
        }
        return;
      }
      raw = opened.message;
      const parsed = ServerMessageSchema.safeParse(raw);
      if (!parsed.success) {
        this.#o.log?.(`bad message from coordinator: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 500)}`);
        refuseHire(this.#hireOrders(), raw, parsed.error.issues.map((i) => i.message).join('; '));
        return;
      }
      try {
        this.#onMessage(parsed.data);
      } catch (error) {
        // A message the worker cannot act on is logged; it never ends the worker.
        this.#o.log?.(`coordinator message ${parsed.data.type} failed: ${(error as Error).message}`);
      }
    });
    ws.on('error', (error) => this.#o.log?.(`session: ${error.message}`));
    ws.on('close', (code, reason) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#traffic.settle();
      this.#beats.requeueInflight();
      if (code === 4000) {
        this.#stopped = true;
        this.#wentOffline('deleted', null);
        return;
      }
      // The close code is for the log; the owner reads what happened and what comes next.
      if (!this.#stopped) this.#retry('connection-lost', `session closed (${code}${reason.length ? `: ${reason}` : ''})`);
    });
  }

  #retry(cause: OfflineCause, why: string, shown?: string): void {
    if (this.#stopped) return;
    const { initialMs, maxMs } = this.#o.backoff ?? { initialMs: 1000, maxMs: 60_000 };
    const delay = backoffDelay(this.#attempt, initialMs, maxMs);
    this.#attempt++;
    this.#o.log?.(`offline (${cause}): ${why}; next try in ${(delay / 1000).toFixed(1)} s`);
    this.#wentOffline(cause, Date.now() + delay, shown);
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delay);
  }

  /** Off the network: the state says why and when the next try is; losing a session is a notice. */
  #wentOffline(cause: OfflineCause, retryAt: number | null, shown?: string): void {
    const since = this.#state.offline?.since ?? Date.now();
    if (this.#state.connection === 'online') {
      this.#o.sink?.recordNotice?.(disconnectedNotice(cause, this.#o.network));
    }
    const detail = shown ?? `${OFFLINE_CAUSE_WORDS[cause]}.${retryAt === null ? '' : ' Reconnecting on its own.'}`;
    this.#update({ connection: 'offline', detail, offline: { since, cause, retryAt } });
  }

  #feedWatchdog(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    if (this.#stopped) return;
    const ws = this.#ws;
    this.#watchdog = setTimeout(() => ws?.terminate(), Math.max(10_000, this.#heartbeatSeconds * 3000));
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.#attempt = 0;
        this.#heartbeatSeconds = this.#o.heartbeatSeconds ?? message.heartbeatSeconds;
        this.#blockSeconds = message.blockSeconds;
        this.#scheduleHeartbeats();
        if (this.#state.offline && this.#wasOnline) {
          this.#o.sink?.recordNotice?.(reconnectedNotice(this.#o.network, (Date.now() - this.#state.offline.since) / 1000));
        }
        this.#wasOnline = true;
        this.#update({ connection: 'online', detail: `Connected to ${this.#o.network} as ${message.deviceId}.`, offline: null, heartbeatSeconds: this.#heartbeatSeconds });
        this.#flushBuffer();
        if (this.#walletToSend !== null) this.setWallet(this.#walletToSend);
        this.#beat();
        if (Date.now() - this.#lastSpeedTestAt > 3_600_000) void this.#speedTest();
        return;
      case 'ack':
        this.#beats.answered(message.nonce);
        this.#o.evidence?.answered(message.nonce, null);
        return;
      case 'error': {
        const beat = message.nonce ? this.#beats.answered(message.nonce) : undefined;
        if (message.nonce) this.#o.evidence?.answered(message.nonce, { code: message.code, message: message.message });
        // Signed before a coordinator restart: the same beat, signed again now, is accepted.
        if (beat && message.code === 'stale' && this.#online()) this.#sendBeat({ ...beat, buffered: true });
        this.#o.log?.(`coordinator refused a message: ${message.code}: ${message.message}`);
        if (message.code === 'unknown-signer') this.#registered = false;
        // The coordinator says it is another network now: ask it again who it is before anything else.
        if (message.code === 'wrong-network') {
          this.#link.forget();
          this.#ws?.close(4002, 'network changed');
        }
        return;
      }
      case 'potl':
        this.#o.evidence?.challenge('potl', message.challengeId, message.deadline);
        this.#send('potl-answer', { challengeId: message.challengeId, nonce: message.nonce });
        return;
      case 'pow':
        this.#o.evidence?.challenge('pow', message.challengeId, message.deadline);
        void this.#pow.challenge(message);
        return;
      case 'pow-open':
        void this.#pow.open(message);
        return;
      case 'block-result': {
        const r = message.result;
        if (r.block <= this.#lastBlock && this.#state.lastResult) return;
        this.#lastBlock = Math.max(this.#lastBlock, r.block);
        this.#o.sink?.recordBlockReward(this.deviceId, r);
        this.#update({ lastResult: r });
        this.#send('ack-results', { lastBlock: this.#lastBlock });
        return;
      }
      case 'status':
        this.#update({
          eligible: message.eligible, checks: message.checks, checksAt: Date.now(), tier: message.tier,
          streak: message.streakSeconds === undefined ? this.#state.streak : { seconds: message.streakSeconds, at: Date.now() },
          minUptimeSeconds: message.minUptimeSeconds ?? this.#state.minUptimeSeconds, walletChanges: message.walletChanges ?? this.#state.walletChanges,
        });
        return;
      case 'hire':
        if (this.#state.hire?.hireId === message.order.hireId) return;
        this.#update({ hire: { hireId: message.order.hireId, kind: message.order.workload.kind, endsAt: message.order.endsAt } });
        void startHire(this.#hireOrders(), message.order);
        return;
      case 'hire-end':
        void this.#o.hires?.stop(message.reason, message.hireId);
        this.#update({ hire: null });
        return;
      case 'payout': return this.#o.sink?.recordPayout(this.deviceId, { hireId: message.hireId, amount: message.amount, hours: message.hours, at: message.at });
      case 'link-measure': return void answerLinkMeasure(message, (p) => this.#httpUrl(p), this.#traffic, this.#o.log);
      case 'payout-schedule': case 'reward-payout': return onPayoutMessage(message, this.deviceId, this.#o.sink, this.#o.log);
    }
  }

  #hireOrders(): HireOrderContext {
    return {
      hires: this.#o.hires, sink: this.#o.sink, deviceId: this.deviceId, log: this.#o.log, send: (type, body) => this.#send(type, body),
      shownHireId: () => this.#state.hire?.hireId ?? null, clearShown: () => this.#update({ hire: null }),
    };
  }

  async #speedTest(): Promise<void> {
    try {
      const bytes = this.#o.speedTestBytes ?? 4 * 1024 * 1024;
      const result = await measureSpeed((path) => this.#httpUrl(path), bytes);
      this.#traffic.add(bytes, bytes);
      this.#lastSpeedTestAt = Date.now();
      this.#send('speed', result);
    } catch (error) {
      this.#o.log?.(`speed test failed: ${(error as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- heartbeats
  #scheduleHeartbeats(): void {
    if (this.#heartbeatTimer) clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = setInterval(() => this.#beat(), this.#heartbeatSeconds * 1000);
  }

  #beat(): void {
    if (this.#stopped) return;
    const t = this.#o.telemetry?.() ?? { cpuPct: null, gpuPct: null, gpuTempC: null, powerW: null, rxBytes: 0, txBytes: 0 };
    const beat: Heartbeat = {
      seq: this.#seq++,
      sampledAt: Date.now(),
      buffered: false,
      telemetry: { cpuPct: t.cpuPct, gpuPct: t.gpuPct, gpuTempC: t.gpuTempC, powerW: t.powerW },
      traffic: { rxBytes: t.rxBytes, txBytes: t.txBytes },
      services: this.#services(),
      paused: wirePause(this.#state.paused),
    };
    if (!this.#online()) {
      this.#beats.hold(beat);
      this.#update({ buffered: this.#beats.held });
      return;
    }
    this.#sendBeat(beat);
  }

  #sendBeat(beat: Heartbeat): void {
    const env = seal(this.#signer, this.#link.binding, 'heartbeat', beat);
    this.#beats.sent(env.nonce, beat);
    this.#ws!.send(JSON.stringify(env));
  }

  #flushBuffer(): void {
    const pending = this.#beats.drain();
    for (const beat of pending) this.#sendBeat(beat);
    if (pending.length) this.#o.log?.(`flushed ${pending.length} buffered heartbeats`);
    this.#update({ buffered: 0 });
  }

  #online(): boolean {
    return this.#state.connection === 'online' && this.#ws?.readyState === WebSocket.OPEN;
  }

  #send(type: string, body: unknown): boolean {
    if (!this.#online()) return false;
    const envelope = seal(this.#signer, this.#link.binding, type, body);
    this.#ws!.send(JSON.stringify(envelope));
    this.#o.evidence?.sent(type, body, envelope.nonce);
    return true;
  }

  #services(): ServiceState[] {
    const online = this.#state.connection === 'online';
    return [
      this.#o.versionControl?.() ?? { name: 'Version Control', state: 'stopped', detail: 'Updates are checked by the app at launch.' },
      {
        name: 'Monitor',
        state: online ? 'running' : this.#stopped ? 'stopped' : 'failing',
        detail: online ? `Heartbeats every ${this.#heartbeatSeconds} s.` : `Coordinator unreachable; ${this.#beats.held} heartbeats buffered${this.#beats.dropped ? `, ${this.#beats.dropped} dropped` : ''}.`,
      },
      this.#o.hires?.rayService() ?? { name: 'Ray', state: 'stopped', detail: 'No Ray workload running.' },
    ];
  }

  #update(patch: Partial<ClientState>): void {
    this.#state = { ...this.#state, ...patch };
    const state = this.state();
    this.#o.onState?.(state);
    this.#waiters.changed();
  }
}
