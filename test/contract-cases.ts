// One valid call per request channel, so contract tests can derive every malformed variant from it.
// The type makes a channel without an example a compile error; the tests also check at run time.
import type { RequestArgs, RequestChannel } from '../preload/contract.ts';

export const validArgs: { [C in RequestChannel]: RequestArgs<C> } = {
  'system.inventory': { refresh: false },
  'system.status': {},
  'telemetry.recent': { seconds: 60 },
  'settings.get': {},
  'settings.update': { theme: 'dark' },
  'device.rename': { name: 'rig-01' },
  'system.ping': { nonce: 'abc' },
};
