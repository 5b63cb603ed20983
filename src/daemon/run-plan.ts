import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { executePlan } from '../loops/execute/execute.js';
import { autoMerge } from '../merge/merge.js';

export interface PlanRun {
  root: string;
  config: Config;
  id: string;
  logger: Logger;
  signal: AbortSignal;
  /** The daemon is shutting down: the plan stops between steps, and nothing is merged. */
  draining: () => boolean;
}

/**
 * One plan, as the daemon runs it: the execution loop, then, with
 * `merge.mode: auto`, the same automatic merge of a low-risk plan that
 * `jidoka run` does (main moving then starts the documentation loop). A
 * failed merge leaves the plan done and says how to merge it by hand. Throws
 * only when the plan could not start.
 */
export async function runPlan(run: PlanRun): Promise<void> {
  const { root, config, id, logger } = run;
  const outcome = await executePlan({
    root,
    config,
    planId: id,
    logger,
    signal: run.signal,
    draining: run.draining,
  });
  logger.info(`daemon: plan ${id}: ${outcome.message}`);
  if (outcome.status !== 'done' || run.draining()) return;
  try {
    const merged = await autoMerge(root, config, id);
    if (merged)
      logger.info(
        `daemon: plan ${id} merged automatically (merge.mode: auto, risk: low): ${merged.slice(0, 12)}`,
      );
  } catch (err) {
    logger.error(
      `daemon: plan ${id} is done, but the automatic merge failed: ${describeError(err)}; merge it by hand with \`jidoka merge ${id}\``,
    );
  }
}
