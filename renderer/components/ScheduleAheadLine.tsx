// Under Home's countdown: when the owner's schedule pauses the worker before the countdown ends, or
// the countdown ends inside a scheduled pause, say so and when block rewards really start. A pause
// keeps the network's streak (docs/protocol.md, "Pauses"), so the countdown itself stands.
import { scheduleAhead } from '../../preload/contract/schedule-clock.ts';
import { useApp } from '../store/app';
import { useNow } from './useNow';

/** `endsAt`: when the countdown ends (browser clock). Its words move by the minute ("today", "tomorrow"). */
export function ScheduleAheadLine({ endsAt }: { endsAt: number }) {
  const schedule = useApp((s) => s.settings?.autopilot?.schedule ?? null);
  const now = useNow(60_000, schedule !== null);
  const secondsLeft = (endsAt - now) / 1000;
  if (!schedule || secondsLeft <= 0) return null;
  const ahead = scheduleAhead(schedule, now, secondsLeft);
  if (!ahead) return null;
  const zone = schedule.timeZone && schedule.timeZone !== Intl.DateTimeFormat().resolvedOptions().timeZone ? ` (${ahead.zone} time)` : '';
  const start = ahead.rewardsFrom <= now + secondsLeft * 1000 ? 'when the countdown ends' : `${ahead.rewardsFromClock}${zone}, when the schedule resumes`;
  return (
    <p className="muted small" role="note" data-testid="schedule-ahead">
      {ahead.pausesAtClock
        ? `Your schedule pauses earning ${ahead.pausesAtClock}${zone}, before the countdown ends. The streak keeps counting while paused as long as this machine stays on, so block rewards start ${start}.`
        : `The countdown ends while your schedule holds the worker paused: block rewards start ${start}. Keep this machine on meanwhile; the streak counts only while it runs.`}{' '}
      <a href="#/settings">Schedule settings</a>
    </p>
  );
}
