import type { Logger } from 'pino';
import { readLine } from '../andon/line.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { type Runnable, surveyPlans } from './next-plan.js';

export interface PlanPicker {
  /** The plan to start now, if any, but none of `running`; what it passes over is logged (each unapproved content once). */
  next(config: Config, running?: Set<string>): Runnable | undefined;
  /** Its start threw: not offered again until something on disk changes. */
  refuse(id: string): void;
  /** Something on disk changed: refused plans get another chance. */
  forgetRefusals(): void;
}

/**
 * The daemon's choice of the next plan, over `surveyPlans`, with what it
 * remembers between scans: plans whose start threw (so the rescan after each
 * item cannot spin on a broken plan) and unapproved contents already
 * reported. A stopped line starts nothing.
 */
export function createPlanPicker(root: string, logger: Logger): PlanPicker {
  const refused = new Set<string>();
  const reported = new Set<string>();
  return {
    next(config, running = new Set()) {
      try {
        if (readLine(root).state === 'stopped') {
          logger.info('daemon: the line is stopped; no plan starts until `jidoka andon resolve`');
          return undefined;
        }
        const survey = surveyPlans(root, config.limits.maxChunksPerPlan);
        for (const u of survey.unapproved) {
          // Its goal checks would never run (they are agent-written commands), so it could not finish.
          if (reported.has(`${u.id}:${u.hash}`)) continue;
          reported.add(`${u.id}:${u.hash}`);
          logger.warn(
            `daemon: plan ${u.id} says status: approved, but no human approved this content (no matching record in .jidoka/state/approvals.json); not starting it. Set status: proposed, then \`jidoka plan approve ${u.id}\``,
          );
        }
        for (const h of survey.held)
          if (!running.has(h.id))
            logger.debug(`daemon: plan ${h.id} is being run by pid ${h.pid}; leaving it`);
        return survey.ready.find((r) => !refused.has(r.id) && !running.has(r.id));
      } catch (err) {
        logger.error(`daemon: could not look for plans: ${describeError(err)}`);
        return undefined;
      }
    },
    refuse: (id) => {
      refused.add(id);
    },
    forgetRefusals: () => refused.clear(),
  };
}
