import type { Logger } from 'pino';
import { readLine } from '../andon/line.js';
import type { Config } from '../config/schema.js';
import { configureCheckSlots } from '../loops/check-slots.js';
import { executePlan } from '../loops/execute/execute.js';
import { AUTO, autoMerges, queueStep, waitingPlans } from '../merge/queue.js';
import type { PlanSlot } from './plan-slots.js';

export interface PlanRun extends PlanSlot {
  root: string;
  config: Config;
  id: string;
  logger: Logger;
}

/**
 * One plan, as the daemon runs it in one of its plan slots: the execution
 * loop, nothing more. A done plan reaches main through the merge queue
 * (`mergeStep`), never from here, so two plans finishing together cannot
 * both move main. Throws only when the plan could not start.
 */
export async function runPlan(run: PlanRun): Promise<void> {
  const { root, config, id, logger } = run;
  configureCheckSlots(config.limits.maxParallelChecks); // the config as it is now: a reload applies to the next plan
  const outcome = await executePlan({
    root,
    config,
    planId: id,
    logger,
    signal: run.signal,
    draining: run.draining,
    othersUsd: run.othersUsd,
  });
  logger.info(`daemon: plan ${id}: ${outcome.message}`);
}

/** The done plans the merge queue should take now, in approval order; none while the line is stopped. */
export async function mergesWaiting(root: string, config: Config): Promise<string[]> {
  if (readLine(root).state === 'stopped') return [];
  return waitingPlans(root, config);
}

/**
 * One step of the merge queue, in the daemon's one-at-a-time lane: with
 * `merge.mode: auto` a low-risk plan's passing merged result moves main (the
 * moved main then starts the documentation loop); any other plan becomes
 * ready for `jidoka merge`. A merged result that fails leaves main where it
 * is and the plan done, with the reason in its state.
 */
export async function mergeStep(
  root: string,
  config: Config,
  id: string,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  // Queued before an earlier step moved main or checked this plan: look again.
  if (!(await mergesWaiting(root, config)).includes(id)) return;
  const move = autoMerges(root, config, id);
  const step = await queueStep({ root, config, planId: id, by: AUTO, move, signal });
  if (step.kind === 'merged')
    logger.info(
      `daemon: plan ${id} merged automatically (merge.mode: auto, risk: low): ${step.result.mergeCommit.slice(0, 12)}`,
    );
  else if (step.kind === 'ready')
    logger.info(
      `daemon: plan ${id} is ready to merge: merged with ${step.main} its checks pass; \`jidoka merge ${id}\` moves ${step.main}`,
    );
  else
    logger.warn(
      `daemon: plan ${id} was not merged: ${step.reason}; ${step.main} did not move (see \`jidoka review ${id}\`)`,
    );
}
