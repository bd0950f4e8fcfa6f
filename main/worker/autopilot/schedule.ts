// The schedule rule: weekly earning windows and tariff windows in the owner's time zone. Windows are
// judged on the local wall clock (Intl), so a DST change moves them with the clock, as people expect;
// outside every window the worker holds a 'schedule' pause that says when earning resumes.
import type { Schedule, ScheduleCheck, ScheduleWindow } from '../../../preload/contract/index.ts';
import { WEEK_MINUTES, weekClock, weekMinute, windowAt } from '../../../preload/contract/schedule-clock.ts';
import type { Disposable } from '../../lib/emitter.ts';

export { weekMinute, windowAt } from '../../../preload/contract/schedule-clock.ts';

const WEEK = WEEK_MINUTES;

/** Checks a zone name against this runtime's zone data; null means this machine's zone. */
export function checkTimeZone(zone: string | null): string {
  const resolved = zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: resolved });
  } catch {
    throw new RangeError(`Unknown time zone "${zone}": use a name such as Europe/Berlin or America/New_York.`);
  }
  return resolved;
}

/** The week as 10080 minutes, each earning or not. */
function weekGrid(windows: ScheduleWindow[]): boolean[] {
  return Array.from({ length: WEEK }, (_, m) => windowAt(windows, m) !== null);
}

const clock = weekClock;

/** Why the schedule pauses at `at`, or null when it lets the worker earn (or is off). */
export function schedulePause(schedule: Schedule, at: number): string | null {
  if (!schedule.enabled || schedule.windows.length === 0) return null;
  const zone = checkTimeZone(schedule.timeZone);
  const now = weekMinute(at, zone);
  if (windowAt(schedule.windows, now)) return null;
  for (let step = 1; step <= WEEK; step++) {
    const m = (now + step) % WEEK;
    const w = windowAt(schedule.windows, m);
    if (w) return `outside your earning hours; earning resumes ${clock(m)}${w.label ? ` (${w.label})` : ''}, ${zone} time`;
  }
  return 'outside your earning hours';
}

/** Before saving: weekly hours, the longest unbroken run, and whether that run reaches the uptime the network asks for. */
export function checkSchedule(schedule: Schedule, minUptimeSeconds = 5 * 3600): ScheduleCheck {
  checkTimeZone(schedule.timeZone);
  if (!schedule.enabled || schedule.windows.length === 0) {
    return { keepsStreak: true, longestRunHours: 168, weeklyHours: 168, detail: 'No schedule: the worker may earn at any hour.' };
  }
  const grid = weekGrid(schedule.windows);
  const total = grid.filter(Boolean).length;
  let longest = 0;
  if (total === WEEK) longest = WEEK;
  else {
    // Runs wrap around the week's end: start counting just after a minute that does not earn.
    const offset = grid.indexOf(false);
    let run = 0;
    for (let i = 1; i <= WEEK; i++) {
      run = grid[(offset + i) % WEEK] ? run + 1 : 0;
      longest = Math.max(longest, run);
    }
  }
  const need = minUptimeSeconds / 60;
  const hours = (m: number) => Math.round((m / 60) * 10) / 10;
  const keepsStreak = longest >= need;
  return {
    keepsStreak,
    longestRunHours: hours(longest),
    weeklyHours: hours(total),
    detail: keepsStreak
      ? `Earning ${hours(total)} h a week; the longest run is ${hours(longest)} h.`
      : `The longest earning run is ${hours(longest)} h, shorter than the ${hours(need)} h uptime streak the network asks for: a machine switched off or asleep outside these hours never becomes eligible. Keep it on and paused instead, or make one window at least ${hours(need)} h long.`,
  };
}

/** Holds the 'schedule' pause while outside the windows: judged now, on every change, and every 20 s. */
export function startScheduleRule(options: {
  schedule: () => Schedule;
  set: (detail: string | null) => void;
  now?: () => number;
  everyMs?: number;
  log?: (message: string) => void;
}): Disposable & { check(): void } {
  const check = () => {
    try {
      options.set(schedulePause(options.schedule(), options.now?.() ?? Date.now()));
    } catch (error) {
      // An unknown zone in settings earns rather than pausing for good; the page refuses it when saved.
      options.log?.(`schedule: ${error instanceof Error ? error.message : String(error)}`);
      options.set(null);
    }
  };
  check();
  const timer = setInterval(check, options.everyMs ?? 20_000);
  timer.unref?.();
  return Object.assign(() => clearInterval(timer), { check });
}
