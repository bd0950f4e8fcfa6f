// The autopilot's rules with fakes only at the machine's edge: the clock, the user's idle time, and
// the GPU process list (a real child process stands for the worker's own).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../preload/contract/index.ts';
import { PauseArbiter } from '../pause.ts';
import { descendantOf, GamingRule, programName, type GpuProcessSeen } from './gaming.ts';
import { idlePause, startIdleRule, type UserActivity } from './idle.ts';
import { checkSchedule, schedulePause, startScheduleRule, weekMinute } from './schedule.ts';

const nightsAndWeekends: Schedule = {
  enabled: true,
  timeZone: 'Europe/Berlin',
  windows: [
    { days: [1, 2, 3, 4, 5], from: '22:00', to: '07:00', label: 'off-peak tariff' },
    { days: [0, 6], from: '00:00', to: '24:00' },
  ],
};

describe('schedule', () => {
  it('earns 22:00 to 07:00 on weekdays and all weekend, in the owner\'s zone', () => {
    // Wednesday 2024-01-10, Berlin is UTC+1.
    expect(schedulePause(nightsAndWeekends, Date.parse('2024-01-10T21:30:00Z'))).toBeNull(); // 22:30 local
    expect(schedulePause(nightsAndWeekends, Date.parse('2024-01-11T05:59:00Z'))).toBeNull(); // Thu 06:59, the Wed window
    expect(schedulePause(nightsAndWeekends, Date.parse('2024-01-11T06:00:00Z'))).toBe('outside your earning hours; earning resumes Thu 22:00 (off-peak tariff), Europe/Berlin time');
    expect(schedulePause(nightsAndWeekends, Date.parse('2024-01-13T12:00:00Z'))).toBeNull(); // Saturday noon
    // Sunday's window ends at 24:00: Monday 00:00 to 22:00 does not earn.
    expect(schedulePause(nightsAndWeekends, Date.parse('2024-01-15T01:00:00Z'))).toMatch(/resumes Mon 22:00/); // Mon 02:00 local
    expect(schedulePause({ ...nightsAndWeekends, enabled: false }, Date.parse('2024-01-11T06:00:00Z'))).toBeNull();
  });

  it('moves with the wall clock across DST: 22:00 local is 21:00 UTC in winter and 20:00 UTC in summer', () => {
    const evening: Schedule = { enabled: true, timeZone: 'Europe/Berlin', windows: [{ days: [0, 1, 2, 3, 4, 5, 6], from: '22:00', to: '23:00' }] };
    expect(schedulePause(evening, Date.parse('2024-03-29T21:30:00Z'))).toBeNull(); // before the change (UTC+1)
    expect(schedulePause(evening, Date.parse('2024-04-01T20:30:00Z'))).toBeNull(); // after it (UTC+2)
    expect(schedulePause(evening, Date.parse('2024-04-01T21:30:00Z'))).not.toBeNull(); // 23:30 local
    // The night of the change itself: Sunday 2024-03-31 02:00 does not exist; 01:59 +1 min is 03:00.
    expect(weekMinute(Date.parse('2024-03-31T00:59:00Z'), 'Europe/Berlin')).toBe(1 * 60 + 59);
    expect(weekMinute(Date.parse('2024-03-31T01:00:00Z'), 'Europe/Berlin')).toBe(3 * 60);
    // New York's own change is on another date: its zone is used, not this machine's.
    const ny: Schedule = { ...evening, timeZone: 'America/New_York' };
    expect(schedulePause(ny, Date.parse('2024-03-12T02:30:00Z'))).toBeNull(); // 22:30 EDT
  });

  it('refuses an unknown zone in the user\'s words', () => {
    expect(() => checkSchedule({ ...nightsAndWeekends, timeZone: 'Mars/Olympus' })).toThrow(/Unknown time zone "Mars\/Olympus"/);
  });

  it('says before saving when no run is long enough for the 5 h uptime streak', () => {
    const nights = checkSchedule(nightsAndWeekends);
    // Friday 22:00 to Monday 00:00 is one run of 50 h; 9 h on each weekday night otherwise.
    expect(nights).toMatchObject({ keepsStreak: true, longestRunHours: 50, weeklyHours: 4 * 9 + 2 + 48 });
    const short = checkSchedule({ enabled: true, timeZone: 'UTC', windows: [{ days: [1, 2, 3, 4, 5], from: '18:00', to: '21:00' }] });
    expect(short.keepsStreak).toBe(false);
    expect(short.longestRunHours).toBe(3);
    expect(short.detail).toMatch(/shorter than the 5 h uptime streak/);
    expect(checkSchedule({ enabled: false, timeZone: null, windows: [] }).keepsStreak).toBe(true);
  });

  it('holds the schedule pause on the arbiter as itself, and lets go when a window opens', () => {
    const pauses = new PauseArbiter();
    let now = Date.parse('2024-01-11T06:00:00Z');
    const rule = startScheduleRule({ schedule: () => nightsAndWeekends, set: (d) => pauses.set('schedule', d), now: () => now, everyMs: 60_000 });
    try {
      expect(pauses.current()?.source).toBe('schedule');
      now = Date.parse('2024-01-11T21:00:00Z');
      rule.check();
      expect(pauses.current()).toBeNull();
    } finally {
      rule();
    }
  });
});

