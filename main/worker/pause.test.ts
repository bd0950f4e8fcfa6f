import { describe, expect, it } from 'vitest';
import type { Pause } from '../../preload/contract/index.ts';
import { PauseArbiter } from './pause.ts';

describe('the pause arbiter', () => {
  it('pauses while any source holds, shows the first by precedence, and resumes only when all release', () => {
    const arbiter = new PauseArbiter();
    const changes: (Pause | null)[] = [];
    arbiter.onChange((p) => changes.push(p));
    arbiter.set('limits', 'GPU 0 at 91 °C, over your 85 °C limit');
    arbiter.set('user', 'lunch break');
    expect(arbiter.current()).toEqual({ source: 'user', detail: 'lunch break' });
    arbiter.set('user', null); // the owner resumes; the limit still holds
    expect(arbiter.current()).toEqual({ source: 'limits', detail: 'GPU 0 at 91 °C, over your 85 °C limit' });
    expect(arbiter.holds()).toHaveLength(1);
    arbiter.set('limits', null);
    expect(arbiter.current()).toBeNull();
    expect(changes.map((c) => c?.source ?? null)).toEqual(['limits', 'user', 'limits', null]);
  });

  it('says nothing when a hold is repeated unchanged, and something when its detail changes', () => {
    const arbiter = new PauseArbiter();
    const changes: (Pause | null)[] = [];
    arbiter.onChange((p) => changes.push(p));
    arbiter.set('idle', 'you are using this machine');
    arbiter.set('idle', 'you are using this machine');
    arbiter.set('schedule', 'outside 22:00–07:00'); // precedence: schedule before idle
    arbiter.set('idle', null);
    arbiter.set('schedule', 'outside 23:00–07:00');
    expect(changes).toEqual([
      { source: 'idle', detail: 'you are using this machine' },
      { source: 'schedule', detail: 'outside 22:00–07:00' },
      { source: 'schedule', detail: 'outside 23:00–07:00' },
    ]);
    expect(arbiter.holding('idle')).toBe(false);
  });
});
