import type { Limits } from '../config/schema.js';
import type { Category, Finding } from '../core/types.js';
import { finding } from './finding.js';

/**
 * Breakers that count over a plan's recorded history rather than look at one
 * attempt. Pure: the execution loop keeps the history (attempts, failure
 * fingerprints, spend) in its state, which survives restarts, and asks here
 * whether a limit is reached.
 */

/** The latest failure fingerprint seen `limit` times in the plan's history: the same failure keeps coming back. */
export function repeatFailure(fingerprints: string[], limit: number): Finding | undefined {
  const latest = fingerprints[fingerprints.length - 1];
  if (latest === undefined) return undefined;
  const seen = fingerprints.filter((f) => f === latest).length;
  if (seen < limit) return undefined;
  return finding(
    'repeat_failure',
    'repeat_failure',
    `the same failure happened ${seen} times (limit ${limit}): ${latest.split('\n')[0]}`,
    { fingerprint: latest, seen, limit },
  );
}

/**
 * Meta-Andon: `limit` failed attempts in a row on a plan. The plan goes back
 * to planning mode (replan.ts) and the line stops. `lastCategory` is the
 * category of the last failure, when the loop knows it.
 */
export function consecutiveFailures(
  failedAttemptsInARow: number,
  limit: number,
  lastCategory: Category = 'repeat_failure',
): Finding | undefined {
  if (failedAttemptsInARow < limit) return undefined;
  return finding(
    'consecutive_failures',
    lastCategory,
    `${failedAttemptsInARow} failed attempts in a row on this plan (limit ${limit}); the plan goes back to planning`,
    { failedAttemptsInARow, limit, lastCategory },
  );
}

/**
 * Spend against the configured budgets. A limit of 0 disables that budget.
 * Tokens are the fallback for agents that report no cost: the token budget
 * applies only while the plan's reported cost is zero. Reaching a budget
 * (not only passing it) stops further dispatch.
 */
export function budget(
  spend: { planUsd: number; dayUsd: number; planTokens: number },
  limits: Limits,
): Finding | undefined {
  const over: string[] = [];
  if (limits.budgetUsdPerPlan > 0 && spend.planUsd >= limits.budgetUsdPerPlan)
    over.push(`plan spend $${spend.planUsd.toFixed(2)} of $${limits.budgetUsdPerPlan}`);
  if (limits.budgetUsdPerDay > 0 && spend.dayUsd >= limits.budgetUsdPerDay)
    over.push(`today's spend $${spend.dayUsd.toFixed(2)} of $${limits.budgetUsdPerDay}`);
  if (limits.budgetTokensPerPlan > 0 && spend.planUsd === 0 && spend.planTokens >= limits.budgetTokensPerPlan)
    over.push(`plan tokens ${spend.planTokens} of ${limits.budgetTokensPerPlan}`);
  if (!over.length) return undefined;
  return finding('budget', 'budget', `budget reached: ${over.join('; ')}; no further dispatch`, {
    ...spend,
    limits: pick(limits),
  });
}

function pick(l: Limits) {
  return {
    budgetUsdPerPlan: l.budgetUsdPerPlan,
    budgetUsdPerDay: l.budgetUsdPerDay,
    budgetTokensPerPlan: l.budgetTokensPerPlan,
  };
}

/** No file change in the worktree and no agent output for `idleMs` (the watchdog tripped); the agent was killed. */
export function noProgress(role: string, idleMs: number, limitMs: number): Finding {
  return finding(
    'no_progress',
    'no_progress',
    `the ${role} made no progress for ${Math.round(idleMs / 1000)}s (no file change, no output; limit ${Math.round(limitMs / 1000)}s); its process group was killed`,
    { role, idleMs, limitMs },
  );
}

/** A step ran past `limits.agentTimeout`; the agent was killed. */
export function stepTimeout(role: string, durationMs: number, limitMs: number): Finding {
  return finding(
    'timeout',
    'hang',
    `the ${role} step ran ${Math.round(durationMs / 1000)}s, over the ${Math.round(limitMs / 1000)}s limit; its process group was killed`,
    { role, durationMs, limitMs },
  );
}
