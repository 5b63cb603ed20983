import { availableParallelism } from 'node:os';

/**
 * How many check processes run at once in this process, across every plan
 * (`limits.maxParallelChecks`; 0 means one per core). Plans in parallel spend
 * most of their time waiting on models, but their checks (test suites,
 * builds) compete for the same cores: without a bound, two suites at once
 * on a small machine run slower than one after the other, and a check's
 * timeout can trip for no fault of the plan. A check waits for a slot before
 * its timeout starts.
 */
let capacity = availableParallelism();
let running = 0;
const waiting: (() => void)[] = [];

export function configureCheckSlots(maxParallelChecks: number): void {
  capacity = maxParallelChecks > 0 ? maxParallelChecks : availableParallelism();
  while (running < capacity && waiting.length) {
    running++;
    waiting.shift()!();
  }
}

/** Run `fn` in a check slot; a signal that fires while it waits gives the slot up unrun (`undefined`). */
export async function inCheckSlot<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (running < capacity) running++;
  else
    await new Promise<void>((resolve) => {
      const go = () => {
        signal?.removeEventListener('abort', give);
        resolve();
      };
      // Aborted while waiting: leave the queue and run anyway; the runner sees the signal and returns at once.
      const give = () => {
        const i = waiting.indexOf(go);
        if (i >= 0) waiting.splice(i, 1);
        running++;
        resolve();
      };
      waiting.push(go);
      signal?.addEventListener('abort', give, { once: true });
    });
  try {
    return await fn();
  } finally {
    running--;
    const next = waiting.shift();
    if (next) {
      running++;
      next();
    }
  }
}
