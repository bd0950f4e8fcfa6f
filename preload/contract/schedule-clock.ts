// The schedule's wall clock, shared by the worker's schedule rule and the dashboard's countdown: the
// minute of the local week in the owner's zone (Intl, so DST moves windows with the clock), which
// window covers it, and when the schedule next pauses or resumes as real instants.
import type { Schedule, ScheduleWindow } from './alerts.ts';

export const WEEK_MINUTES = 7 * 1440;
const MINUTE = 60_000;
const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formatters = new Map<string, Intl.DateTimeFormat>();

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The minute of the local week (0 = Sunday 00:00) at `at` in `zone`. */
export function weekMinute(at: number, zone: string): number {
  let format = formatters.get(zone);
  if (!format) formatters.set(zone, (format = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  const parts = format.formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  return DAY_NAMES.indexOf(get('weekday')) * 1440 + Number(get('hour')) * 60 + Number(get('minute'));
}

/** Which window covers a minute of the local week, if any (a window past midnight belongs to its start day). */
export function windowAt(windows: ScheduleWindow[], minute: number): ScheduleWindow | null {
  for (const w of windows) {
    const from = minutes(w.from);
    const to = minutes(w.to);
    for (const day of w.days) {
      const start = day * 1440 + from;
      const length = to > from ? to - from : 1440 - from + to;
      if ((((minute - start) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES < length) return w;
    }
  }
  return null;
}

/** "Mon 07:00": a local week minute as the schedule's clock reads it. */
export function weekClock(minute: number): string {
  const m = ((minute % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
  return `${DAY_NAMES[Math.floor(m / 1440)]} ${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** An instant as the owner reads it in `zone`, against `now`: "today at 22:00", "tomorrow at 07:00", "Mon at 22:00", "Sat 14 Mar at 19:37". */
export function zoneClock(at: number, now: number, zone: string): string {
  const parts = (t: number) => {
    const p = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(t));
    const get = (type: string) => p.find((x) => x.type === type)?.value ?? '';
    return { day: Date.UTC(Number(get('year')), ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(get('month')), Number(get('day'))) / 86_400_000, get };
  };
  const a = parts(at);
  const days = a.day - parts(now).day;
  const time = `at ${a.get('hour')}:${a.get('minute')}`;
  if (days === 0) return `today ${time}`;
  if (days === 1) return `tomorrow ${time}`;
  if (days > 1 && days < 7) return `${a.get('weekday')} ${time}`;
  return `${a.get('weekday')} ${a.get('day')} ${a.get('month')} ${time}`;
}

/** Forward distance from local minute a to b, within one week. */
const ahead = (a: number, b: number) => (((b - a) % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;

/**
 * The first instant at or after `from` whose wall clock in `zone` reads local week minute `target`;
 * a minute that a DST jump skips resolves to the jump's instant (the first minute past it).
 */
export function instantOfWeekMinute(target: number, from: number, zone: string): number {
  const start = Math.ceil(from / MINUTE) * MINUTE;
  let guess = start + ahead(weekMinute(start, zone), target) * MINUTE;
  // An offset change between `from` and the guess moves the wall clock: correct by what it reads.
  for (let i = 0; i < 3; i++) {
    const read = weekMinute(guess, zone);
    if (read === target) return guess;
    const diff = ahead(read, target) < WEEK_MINUTES / 2 ? ahead(read, target) : ahead(read, target) - WEEK_MINUTES;
    guess += diff * MINUTE;
  }
  // A skipped minute: the first instant, near the guess, whose clock has passed it.
  for (let t = Math.max(start, guess - 120 * MINUTE); t <= guess + 120 * MINUTE; t += MINUTE) {
    if (ahead(target, weekMinute(t, zone)) < WEEK_MINUTES / 2) return t;
  }
  return guess;
}

export interface ScheduleAhead {
  /** When the schedule pauses earning before the countdown ends; null: it is paused already. */
  pausesAt: number | null;
  /** The first instant at or after the countdown's end that the schedule lets the worker earn. */
  rewardsFrom: number;
  /** Both as the owner reads them in `zone` ("today at 07:00", "Mon at 22:00"; zoneClock). */
  pausesAtClock: string | null;
  rewardsFromClock: string;
  zone: string;
}

/**
 * Whether the schedule gets in the way of an uptime countdown of `secondsLeft` from `now`: it pauses
 * before the countdown ends, or the countdown ends while it holds the worker paused. Null when it
 * does neither (or there is no schedule). A pause keeps the streak (docs/protocol.md, "Pauses"), so
 * rewards start at the end of the countdown or, if the schedule pauses then, when it resumes.
 */
export function scheduleAhead(schedule: Schedule, now: number, secondsLeft: number, localZone?: string): ScheduleAhead | null {
  if (!schedule.enabled || schedule.windows.length === 0) return null;
  const zone = schedule.timeZone ?? localZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    weekMinute(now, zone);
  } catch {
    return null; // an unknown zone: the schedule rule earns, and Settings refuses the zone when saved
  }
  const earns = (minute: number) => windowAt(schedule.windows, minute) !== null;
  const end = now + Math.max(0, secondsLeft) * 1000;
  const m0 = weekMinute(now, zone);
  let pausesAt: number | null = null;
  if (earns(m0)) {
    let k = 1;
    while (k <= WEEK_MINUTES && earns(m0 + k)) k++;
    if (k > WEEK_MINUTES) return null; // every minute of the week earns
    pausesAt = instantOfWeekMinute((m0 + k) % WEEK_MINUTES, now, zone);
    if (pausesAt >= end) return null;
  }
  const mEnd = weekMinute(end, zone);
  let rewardsFrom = end;
  if (!earns(mEnd)) {
    let k = 1;
    while (k <= WEEK_MINUTES && !earns(mEnd + k)) k++;
    rewardsFrom = instantOfWeekMinute((mEnd + k) % WEEK_MINUTES, end, zone);
  }
  if (pausesAt === null && rewardsFrom <= end) return null; // paused now, but earning again before the countdown ends
  return { pausesAt, rewardsFrom, pausesAtClock: pausesAt === null ? null : zoneClock(pausesAt, now, zone), rewardsFromClock: zoneClock(rewardsFrom, now, zone), zone };
}