describe('gaming', () => {
  const game: GpuProcessSeen = { gpuIndex: 0, pid: 4_000_000, name: 'C:\\Games\\Cyber\\game.exe', usedMemoryMiB: null, kind: 'graphics' };

  it('pauses with the program and the GPU, and resumes the grace period after it ends', () => {
    const pauses = new PauseArbiter();
    const rule = new GamingRule({ settings: () => ({ enabled: true, graceSeconds: 30 }), set: (d) => pauses.set('gaming', d), isOwn: () => false });
    rule.observe([], 0);
    expect(pauses.current()).toBeNull();
    rule.observe([game], 1000);
    expect(pauses.current()).toEqual({ source: 'gaming', detail: 'game.exe is using GPU 0' });
    rule.observe(undefined, 2000); // the driver could not say: no change
    rule.observe([], 10_000);
    expect(pauses.current()?.source).toBe('gaming');
    rule.observe([], 31_000);
    expect(pauses.current()).toBeNull();
    expect(programName('/usr/bin/blender')).toBe('blender');
  });

  it('never counts the worker\'s own processes (a real child of this process), nor a hire\'s compute work', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
      const own = descendantOf();
      expect(own(process.pid)).toBe(true);
      expect(own(child.pid!)).toBe(process.platform === 'linux');
      expect(own(1)).toBe(false);
      let hired = false;
      const holds: (string | null)[] = [];
      const rule = new GamingRule({ settings: () => ({ enabled: true, graceSeconds: 0 }), set: (d) => holds.push(d), hired: () => hired });
      const proof: GpuProcessSeen = { gpuIndex: 0, pid: child.pid!, name: 'node', usedMemoryMiB: 300, kind: 'compute' };
      rule.observe([proof, { ...proof, pid: process.pid }], 0);
      expect(holds).toEqual(process.platform === 'linux' ? [] : ['node is using GPU 0']);
      hired = true;
      rule.observe([{ ...game, kind: 'compute', name: 'python3' }], 1);
      expect(rule.holding).toBeNull();
      rule.observe([{ ...game, gpuIndex: 1 }], 2);
      expect(rule.holding).toBe('game.exe is using GPU 1');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('does nothing while turned off, and lets go when it is turned off', () => {
    let enabled = true;
    const pauses = new PauseArbiter();
    const rule = new GamingRule({ settings: () => ({ enabled, graceSeconds: 60 }), set: (d) => pauses.set('gaming', d), isOwn: () => false });
    rule.observe([game], 0);
    expect(pauses.holding('gaming')).toBe(true);
    enabled = false;
    rule.observe([game], 1);
    expect(pauses.holding('gaming')).toBe(false);
  });
});

describe('idle', () => {
  function fakeActivity() {
    const listeners = new Set<(locked: boolean) => void>();
    const state = { idle: 0, locked: false };
    const activity: UserActivity = {
      idleSeconds: () => state.idle,
      locked: () => state.locked,
      onLockChange: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    return { state, activity, lock: (locked: boolean) => { state.locked = locked; for (const l of listeners) l(locked); }, listeners };
  }

  it('earns only after N idle minutes or while locked, and pauses within 2 s of input', async () => {
    const pauses = new PauseArbiter();
    const fake = fakeActivity();
    let settings = { enabled: true, afterMinutes: 10 };
    const sets: (string | null)[] = [];
    const rule = startIdleRule({ activity: fake.activity, settings: () => settings, set: (d) => { sets.push(d); pauses.set('idle', d); }, everyMs: 50 });
    try {
      expect(pauses.current()?.source).toBe('idle');
      fake.state.idle = 600;
      await new Promise((r) => setTimeout(r, 120));
      expect(pauses.current()).toBeNull();
      // Input: idle time drops to 0; the next read (every 50 ms here, 1 s by default) pauses again.
      const touched = Date.now();
      fake.state.idle = 0;
      while (!pauses.holding('idle') && Date.now() - touched < 2000) await new Promise((r) => setTimeout(r, 10));
      expect(Date.now() - touched).toBeLessThan(2000);
      expect(pauses.current()).toEqual({ source: 'idle', detail: 'you are using this machine; earning resumes after 10 min without input' });
      fake.lock(true); // locking the screen lets it earn at once
      expect(pauses.current()).toBeNull();
      fake.lock(false);
      expect(pauses.holding('idle')).toBe(true);
      // The detail does not tick: one set per change, not per read.
      expect(sets.filter((s) => s !== null).length).toBe(3);
      settings = { enabled: false, afterMinutes: 10 };
      rule.check();
      expect(pauses.current()).toBeNull();
    } finally {
      rule();
    }
    expect(fake.listeners.size).toBe(0);
    expect(idlePause({ enabled: true, afterMinutes: 5 }, 299, false)).not.toBeNull();
    expect(idlePause({ enabled: true, afterMinutes: 5 }, 300, false)).toBeNull();
  });
});

describe('the autopilot together', () => {
  it('holds each source as itself from the frames, and never pauses a hired machine', async () => {
    const { startAutopilot } = await import('./index.ts');
    const { frameAt } = await import('../../ledger/testing/frames.ts');
    const { Emitter } = await import('../../lib/emitter.ts');
    const frames = new Emitter<ReturnType<typeof frameAt>>();
    const pauses = new PauseArbiter();
    let hired = true;
    const settings = { idle: { enabled: false, afterMinutes: 5 }, schedule: { enabled: false, timeZone: null, windows: [] }, gaming: { enabled: true, graceSeconds: 0 } };
    const stop = startAutopilot({ pauses, settings: () => settings, onSettingsChange: () => () => {}, onFrame: (l) => frames.on(l), hired: () => hired, isOwn: () => false });
    const withGame = (t: number, game: boolean) => {
      const frame = frameAt(t, 1);
      frame.gpus[0].processes = game ? [{ gpuIndex: 0, gpuUuid: null, pid: 77, name: 'game.exe', usedMemoryMiB: null, kind: 'graphics' }] : [];
      frames.emit(frame);
    };
    withGame(1000, true);
    expect(pauses.current()).toBeNull(); // hired: the game waits
    hired = false;
    withGame(2000, true);
    expect(pauses.current()).toEqual({ source: 'gaming', detail: 'game.exe is using GPU 0' });
    withGame(3000, false);
    expect(pauses.current()).toBeNull();
    withGame(4000, true);
    stop();
    expect(pauses.current()).toBeNull(); // stopping lets go of every autopilot pause
  });
});

describe('schedule settings', () => {
  it('refuse an unknown zone when saved, in the user\'s words', async () => {
    const { ScheduleSchema } = await import('../../../preload/contract/index.ts');
    const bad = ScheduleSchema.safeParse({ enabled: true, timeZone: 'Mars/Olympus', windows: [] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].message).toBe('Unknown time zone: use a name such as Europe/Berlin or America/New_York.');
    expect(ScheduleSchema.safeParse({ enabled: true, timeZone: 'America/New_York', windows: [{ days: [1], from: '22:00', to: '07:00' }] }).success).toBe(true);
    expect(ScheduleSchema.safeParse({ enabled: true, timeZone: null, windows: [{ days: [1], from: '25:00', to: '07:00' }] }).success).toBe(false);
  });
});
