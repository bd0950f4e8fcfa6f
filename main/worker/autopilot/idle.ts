// The idle rule: earn only while nobody uses the machine. It reads the seconds since the last input
// and the lock state through a seam (the desktop's powerMonitor in main/shell; absent headless,
// where the rule stays off), and holds the 'idle' pause while someone is at the keyboard.
import type { Disposable } from '../../lib/emitter.ts';
import { every } from '../../lib/every.ts';

/** What the desktop can tell about its user; main/shell implements it with Electron's powerMonitor. */
export interface UserActivity {
  /** Seconds since the last keyboard or mouse input. */
  idleSeconds(): number;
  locked(): boolean;
  /** Lock and unlock as they happen, so an unlock pauses at once. */
  onLockChange(listener: (locked: boolean) => void): Disposable;
}

export interface IdleRuleOptions {
  activity: UserActivity;
  settings: () => { enabled: boolean; afterMinutes: number };
  set: (detail: string | null) => void;
  /** How often idle time is read; input must pause the worker within 2 s. */
  everyMs?: number;
}

/** The pause detail for this moment, or null when the worker may earn. */
export function idlePause(settings: { enabled: boolean; afterMinutes: number }, idleSeconds: number, locked: boolean): string | null {
  if (!settings.enabled || locked) return null;
  if (idleSeconds >= settings.afterMinutes * 60) return null;
  // No countdown in the words: a detail that changed every second would reach the network every second.
  return `you are using this machine; earning resumes after ${settings.afterMinutes} min without input`;
}

export function startIdleRule(options: IdleRuleOptions): Disposable & { check(): void } {
  let last: string | null | undefined;
  const check = () => {
    const detail = idlePause(options.settings(), options.activity.idleSeconds(), options.activity.locked());
    if (detail !== last) options.set(detail);
    last = detail;
  };
  check();
  const stopTimer = every(options.everyMs ?? 1000, check);
  const offLock = options.activity.onLockChange(() => check());
  return Object.assign(() => {
    stopTimer();
    offLock();
  }, { check });
}
