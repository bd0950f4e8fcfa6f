// A hire order the worker starts or refuses: what is reported to the network and kept for the owner.
import { HIRE_ID_PATTERN, type HireOrder } from './protocol.ts';
import type { WorkerClientOptions } from './client-types.ts';

export interface HireOrderContext {
  hires: WorkerClientOptions['hires'];
  sink: WorkerClientOptions['sink'];
  deviceId: string;
  log?: (message: string) => void;
  send: (type: 'hire-report', body: unknown) => void;
  /** The hire the client shows as running, and how to clear it. */
  shownHireId: () => string | null;
  clearShown: () => void;
}

export async function startHire(c: HireOrderContext, order: HireOrder): Promise<void> {
  if (!c.hires) {
    c.send('hire-report', { hireId: order.hireId, state: 'failed', minutesServed: 0, detail: 'This worker runs no hired workloads.' });
    return;
  }
  const refused = await c.hires.start(order).catch((error: unknown) => `could not start: ${(error as Error).message}`);
  if (refused) refuseHire(c, { type: 'hire', order }, refused);
}

/** A hire order this worker will not run (it breaks the schema, or would not start): tell the network and the owner. */
export function refuseHire(c: HireOrderContext, raw: unknown, why: string): void {
  const order = raw as { type?: unknown; order?: { hireId?: unknown } } | null;
  if (order?.type !== 'hire') return;
  const hireId = typeof order.order?.hireId === 'string' && HIRE_ID_PATTERN.test(order.order.hireId) ? order.order.hireId : null;
  const detail = `Refused a hire order: ${why}`.slice(0, 512);
  c.log?.(detail);
  if (c.shownHireId() === hireId) c.clearShown();
  if (!hireId) return; // nothing the coordinator could match a report to
  c.send('hire-report', { hireId, state: 'failed', minutesServed: 0, detail });
  c.sink?.recordHire(c.deviceId, { hireId, state: 'failed', minutesServed: 0, detail, at: Date.now() });
}
