// Hires: the operator reserves an online device for some hours, the worker runs the workload and
// reports the minutes served, and the coordinator pays each full hour, the last part hour pro rata.
import crypto from 'node:crypto';
import type { z } from 'zod';
import type { HireOrder, HireReportSchema } from '../worker/protocol.ts';
import { ProtocolError, type Rooms } from './context.ts';
import type { HireRow } from './store.ts';

const HIRE_SETTLE_GRACE_MS = 5000;

export class Hires {
  readonly #c: Rooms;

  constructor(c: Rooms) {
    this.#c = c;
  }

  hire(deviceId: string, hours: number, workload: HireOrder['workload']): HireRow {
    const { store, devices, sessions, blocks } = this.#c;
    const device = devices.must(deviceId);
    if (!sessions.connected(deviceId)) throw new ProtocolError('unavailable', `Device ${deviceId} is offline.`, 409);
    if (device.paused) throw new ProtocolError('unavailable', `Device ${deviceId} is paused: ${device.paused}`, 409);
    if (store.get<HireRow>("SELECT * FROM hires WHERE device_id = ? AND status = 'running'", deviceId)) {
      throw new ProtocolError('unavailable', `Device ${deviceId} is already hired.`, 409);
    }
    const now = Date.now();
    const id = `hire-${crypto.randomBytes(6).toString('hex')}`;
    store.run("INSERT INTO hires (id, device_id, hours, workload, created_at, ends_at, status) VALUES (?, ?, ?, ?, ?, ?, 'running')",
      id, deviceId, hours, JSON.stringify(workload), now, Math.round(now + hours * 3_600_000));
    const row = store.get<HireRow>('SELECT * FROM hires WHERE id = ?', id)!;
    blocks.markHired(deviceId);
    sessions.send(deviceId, { type: 'hire', order: hireOrder(row) });
    return row;
  }

  /** The worker's account of a running hire; its final report settles it. */
  report(deviceId: string, body: z.infer<typeof HireReportSchema>): void {
    const { store } = this.#c;
    const hire = store.get<HireRow>('SELECT * FROM hires WHERE id = ? AND device_id = ?', body.hireId, deviceId);
    if (!hire) throw new ProtocolError('not-found', `No hire ${body.hireId} on this device`, 404);
    if (hire.status !== 'running') return;
    const maxMinutes = (Math.min(Date.now(), hire.ends_at) - hire.created_at) / 60_000;
    store.run('UPDATE hires SET minutes_served = ?, detail = ? WHERE id = ?', Math.min(body.minutesServed, maxMinutes), body.detail, hire.id);
    if (body.state === 'failed' || body.state === 'completed') this.#finish(hire.id, body.state === 'failed' ? 'failed' : 'completed', body.detail);
  }

  hiredIds(): Set<string> {
    return new Set(this.#c.store.all<{ device_id: string }>("SELECT device_id FROM hires WHERE status = 'running'").map((h) => h.device_id));
  }

  /** The running hires of a device, sent again when its session starts. */
  ordersFor(deviceId: string): HireOrder[] {
    return this.#c.store.all<HireRow>("SELECT * FROM hires WHERE device_id = ? AND status = 'running'", deviceId).map(hireOrder);
  }

  /** Pays the full hours served so far; settles a hire whose worker went silent after its end. */
  tick(now: number): void {
    for (const hire of this.#c.store.all<HireRow>("SELECT * FROM hires WHERE status = 'running'")) {
      // The worker's own final report settles the hire; a silent one is settled after a grace time.
      if (now >= hire.ends_at + HIRE_SETTLE_GRACE_MS) {
        this.#finish(hire.id, 'completed', 'the hired time is over');
        continue;
      }
      const fullHours = Math.floor(hire.minutes_served / 60);
      if (fullHours > hire.paid_hours) this.#pay(hire, fullHours - hire.paid_hours);
    }
  }

  #rate(deviceId: string): number {
    const d = this.#c.devices.get(deviceId);
    if (!d) return 0;
    const { hire } = this.#c.params;
    return (d.processor_type === 'GPU' ? hire.ratePerHourGPU : hire.ratePerHourCPU) * d.quantity;
  }

  #pay(hire: HireRow, hours: number): void {
    if (hours <= 0) return;
    const amount = hours * this.#rate(hire.device_id);
    this.#c.store.run('UPDATE hires SET paid_hours = paid_hours + ?, paid_amount = paid_amount + ? WHERE id = ?', hours, amount, hire.id);
    this.#c.sessions.send(hire.device_id, { type: 'payout', hireId: hire.id, amount, hours, at: Date.now() });
  }

  #finish(id: string, status: HireRow['status'], detail: string): void {
    const hire = this.#c.store.get<HireRow>('SELECT * FROM hires WHERE id = ?', id);
    if (!hire || hire.status !== 'running') return;
    this.#c.store.run('UPDATE hires SET status = ?, detail = ? WHERE id = ?', status, detail, id);
    this.#pay(hire, Math.max(0, hire.minutes_served / 60 - hire.paid_hours)); // the part hour is paid pro rata
    this.#c.sessions.send(hire.device_id, { type: 'hire-end', hireId: id, reason: detail });
  }
}

function hireOrder(hire: HireRow): HireOrder {
  return { hireId: hire.id, hours: hire.hours, endsAt: hire.ends_at, workload: JSON.parse(hire.workload) };
}
