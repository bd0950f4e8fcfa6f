// The preload's zod-free channel list must be exactly the contract's channels.
import { describe, expect, it } from 'vitest';
import { events, requests } from './channels.ts';
import { EVENT_CHANNEL_NAMES, REQUEST_CHANNEL_NAMES, isEventChannel, isRequestChannel } from './channel-names.ts';

describe('channel names for the preload', () => {
  it('list every request and event channel of the contract, and nothing else', () => {
    expect([...REQUEST_CHANNEL_NAMES].sort()).toEqual(Object.keys(requests).sort());
    expect([...EVENT_CHANNEL_NAMES].sort()).toEqual(Object.keys(events).sort());
  });

  it('refuse inherited and unknown names', () => {
    expect(isRequestChannel('system.status')).toBe(true);
    for (const name of ['__proto__', 'constructor', 'toString', 'no.such', 7, null]) expect(isRequestChannel(name)).toBe(false);
    expect(isEventChannel('telemetry')).toBe(true);
    expect(isEventChannel('hasOwnProperty')).toBe(false);
  });
});
