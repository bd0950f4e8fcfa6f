import { useSyncExternalStore } from 'react';
import type { TelemetryFrame } from '../../preload/contract';
import { telemetry } from '../store/telemetry';

/** The newest frame: only components that call this re-render on a telemetry tick. */
export function useLatestFrame(): TelemetryFrame | undefined {
  return useSyncExternalStore(
    (notify) => telemetry.subscribe(notify),
    () => telemetry.latest(),
  );
}
