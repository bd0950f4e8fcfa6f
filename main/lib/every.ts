// One timer per period for the worker's periodic tasks. Each task on its own timer woke the process
// on its own: strace of the 8-GPU worker bench showed four timer wakeups a second at 1 Hz (sampler,
// block evidence, watchdog, idle rule) where one does, and on a 2-core VM each wakeup is kernel time.
import type { Disposable } from './emitter.ts';

interface Group {
  timer: NodeJS.Timeout;
  tasks: Set<() => void>;
}

const groups = new Map<number, Group>();

/**
 * Runs `task` every `ms` on the timer it shares with every other task of the same period, in the
 * order they were added. The timer never keeps the process alive (like `.unref()`). A task that
 * throws does not stop the others; its error is thrown again on its own, as a timer's would be.
 */
export function every(ms: number, task: () => void): Disposable {
  let group = groups.get(ms);
  if (!group) {
    const tasks = new Set<() => void>();
    const timer = setInterval(() => runAll(tasks), ms);
    timer.unref();
    group = { timer, tasks };
    groups.set(ms, group);
  }
  // A wrapper per call: the same function added twice runs twice and is removed once per dispose.
  const entry = () => task();
  group.tasks.add(entry);
  const owner = group;
  return () => {
    if (!owner.tasks.delete(entry) || owner.tasks.size > 0) return;
    clearInterval(owner.timer);
    if (groups.get(ms) === owner) groups.delete(ms);
  };
}

function runAll(tasks: Set<() => void>): void {
  for (const task of [...tasks]) {
    try {
      task();
    } catch (error) {
      // Out of this loop, so the tasks after it still run this tick.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
