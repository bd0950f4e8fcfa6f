// The explorer's read side: devices, blocks, hires, totals and accounts as the public API shows
// them (main/worker/explorer-api.ts), mapped from the store's snake_case rows to camelCase.
import type {
  AccountResponse, Block, BlockDetail, BlockDevice, BlocksResponse, DeviceDetail, DeviceView, DevicesResponse, HeartbeatsResponse,
  Hire, HiresResponse, InfoResponse, PublicDeviceDetail, PublicHiresResponse, Totals,
} from '../worker/explorer-api.ts';
import { PROTOCOL_VERSION } from '../worker/protocol.ts';
import { ProtocolError, type Rooms, type Viewer } from './context.ts';
import type { BlockDeviceRow, BlockRow, DeviceRow, HireRow } from './store.ts';

export class Explorer {
  readonly #c: Rooms;

  constructor(c: Rooms) {
    this.#c = c;
  }

  /** True when this viewer may see what is not public about the device: its operator or its owner. */
  #owns(viewer: Viewer, d: DeviceRow): boolean {
    return viewer.kind === 'operator' || (viewer.kind === 'owner' && (viewer.signer === d.id || viewer.signer === d.account_id));
  }

  deviceView(d: DeviceRow, hired = this.#c.hires.hiredIds(), viewer: Viewer = { kind: 'operator' }): DeviceView {
    const { devices } = this.#c;
    const now = Date.now();
    const online = devices.online(d, now);
    const hire = hired.has(d.id);
    const status = d.blocked ? 'blocked' : !online ? 'offline' : hire ? 'hired' : d.paused ? 'idle' : 'active';
    return {
      id: d.id,
      name: this.#owns(viewer, d) ? d.name : null,
      account: this.#owns(viewer, d) ? d.account_id : null,
      status,
      hireStatus: hire ? 'hired' : status === 'active' ? 'available' : 'unavailable',
      // Whole seconds gone by, as a clock counts them (and as the dashboard shows them): never rounded up.
      upForSeconds: Math.floor(devices.uptimeSeconds(d, now)),
      processorType: d.processor_type,
      model: d.model,
      quantity: d.quantity,
      tier: d.tier,
      lastSeen: d.last_beat_at,
      registeredAt: d.registered_at,
    };
  }

  devices(viewer: Viewer): DevicesResponse {
    const hired = this.#c.hires.hiredIds();
    return { devices: [...this.#c.devices.all()].map((d) => this.deviceView(d, hired, viewer)), totals: this.totals() };
  }

  device(id: string, viewer: Viewer): DeviceDetail | PublicDeviceDetail {
    const { devices, store } = this.#c;
    const d = devices.must(id);
    const blocks = () => store.all<BlockDeviceRow>('SELECT * FROM block_devices WHERE device_id = ? ORDER BY block_id DESC LIMIT 24', d.id).map(blockDeviceView);
    const earned = () => store.get<{ s: number | null }>('SELECT SUM(reward) AS s FROM block_devices WHERE device_id = ?', d.id)!.s ?? 0;
    // The public sees what io.net's explorer shows; wallet, machine, services, traffic and hires are the owner's.
    if (!this.#owns(viewer, d)) return { ...this.deviceView(d, undefined, viewer), blocks: blocks(), earned: earned() };
    return {
      ...this.deviceView(d),
      wallet: d.wallet,
      inventory: JSON.parse(d.inventory),
      speed: d.speed ? JSON.parse(d.speed) : null,
      services: JSON.parse(d.services),
      heartbeats: d.heartbeats,
      traffic: { rxBytes: d.rx_bytes, txBytes: d.tx_bytes },
      paused: d.paused === null ? null : { source: d.pause_source ?? 'user', detail: d.paused },
      eligibility: devices.eligibility(d, Date.now()),
      blocks: blocks(),
      hires: store.all<HireRow>('SELECT * FROM hires WHERE device_id = ? ORDER BY created_at DESC LIMIT 20', d.id).map(hireView),
      earned: earned(),
    };
  }

  heartbeats(id: string, viewer: Viewer): HeartbeatsResponse {
    const d = this.#c.devices.must(id);
    if (!this.#owns(viewer, d)) throw new ProtocolError('owner-only', 'A device\'s heartbeats are for its owner: sign the read with the device or account key.', 403);
    this.#c.sessions.flush();
    // Renamed in SQL: a device's whole history can be long, and this costs nothing per row.
    return {
      heartbeats: this.#c.store.all(
        'SELECT sampled_at AS sampledAt, seq, received_at AS receivedAt, buffered FROM heartbeats WHERE device_id = ? ORDER BY sampled_at',
        d.id,
      ),
    };
  }

  account(id: string, viewer: Viewer): AccountResponse {
    const devices = [...this.#c.devices.all()].filter((d) => d.account_id === id);
    const mine = viewer.kind === 'operator' || (viewer.kind === 'owner' && (viewer.signer === id || devices.some((d) => d.id === viewer.signer)));
    if (!mine) throw new ProtocolError('owner-only', 'Which devices an account owns is for that account: sign the read with its key.', 403);
    return { account: id, devices: devices.map((d) => this.deviceView(d, undefined, viewer)) };
  }

  blocks(limit: number): BlocksResponse {
    return { blocks: this.#c.store.all<BlockRow>('SELECT * FROM blocks ORDER BY id DESC LIMIT ?', limit).map(blockView), totals: this.totals() };
  }

  block(id: string): BlockDetail {
    const { store } = this.#c;
    const block = store.get<BlockRow>('SELECT * FROM blocks WHERE id = ?', Number(id));
    if (!block) throw new ProtocolError('not-found', `No block ${id}`, 404);
    return { ...blockView(block), devices: store.all<BlockDeviceRow>('SELECT * FROM block_devices WHERE block_id = ? ORDER BY device_id', block.id).map(blockDeviceView) };
  }

  hires(viewer: Viewer): HiresResponse | PublicHiresResponse {
    const rows = this.#c.store.all<HireRow>('SELECT * FROM hires ORDER BY created_at DESC LIMIT 200').map(hireView);
    // What runs on a hired machine, and what its worker reported, is the operator's.
    if (viewer.kind === 'operator') return { hires: rows };
    return { hires: rows.map(({ workload: _w, detail: _d, ...rest }) => rest) };
  }

  totals(): Totals {
    const { devices, store } = this.#c;
    const now = Date.now();
    const t = { gpus: { total: 0, hired: 0, idle: 0 }, cpus: { total: 0, hired: 0, idle: 0 }, devices: 0, online: 0, coinsDistributed: 0, hirePayments: 0, blocks: 0 };
    const hired = this.#c.hires.hiredIds();
    for (const d of devices.all()) {
      const bucket = d.processor_type === 'GPU' ? t.gpus : t.cpus;
      t.devices++;
      bucket.total += d.quantity;
      if (hired.has(d.id)) bucket.hired += d.quantity;
      else if (devices.online(d, now)) bucket.idle += d.quantity;
      if (devices.online(d, now)) t.online++;
    }
    const sums = store.get<{ s: number | null; n: number }>("SELECT SUM(distributed) AS s, COUNT(*) AS n FROM blocks WHERE status = 'Completed'")!;
    t.coinsDistributed = sums.s ?? 0;
    t.blocks = sums.n;
    t.hirePayments = store.get<{ s: number | null }>('SELECT SUM(paid_amount) AS s FROM hires')!.s ?? 0;
    return t;
  }

  info(): InfoResponse {
    const { params, network } = this.#c;
    return {
      protocol: PROTOCOL_VERSION, networkId: network.networkId, coordinatorKey: network.publicKeyPem, fingerprint: network.fingerprint,
      blockSeconds: params.blockSeconds, heartbeatSeconds: params.heartbeat.intervalSeconds, serverTime: Date.now(),
    };
  }
}

function blockView(b: BlockRow): Block {
  return {
    id: b.id, startedAt: b.started_at, endsAt: b.ends_at, status: b.status, emission: b.emission,
    nominated: b.nominated, passed: b.passed, distributed: b.distributed, closedAt: b.closed_at,
  };
}

function blockDeviceView(r: BlockDeviceRow): BlockDevice {
  return {
    blockId: r.block_id, deviceId: r.device_id, potlIssued: r.potl_issued, potlAnswered: r.potl_answered, pow: r.pow,
    powMs: r.pow_ms, powOpsPerSec: r.pow_ops_per_sec, wasHired: r.was_hired, base: r.base, normalized: r.normalized,
    reward: r.reward, status: r.status, reason: r.reason,
  };
}

export function hireView(h: HireRow): Hire {
  return {
    id: h.id, deviceId: h.device_id, hours: h.hours, workload: JSON.parse(h.workload), createdAt: h.created_at, endsAt: h.ends_at,
    status: h.status, minutesServed: h.minutes_served, paidHours: h.paid_hours, paidAmount: h.paid_amount, detail: h.detail,
  };
}
