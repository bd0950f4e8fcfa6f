// The powerMonitor seam with an injected fake: idle time read through, lock and unlock as events,
// and the idle rule over it pausing at input and releasing at the lock.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startIdleRule } from '../worker/autopilot/idle.ts';
import { PauseArbiter } from '../worker/pause.ts';
import { powerMonitorActivity, type PowerMonitorLike } from './user-activity.ts';

function fakePowerMonitor(startLocked = false) {
  const events = new EventEmitter();
  const state = { idle: 0 };
  const monitor: PowerMonitorLike = {
    getSystemIdleTime: () => state.idle,
    getSystemIdleState: () => (startLocked ? 'locked' : 'active'),
    on: (event, listener) => events.on(event, listener),
    removeListener: (event, listener) => events.removeListener(event, listener),
  };
  return { monitor, state, events };
}

describe('powerMonitor seam', () => {
  it('reads idle time, follows lock and unlock, and lets go of its listeners', () => {
    const fake = fakePowerMonitor();
    const activity = powerMonitorActivity(fake.monitor);
    const pauses = new PauseArbiter();
    const rule = startIdleRule({ activity, settings: () => ({ enabled: true, afterMinutes: 2 }), set: (d) => pauses.set('idle', d), everyMs: 60_000 });
    expect(pauses.current()?.source).toBe('idle');
    fake.state.idle = 120;
    rule.check();
    expect(pauses.current()).toBeNull();
    fake.state.idle = 1;
    fake.events.emit('lock-screen');
    expect(activity.locked()).toBe(true);
    expect(pauses.current()).toBeNull();
    fake.events.emit('unlock-screen');
    expect(pauses.current()?.source).toBe('idle');
    rule();
    expect(fake.events.listenerCount('lock-screen') + fake.events.listenerCount('unlock-screen')).toBe(0);
  });

  it('knows a session that started locked', () => {
    expect(powerMonitorActivity(fakePowerMonitor(true).monitor).locked()).toBe(true);
  });
});
