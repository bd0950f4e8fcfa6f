// Home's countdown against the schedule (preload/contract/schedule-clock.ts): when the schedule pauses
// before the uptime countdown ends, and when rewards then start, as real instants in the owner's zone,
// across both of Berlin's DST changes and a window that starts in the skipped hour.
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../../preload/contract/index.ts';
import { instantOfWeekMinute, scheduleAhead } from '../../../preload/contract/schedule-clock.ts';

const nights: Schedule = { enabled: true, timeZone: 'Europe/Berlin', windows: [{ days: [1, 2, 3, 4, 5], from: '22:00', to: '07:00', label: 'off-peak tariff' }] };
const h = 3600;

describe('the schedule ahead of the countdown', () => {
  it('says when the schedule pauses before the countdown ends, and that rewards start when it resumes', () => {
    const tue0300 = Date.UTC(2026, 0, 13, 2, 0); // Tue 13 Jan 2026, 03:00 in Berlin (UTC+1)
    expect(scheduleAhead(nights, tue0300, 5 * h)).toEqual({
      pausesAt: Date.UTC(2026, 0, 13, 6, 0), rewardsFrom: Date.UTC(2026, 0, 13, 21, 0), pausesAtClock: 'today at 07:00', rewardsFromClock: 'today at 22:00', zone: 'Europe/Berlin',
    });
    expect(scheduleAhead(nights, tue0300, 3 * h)).toBeNull(); // the countdown ends at 06:00, inside the window
    expect(scheduleAhead(nights, tue0300, 20 * h)).toMatchObject({ pausesAtClock: 'today at 07:00', rewardsFrom: Date.UTC(2026, 0, 13, 22, 0), rewardsFromClock: 'today at 23:00' }); // ends 23:00, earning again
    expect(scheduleAhead({ ...nights, enabled: false }, tue0300, 5 * h)).toBeNull();
    expect(scheduleAhead({ ...nights, windows: [] }, tue0300, 5 * h)).toBeNull();
  });

  it('while the schedule holds the pause: rewards start when it resumes, or it is not in the way', () => {
    const tue0800 = Date.UTC(2026, 0, 13, 7, 0);
    expect(scheduleAhead(nights, tue0800, 5 * h)).toEqual({ pausesAt: null, rewardsFrom: Date.UTC(2026, 0, 13, 21, 0), pausesAtClock: null, rewardsFromClock: 'today at 22:00', zone: 'Europe/Berlin' });
    expect(scheduleAhead(nights, Date.UTC(2026, 0, 13, 17, 0), 5 * h)).toBeNull(); // ends 23:00, inside the window
    // Friday night's window is the week's last: from Saturday morning the next is Monday 22:00.
    expect(scheduleAhead(nights, Date.UTC(2026, 0, 17, 9, 0), 1 * h)).toMatchObject({ rewardsFromClock: 'Mon at 22:00', rewardsFrom: Date.UTC(2026, 0, 19, 21, 0) });
  });

  it('follows the wall clock across DST: spring forward and fall back', () => {
    const saturdayNights: Schedule = { enabled: true, timeZone: 'Europe/Berlin', windows: [{ days: [6], from: '22:00', to: '07:00', label: '' }] };
    // 29 Mar 2026 02:00 → 03:00: Sunday 07:00 is 05:00 UTC (naive arithmetic from Saturday's offset says 06:00).
    // A week ahead the date is said, not a weekday that reads like today's.
    expect(scheduleAhead(saturdayNights, Date.UTC(2026, 2, 28, 22, 0), 10 * h)).toMatchObject({ rewardsFromClock: 'Sat 4 Apr at 22:00' });
    expect(scheduleAhead(saturdayNights, Date.UTC(2026, 2, 28, 22, 0), 10 * h)).toMatchObject({ pausesAt: Date.UTC(2026, 2, 29, 5, 0), pausesAtClock: 'tomorrow at 07:00' });
    // 25 Oct 2026 03:00 → 02:00: Sunday 07:00 is 06:00 UTC (naive says 05:00).
    expect(scheduleAhead(saturdayNights, Date.UTC(2026, 9, 24, 21, 0), 10 * h)).toMatchObject({ pausesAt: Date.UTC(2026, 9, 25, 6, 0), pausesAtClock: 'tomorrow at 07:00' });
    // New York, 8 Mar 2026 02:00 → 03:00, with the zone as this machine's own (timeZone null): Sunday 08:00 EDT is 12:00 UTC (naive: 13:00, after the end).
    const ny: Schedule = { enabled: true, timeZone: null, windows: [{ days: [6], from: '20:00', to: '08:00', label: '' }] };
    expect(scheduleAhead(ny, Date.UTC(2026, 2, 8, 2, 0), 11 * h, 'America/New_York')).toMatchObject({ pausesAt: Date.UTC(2026, 2, 8, 12, 0), zone: 'America/New_York' });
  });

  it('resolves a window that starts in the hour a DST change skips to the change itself', () => {
    const early: Schedule = { enabled: true, timeZone: 'Europe/Berlin', windows: [{ days: [0], from: '02:30', to: '05:00', label: '' }] };
    const sat1200 = Date.UTC(2026, 2, 28, 11, 0);
    expect(instantOfWeekMinute(2 * 60 + 30, sat1200, 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 1, 0)); // 03:00 CEST, the first minute past 02:30
    expect(scheduleAhead(early, sat1200, 1 * h)).toMatchObject({ pausesAt: null, rewardsFrom: Date.UTC(2026, 2, 29, 1, 0), rewardsFromClock: 'tomorrow at 03:00' });
  });
});
