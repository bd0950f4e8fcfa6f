// The idle rule's seam on the desktop: Electron's powerMonitor tells the seconds since the last
// input and the screen lock. The rule itself (main/worker/autopilot/idle.ts) runs under plain Node.
import type { Disposable } from '../lib/emitter.ts';
import type { UserActivity } from '../worker/autopilot/idle.ts';

/** The part of Electron's powerMonitor this seam reads (tests hand in a fake). */
export interface PowerMonitorLike {
  getSystemIdleTime(): number;
  getSystemIdleState?(idleThresholdSeconds: number): 'active' | 'idle' | 'locked' | 'unknown';
  on(event: 'lock-screen' | 'unlock-screen', listener: () => void): unknown;
  removeListener(event: 'lock-screen' | 'unlock-screen', listener: () => void): unknown;
}

export function powerMonitorActivity(monitor: PowerMonitorLike): UserActivity {
  // Where the lock events never came (a session that started locked), the idle state says it.
  let locked = monitor.getSystemIdleState?.(60) === 'locked';
  return {
    idleSeconds: () => monitor.getSystemIdleTime(),
    locked: () => locked,
    onLockChange(listener): Disposable {
      const onLock = () => {
        locked = true;
        listener(true);
      };
      const onUnlock = () => {
        locked = false;
        listener(false);
      };
      monitor.on('lock-screen', onLock);
      monitor.on('unlock-screen', onUnlock);
      return () => {
        monitor.removeListener('lock-screen', onLock);
        monitor.removeListener('unlock-screen', onUnlock);
      };
    },
  };
}
