// The autopilot: the pauses the owner does not have to click (schedule, idle, gaming), each its own
// rule holding its own source on the core's PauseArbiter. Headless has no idle seam, so no idle rule.
import type { Settings, TelemetryFrame } from '../../../preload/contract/index.ts';
import { DisposableStore, type Disposable } from '../../lib/emitter.ts';
import type { PauseArbiter } from '../pause.ts';
import { GamingRule, type GpuProcessSeen } from './gaming.ts';
import { startIdleRule, type UserActivity } from './idle.ts';
import { startScheduleRule } from './schedule.ts';

export interface AutopilotOptions {
  pauses: PauseArbiter;
  settings: () => Settings['autopilot'];
  onSettingsChange: (listener: () => void) => Disposable;
  /** Telemetry frames: where the probes put each GPU's processes. */
  onFrame: (listener: (frame: TelemetryFrame) => void) => Disposable;
  /** The desktop's idle time and lock state; absent headless. */
  activity?: UserActivity;
  hired?: () => boolean;
  isOwn?: (pid: number) => boolean;
  log?: (message: string) => void;
}

const AUTOPILOT_SOURCES = ['schedule', 'gaming', 'idle'] as const;
type AutopilotSource = (typeof AUTOPILOT_SOURCES)[number];

/** Each GPU's processes in one frame, or undefined where no probe lists them. */
export function framesProcesses(frame: TelemetryFrame): GpuProcessSeen[] | undefined {
  let seen: GpuProcessSeen[] | undefined;
  for (const gpu of frame.gpus) if (gpu.processes) (seen ??= []).push(...gpu.processes);
  return seen;
}

export function startAutopilot(options: AutopilotOptions): Disposable {
  const store = new DisposableStore();
  const { pauses } = options;
  // A hired machine is not paused by the autopilot (docs/protocol.md, "Pauses"): what a rule wants
  // waits until the hire ends, and is applied then.
  const wanted = new Map<AutopilotSource, string | null>();
  const apply = (source: AutopilotSource) => {
    const detail = wanted.get(source) ?? null;
    pauses.set(source, detail !== null && options.hired?.() && !pauses.holding(source) ? null : detail);
  };
  const set = (source: AutopilotSource) => (detail: string | null) => {
    wanted.set(source, detail);
    apply(source);
  };
  const schedule = startScheduleRule({ schedule: () => options.settings().schedule, set: set('schedule'), log: options.log });
  store.add(schedule);
  const gaming = new GamingRule({ settings: () => options.settings().gaming, set: set('gaming'), hired: options.hired, isOwn: options.isOwn });
  store.add(options.onFrame((frame) => {
    gaming.observe(framesProcesses(frame), frame.t);
    for (const source of AUTOPILOT_SOURCES) apply(source);
  }));
  if (options.activity) {
    const idle = startIdleRule({ activity: options.activity, settings: () => options.settings().idle, set: set('idle') });
    store.add(idle);
    store.add(options.onSettingsChange(() => idle.check()));
  }
  store.add(options.onSettingsChange(() => schedule.check()));
  store.add(() => {
    for (const source of AUTOPILOT_SOURCES) pauses.set(source, null);
  });
  return () => store.dispose();
}
