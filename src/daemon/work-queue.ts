import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';

export interface WorkQueue {
  /** Queue `run` under `name`, unless the queue is closed or an item of that name already waits. */
  add(name: string, run: () => Promise<void>): void;
  /** An item is running now. */
  busy(): boolean;
  /** Take nothing more and drop what waits; resolves once the running item (if any) has ended. */
  close(): Promise<void>;
}

/**
 * The daemon's work, one item at a time (`limits.maxParallelPlans` above 1
 * is reserved: plans share the checks' machine resources, and one running
 * item is all a shutdown has to wait for). An item that throws is logged and
 * the queue goes on. `idle` runs after each item when nothing waits: a
 * finished item may have made room for the next plan.
 */
export function createWorkQueue(logger: Logger, idle: () => void): WorkQueue {
  const waiting: { name: string; run: () => Promise<void> }[] = [];
  let running: Promise<void> | undefined;
  let closed = false;

  const next = () => {
    if (running || closed) return;
    const item = waiting.shift();
    if (!item) return;
    running = (async () => {
      logger.info(`daemon: ${item.name}`);
      try {
        await item.run();
      } catch (err) {
        logger.error(`daemon: ${item.name} failed: ${describeError(err)}`);
      }
    })().finally(() => {
      running = undefined;
      if (waiting.length) next();
      else idle();
    });
  };

  return {
    add(name, run) {
      if (closed) return;
      // A schedule that fires while its previous run still waits adds nothing.
      if (waiting.some((w) => w.name === name)) return;
      waiting.push({ name, run });
      next();
    },
    busy: () => running !== undefined,
    close() {
      closed = true;
      waiting.length = 0;
      return running ?? Promise.resolve();
    },
  };
}
