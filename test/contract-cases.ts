// One valid call per request channel, so contract tests can derive every malformed variant from it.
// The type makes a channel without an example a compile error; the tests also check at run time.
import type { RequestArgs, RequestChannel } from '../preload/contract/index.ts';

export const validArgs: { [C in RequestChannel]: RequestArgs<C> } = {
  'system.inventory': { refresh: false },
  'system.status': {},
  'telemetry.recent': { seconds: 60 },
  'settings.get': {},
  'settings.update': { theme: 'dark' },
  'device.rename': { name: 'rig-01' },
  'system.ping': { nonce: 'abc' },
  'network.trust': { networkId: 'net-0123456789abcdef', fingerprint: '0123:4567:89ab:cdef:0123:4567:89ab:cdef' },
  'network.device': { action: 'rename', deviceId: 'dev-0000000000000000', name: 'rig-02' },
  'wallet.check': { address: '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM' },
  'wallet.set': { address: '9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM', confirm: true },
  'history.telemetry': { device: 'gpu0', metric: 'temperatureC', range: { from: 1_700_000_000_000, to: 1_700_000_900_000 }, resolution: 'auto' },
  'uptime.bar': { days: 30, resolution: 'day', timeZone: 'UTC' },
  'uptime.streak': { device: 'device-1' },
  'traffic.days': { days: 7, timeZone: 'UTC' },
  export: { what: 'uptime', from: 1_700_000_000_000, to: 1_700_086_400_000, timeZone: 'UTC' },
  'updates.status': {},
  'updates.check': {},
  'worker.eligibility': {},
  'worker.pause': { paused: true, reason: 'testing' },
  'network.devices': {},
  'pairing.code': {},
  'pairing.status': {},
  'pairing.join': { code: '7K3M-Q9TX' },
  'rewards.summary': { days: 30, timeZone: 'UTC' },
  'rewards.page': { page: 1, pageSize: 50, device: 'device-1' },
  'payouts.list': { limit: 20 },
  'payouts.schedule': {},
  'jobs.list': { limit: 20 },
  'notices.list': { limit: 20 },
  'block.detail': { device: 'device-1', blockStart: 1_700_000_000_000 },
  'alerts.test': { channel: 'webhook' },
  'alerts.secret': { channel: 'ntfy', secret: 'tk_test' },
  'alerts.status': {},
  'schedule.check': { schedule: { enabled: true, timeZone: 'UTC', windows: [{ days: [0, 6], from: '00:00', to: '24:00' }] } },
};

/** What a valid call answers in a test core, which runs no network: ok, or this typed refusal. */
export const expectedWithoutNetwork = (channel: RequestChannel) =>
  channel === 'network.device' || channel === 'network.trust' || channel === 'pairing.code' || channel === 'pairing.join'
    ? { ok: false, error: { code: 'unavailable' } }
    : channel === 'block.detail' // no block is recorded in a test core
      ? { ok: false, error: { code: 'not-found' } }
      : channel === 'alerts.test' // a test core has no webhook URL: the page's own words say so
        ? { ok: false, error: { code: 'bad-request' } }
        : { ok: true };
