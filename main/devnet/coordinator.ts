// The devnet coordinator, composed: its store, the rooms (devices, sessions, blocks, hires,
// explorer, HTTP), the block ticker and the store flusher. Imports nothing from main/worker itself.
import crypto from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Blocks } from './blocks.ts';
import type { Rooms } from './context.ts';
import { Devices } from './devices.ts';
import { Explorer } from './explorer.ts';
import { Hires } from './hires.ts';
import { LinkMeasure } from './link-measure.ts';
import { OfflineAlerts, type OfflineAlertsOptions } from './offline-alerts.ts';
import { OwnOutage } from './own-outage.ts';
import { Pairing } from './pairing.ts';
import { createHttpServer } from './http-api.ts';
import { Payouts } from './payouts.ts';
import type { Params } from './params.ts';
import { Sessions } from './sessions.ts';
import { loadNetworkIdentity, type NetworkIdentity } from './identity.ts';
import { DevnetStore } from './store.ts';

export interface CoordinatorOptions {
  host?: string;
  port?: number;
  /** null keeps everything in memory (tests, benchmarks). */
  dataDir: string | null;
  params: Params;
  /** Bearer token for the operator's calls (hires, blocking a device); default: a random one. */
  adminToken?: string;
  log?: (message: string) => void;
  /** Tests shorten the offline alerts' retry waits. */
  offlineAlerts?: OfflineAlertsOptions;
}

const TICK_MS = 200;

export class Coordinator implements Rooms {
  readonly params: Params;
  readonly store: DevnetStore;
  readonly network: NetworkIdentity;
  readonly log: (message: string) => void;
  readonly devices: Devices;
  readonly sessions: Sessions;
  readonly blocks: Blocks;
  readonly hires: Hires;
  readonly explorer: Explorer;
  readonly offlineAlerts: OfflineAlerts;
  readonly pairing: Pairing;
  readonly link: LinkMeasure;
  readonly outage: OwnOutage;
  readonly payouts: Payouts;
  readonly #server: http.Server;
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
    this.log = options.log ?? (() => {});
    this.store = new DevnetStore(options.dataDir);
    this.network = loadNetworkIdentity(this.store);
    this.outage = new OwnOutage(this.store);
    this.pairing = new Pairing(this);
    this.devices = new Devices(this);
    this.sessions = new Sessions(this);
    this.blocks = new Blocks(this);
    this.hires = new Hires(this);
    this.explorer = new Explorer(this);
    this.offlineAlerts = new OfflineAlerts(this, options.offlineAlerts);
    this.link = new LinkMeasure(this);
    this.payouts = new Payouts(this);
    this.#server = createHttpServer(this, this.adminToken);
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
    c.blocks.resumeOrOpen(Date.now());
    c.#ticker = setInterval(() => {
      try {
        c.#tick(Date.now());
      } catch (error) {
        c.log(`block tick failed: ${(error as Error).stack ?? error}`);
      }
    }, TICK_MS);
    c.#flusher = setInterval(() => {
      c.sessions.flush();
      c.outage.noteAlive(Date.now());
      c.offlineAlerts.tick(Date.now());
    }, 1000);
    return c;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ticker) clearInterval(this.#ticker);
    if (this.#flusher) clearInterval(this.#flusher);
    this.sessions.flush();
    this.link.close();
    this.sessions.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.store.close();
  }

  #tick(now: number): void {
    if (this.#closed) return;
    this.devices.expireNonces(now);
    this.blocks.tick(now);
    this.hires.tick(now);
    this.payouts.tick(now);
    this.devices.walletChanges.tick(now);
  }
}
