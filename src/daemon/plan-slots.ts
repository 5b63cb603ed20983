import type { Logger } from 'pino';
import { readLine } from '../andon/line.js';
import { formatDuration } from '../core/duration.js';
import { readPlanState } from '../loops/execute/plan-state.js';

/** What one running plan gets from its slot: how to stop it, and what the other plans spent meanwhile. */
export interface PlanSlot {
  /** Aborts the running step: the daemon's shutdown ran out of grace, or a red line's grace ran out. */
  signal: AbortSignal;
  /** Asked between steps: the daemon is stopping, or the line is stopped. */
  draining: () => boolean;
  /** What the other plans running now spent since they started (the ledger has not seen it yet). */
  othersUsd: () => number;
}

export interface PlanSlots {
  /** Plan `id` starts now (before its first await, so the next scan sees it taken). */
  enter(id: string, shutdown: { signal: AbortSignal; stopping: () => boolean }): PlanSlot;
  leave(id: string): void;
  /** The plans running now. */
  ids(): Set<string>;
  /** What the plans running now spent since they started (the day budget of plans on workers counts it). */
  spentUsd(): number;
  /** The line state may have changed: a stopped line gives every running step `gracePeriod`, then kills it. */
  lineChanged(gracePeriod: number): void;
}

/**
 * The daemon's running plans. One line for all of them: a red line (from any
 * plan, or a person's `jidoka andon pull`) pauses every plan at its next step
 * boundary; a step still running after the grace period is killed and
 * checkpointed, as on SIGTERM, and resumes once the line runs again. The day
 * budget counts every plan's spend: each plan's check before a dispatch adds
 * what the others spent since they started (read from their checkpoints;
 * JavaScript runs one check at a time, so two checks never read the same
 * total while a step's spend is recorded between them).
 */
export function createPlanSlots(root: string, logger: Logger): PlanSlots {
  const running = new Map<string, { abort: AbortController; startUsd: number; pause?: NodeJS.Timeout }>();
  const spent = (id: string, startUsd: number) =>
    Math.max(0, (readPlanState(root, id)?.spend.usd ?? 0) - startUsd);
  const lineStopped = () => {
    try {
      return readLine(root).state === 'stopped';
    } catch {
      return true; // a damaged line file refuses, as everywhere
    }
  };
  return {
    enter(id, shutdown) {
      const abort = new AbortController();
      const state = readPlanState(root, id);
      // A done plan's next run starts a fresh state (spend 0); any other keeps its spend.
      running.set(id, { abort, startUsd: state && state.status !== 'done' ? state.spend.usd : 0 });
      return {
        signal: AbortSignal.any([shutdown.signal, abort.signal]),
        draining: () => shutdown.stopping() || lineStopped(),
        othersUsd: () => {
          let sum = 0;
          for (const [other, r] of running) if (other !== id) sum += spent(other, r.startUsd);
          return sum;
        },
      };
    },
    leave(id) {
      clearTimeout(running.get(id)?.pause);
      running.delete(id);
    },
    ids: () => new Set(running.keys()),
    spentUsd: () => {
      let sum = 0;
      for (const [id, r] of running) sum += spent(id, r.startUsd);
      return sum;
    },
    lineChanged(gracePeriod) {
      const stopped = lineStopped();
      for (const [id, r] of running) {
        if (!stopped) {
          clearTimeout(r.pause);
          r.pause = undefined;
        } else if (!r.pause) {
          logger.info(`daemon: the line is stopped; plan ${id} pauses at its next step boundary`);
          r.pause = setTimeout(() => {
            logger.warn(
              `daemon: plan ${id}'s step did not finish within ${formatDuration(gracePeriod)} of the line stopping; killing it (it resumes after \`jidoka andon resolve\`)`,
            );
            r.abort.abort(new Error('the line stopped'));
          }, gracePeriod);
        }
      }
    },
  };
}
