// The channel names alone, without zod: all the sandboxed preload script needs to refuse an
// unknown channel before any IPC, which keeps its bundle small. A test holds them equal to the
// channels of ./channels.ts.
import type { EventChannel, RequestChannel } from './channels.ts';

export const REQUEST_CHANNEL_NAMES = [
  'system.inventory', 'system.status', 'telemetry.recent', 'settings.get', 'settings.update', 'device.rename',
  'system.ping', 'wallet.check', 'wallet.set', 'history.telemetry', 'uptime.bar', 'uptime.streak', 'traffic.days', 'export',
  'updates.status', 'updates.check', 'worker.eligibility', 'worker.pause', 'network.trust', 'network.device', 'network.devices',
  'pairing.code', 'pairing.status', 'pairing.join',
  'rewards.summary', 'rewards.page', 'payouts.list', 'payouts.schedule', 'jobs.list', 'notices.list',
  'alerts.test', 'alerts.secret', 'alerts.status', 'schedule.check', 'block.detail',
] as const satisfies readonly RequestChannel[];
export const EVENT_CHANNEL_NAMES = ['telemetry', 'status', 'notice'] as const satisfies readonly EventChannel[];

const requestNames: ReadonlySet<string> = new Set(REQUEST_CHANNEL_NAMES);
const eventNames: ReadonlySet<string> = new Set(EVENT_CHANNEL_NAMES);

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && requestNames.has(value);
}
export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && eventNames.has(value);
}

/** Electron IPC names on the wire: the preload and main/shell/ipc.ts both build them from here. */
export const IPC_REQUEST_PREFIX = 'io-worker:request:';
export const IPC_EVENT_PREFIX = 'io-worker:event:';
