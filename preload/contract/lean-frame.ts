// A telemetry frame as a ring keeps it once a newer one has come: the readings the charts draw,
// without each GPU's health, processes and MIG instances, which only the newest frame is read for.
// Both rings use it, the worker's (15 min for `telemetry.recent`) and the dashboard's (its charts).
import type { TelemetryFrame } from './hardware.ts';

/** The frame without each GPU's health, processes and MIG instances (the same frame if it has none). */
export function leanFrame(frame: TelemetryFrame): TelemetryFrame {
  if (!frame.gpus.some((g) => g.health !== undefined || g.processes !== undefined || g.migInstances !== undefined)) return frame;
  return { ...frame, gpus: frame.gpus.map(({ health: _health, processes: _processes, migInstances: _mig, ...readings }) => readings) };
}
