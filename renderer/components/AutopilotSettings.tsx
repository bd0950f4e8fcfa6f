// Settings → Autopilot: pauses the owner does not have to click. Idle mode (desktop), stepping aside
// for games and other GPU programs, and a weekly schedule with tariff windows in the owner's zone.
// A schedule whose longest run is too short for the uptime streak is said before it is saved.
import { useState } from 'react';
import type { AutopilotSettings as AutopilotShape, ScheduleCheck, ScheduleWindow } from '../../preload/contract/index.ts';
import { PAUSE_SOURCE_WORDS } from '../../preload/contract/words.ts';
import { api } from '../api';
import { localTimeZone } from '../format';
import { useApp } from '../store/app';
import { errorText } from './AlertSettings';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** A row across the form's two columns: a window's days, hours and label do not fit the label column. */
const FULL_ROW = { gridColumn: '1 / -1', flexWrap: 'wrap' } as const;
const NEW_WINDOW: ScheduleWindow = { days: [1, 2, 3, 4, 5], from: '22:00', to: '07:00', label: 'off-peak tariff' };

export function AutopilotSettings() {
  const settings = useApp((s) => s.settings);
  const runtime = useApp((s) => s.status?.runtime);
  const save = useApp((s) => s.saveSettings);
  const [draft, setDraft] = useState<AutopilotShape | null>(null);
  const [check, setCheck] = useState<ScheduleCheck | null>(null);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const autopilot = draft ?? settings?.autopilot ?? null;
  if (!autopilot) return null;
  const edit = (patch: Partial<AutopilotShape>) => {
    setDraft({ ...autopilot, ...patch });
    setCheck(null);
  };
  const schedule = autopilot.schedule;
  const setWindows = (windows: ScheduleWindow[]) => edit({ schedule: { ...schedule, windows } });
  const setWindow = (i: number, patch: Partial<ScheduleWindow>) => setWindows(schedule.windows.map((w, k) => (k === i ? { ...w, ...patch } : w)));

  const submit = async (confirmed: boolean) => {
    try {
      if (!confirmed && schedule.enabled) {
        const verdict = await api.request('schedule.check', { schedule });
        setCheck(verdict);
        if (!verdict.keepsStreak) return; // said before saving: the owner confirms with "Save anyway"
      }
      await save({ autopilot });
      setDraft(null);
      setNote({ kind: 'ok', text: 'Saved.' });
    } catch (error) {
      setNote({ kind: 'error', text: errorText(error) });
    }
  };

  return (
    <section className="card section-gap form" aria-labelledby="autopilot-title" data-testid="autopilot-settings">
      <h2 id="autopilot-title">Autopilot</h2>
      <fieldset>
        <legend>Idle mode ({PAUSE_SOURCE_WORDS.idle})</legend>
        <label htmlFor="ap-idle">Earn only while nobody uses this machine</label>
        <input id="ap-idle" type="checkbox" checked={autopilot.idle.enabled} onChange={(e) => edit({ idle: { ...autopilot.idle, enabled: e.target.checked } })} />
        <label htmlFor="ap-idle-min">Idle for (minutes), or the screen locked</label>
        <input id="ap-idle-min" type="number" min={1} max={240} value={autopilot.idle.afterMinutes} onChange={(e) => edit({ idle: { ...autopilot.idle, afterMinutes: Number(e.target.value) } })} />
        {runtime === 'headless' ? <p className="hint">Headless there is no keyboard to watch: idle mode applies in the desktop app.</p> : null}
      </fieldset>
      <fieldset>
        <legend>Games and other GPU programs ({PAUSE_SOURCE_WORDS.gaming})</legend>
        <label htmlFor="ap-gaming">Step aside while another program uses a GPU</label>
        <input id="ap-gaming" type="checkbox" checked={autopilot.gaming.enabled} onChange={(e) => edit({ gaming: { ...autopilot.gaming, enabled: e.target.checked } })} />
        <label htmlFor="ap-grace">Resume after it ends, waiting (seconds)</label>
        <input id="ap-grace" type="number" min={0} max={3600} value={autopilot.gaming.graceSeconds} onChange={(e) => edit({ gaming: { ...autopilot.gaming, graceSeconds: Number(e.target.value) } })} />
      </fieldset>
      <fieldset data-testid="schedule">
        <legend>Schedule ({PAUSE_SOURCE_WORDS.schedule})</legend>
        <label htmlFor="ap-sched">Earn only in these hours</label>
        <input id="ap-sched" type="checkbox" checked={schedule.enabled} onChange={(e) => edit({ schedule: { ...schedule, enabled: e.target.checked } })} />
        <label htmlFor="ap-zone">Time zone (empty: this machine&apos;s, {localTimeZone()})</label>
        <input id="ap-zone" className="mono" value={schedule.timeZone ?? ''} onChange={(e) => edit({ schedule: { ...schedule, timeZone: e.target.value.trim() === '' ? null : e.target.value.trim() } })} />
        {schedule.windows.map((w, i) => (
          <div key={i} className="actions schedule-window" data-testid="schedule-window" style={FULL_ROW}>
            {DAYS.map((day, d) => (
              <label key={day} className="check-row">
                <input type="checkbox" checked={w.days.includes(d)} onChange={(e) => setWindow(i, { days: e.target.checked ? [...w.days, d].sort() : w.days.filter((x) => x !== d) })} />
                {day}
              </label>
            ))}
            <input aria-label="From" type="time" value={w.from} onChange={(e) => setWindow(i, { from: e.target.value })} />
            <span>to</span>
            <input aria-label="To" type="time" value={w.to === '24:00' ? '00:00' : w.to} onChange={(e) => setWindow(i, { to: e.target.value === '00:00' ? '24:00' : e.target.value })} />
            <input aria-label="Label" placeholder="label" value={w.label ?? ''} onChange={(e) => setWindow(i, { label: e.target.value || undefined })} />
            <button type="button" onClick={() => setWindows(schedule.windows.filter((_, k) => k !== i))}>Remove</button>
          </div>
        ))}
        <div className="actions" style={FULL_ROW}>
          <button type="button" onClick={() => setWindows([...schedule.windows, NEW_WINDOW])}>Add a window</button>
          <button type="button" onClick={() => setWindows([...schedule.windows, { days: [0, 6], from: '00:00', to: '24:00', label: 'weekend' }])}>Add the weekend</button>
        </div>
        <p className="hint">A window that ends before it starts runs past midnight. Hours follow the wall clock, summer time included.</p>
      </fieldset>
      {check ? (
        <p role={check.keepsStreak ? 'status' : 'alert'} className={check.keepsStreak ? 'muted' : 'error'} data-testid="schedule-check">
          {check.detail}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="primary" disabled={!draft} onClick={() => void submit(false)}>Save autopilot</button>
        {check && !check.keepsStreak ? <button type="button" onClick={() => void submit(true)}>Save anyway</button> : null}
        {note ? <span role="status" className={note.kind === 'error' ? 'error' : 'ok'}>{note.text}</span> : null}
      </div>
    </section>
  );
}
