import type { Logger } from 'pino';
import { describeError } from '../core/errors.js';

/**
 * Two lanes: `plan` runs up to `limits.maxParallelPlans` plans at once (an
 * agent step spends most of its time waiting on its model); `line` runs one
 * item at a time, for everything that moves main or reads the whole
 * repository: the merge queue, the docs loop, the audit.
 */
export type Lane = 'plan' | 'line';

export interface WorkQueue {
  /** Queue `run` under `name` in `lane` (default `line`), unless the queue is closed or an item of that name waits or runs. */
  add(name: string, run: () => Promise<void>, lane?: Lane): void;
  /** An item is running now (in `lane`, or in either). */
  busy(lane?: Lane): boolean;
  /** The lane has room for one more item now (nothing of it waits, fewer run than its capacity). */
  hasRoom(lane: Lane): boolean;
  /** The names running or waiting now. */
  names(): string[];
  /** Take nothing more and drop what waits; resolves once every running item has ended. */
  close(): Promise<void>;
}

interface Item {
  name: string;
  run: () => Promise<void>;
  lane: Lane;
}

/**
 * The daemon's work. An item that throws is logged and the queue goes on.
 * `idle` runs after each item ends when nothing waits: a finished item may
 * have made room for the next plan. `planSlots` is read each time (a reload
 * may change it; running plans are never stopped for a smaller number).
 */
export function createWorkQueue(
  logger: Logger,
  idle: () => void,
  planSlots: () => number = () => 1,
): WorkQueue {
  const waiting: Item[] = [];
  const running = new Map<string, { lane: Lane; done: Promise<void> }>();
  let closed = false;

  // 0 plan slots: every plan goes to the workers (queue.redis without queue.localWorkers).
  const capacity = (lane: Lane) => (lane === 'plan' ? Math.max(0, planSlots()) : 1);
  const count = (lane: Lane) => [...running.values()].filter((r) => r.lane === lane).length;

  const start = (item: Item) => {
    const done = (async () => {
      logger.info(`daemon: ${item.name}`);
      try {
        await item.run();
      } catch (err) {
        logger.error(`daemon: ${item.name} failed: ${describeError(err)}`);
      }
    })().finally(() => {
      running.delete(item.name);
      if (!next() && !closed) idle();
    });
    running.set(item.name, { lane: item.lane, done });
  };

  /** Start what has room; returns how many started. */
  const next = (): number => {
    if (closed) return 0;
    let started = 0;
    for (let i = 0; i < waiting.length; ) {
      const item = waiting[i]!;
      // An item of a name that still runs waits for it: one run of a plan, or of a loop, at a time.
      if (count(item.lane) < capacity(item.lane) && !running.has(item.name)) {
        waiting.splice(i, 1);
        start(item);
        started++;
      } else i++;
    }
    return started;
  };

  return {
    add(name, run, lane = 'line') {
      if (closed) return;
      // A schedule that fires while its previous run still waits adds nothing.
      if (waiting.some((w) => w.name === name)) return;
      waiting.push({ name, run, lane });
      next();
    },
    busy: (lane) => (lane ? count(lane) > 0 : running.size > 0),
    hasRoom: (lane) => !closed && count(lane) < capacity(lane) && !waiting.some((w) => w.lane === lane),
    names: () => [...running.keys(), ...waiting.map((w) => w.name)],
    close() {
      closed = true;
      waiting.length = 0;
      return Promise.all([...running.values()].map((r) => r.done)).then(() => {});
    },
  };
}
