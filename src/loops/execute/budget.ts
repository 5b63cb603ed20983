import { budget } from '../../andon/breakers.js';
import { spentToday } from '../../core/ledger.js';
import type { Finding } from '../../core/types.js';
import type { PlanRun } from './plan-run.js';

/**
 * The budget breaker before a dispatch, against the plan's spend plus
 * `extra` (spent by the running attempt). Today's spend is what the ledger
 * recorded (finished runs, audits, docs syncs; read through its daily tally)
 * plus this run's own, which the ledger has not seen yet.
 */
export function overBudget(p: PlanRun, extra = { costUsd: 0, tokens: 0 }): Finding | undefined {
  const planUsd = p.state.spend.usd + extra.costUsd;
  return budget(
    {
      planUsd,
      dayUsd: spentToday(p.opts.root).usd + planUsd - p.spendAtStart + (p.opts.othersUsd?.() ?? 0),
      planTokens: p.state.spend.tokens + extra.tokens,
    },
    p.opts.config.limits,
  );
}
