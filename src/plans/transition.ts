import { JidokaError } from '../core/errors.js';
import { appendLedger } from '../core/ledger.js';
import { recordGitPin } from '../git/pin.js';
import { isApprovedContent, recordApproval } from './approval.js';
import { findPlan, formatPlanProblem, markInvalid, setPlanStatus } from './store.js';
import type { PlanStatus } from './types.js';

/**
 * A human's approval or rejection of a plan: the one place that decides
 * which statuses may move where, records who approved which content, and
 * writes the ledger line. `jidoka plan approve|reject` and the board's
 * actions both come here.
 */
export type Decision = 'approved' | 'rejected';

export interface TransitionResult {
  id: string;
  from: PlanStatus;
  status: Decision;
  by: string;
  /**
   * True when the plan already had that status (and, for an approval, the
   * approved content). Approving again still pins the git configuration and
   * hooks as they are now: that is how a human accepts a change to them.
   */
  unchanged: boolean;
}

const ALLOWED_FROM: Record<Decision, PlanStatus[]> = {
  approved: ['proposed', 'rejected', 'failed'],
  rejected: ['proposed', 'approved', 'failed', 'invalid'],
};

export function transitionPlan(opts: {
  root: string;
  id: string;
  to: Decision;
  maxChunks: number;
  /** Who decided (git user, or the board's "via the board" form of it). */
  by: string;
  reason?: string | undefined;
}): TransitionResult {
  const { root, id, to, by } = opts;
  const e = findPlan(root, id, opts.maxChunks);
  if (to === 'approved' && e.problems.length) {
    markInvalid(e.file, e.problems);
    throw new JidokaError(
      `plan ${id} is invalid and cannot be approved:\n${e.problems.map(formatPlanProblem).join('\n')}`,
      { exitCode: 1, hint: `fix ${e.relFile}, then run \`jidoka plan validate ${id}\`` },
    );
  }
  const from = (e.status ?? 'invalid') as PlanStatus;
  if (from === to && !(to === 'approved' && !isApprovedContent(root, id, e.file))) {
    if (to === 'approved') recordGitPin(root, id);
    return { id, from, status: to, by, unchanged: true };
  }
  if (from !== to && !ALLOWED_FROM[to].includes(from))
    throw new JidokaError(`plan ${id} is ${from}; only ${ALLOWED_FROM[to].join(', ')} plans can be ${to}`, {
      exitCode: 1,
    });
  // Approving a plan that only *says* approved (edited by hand, or changed since) records a human's approval now.
  if (from !== to) setPlanStatus(e.file, to);
  if (to === 'approved') recordApproval(root, id, e.file, by);
  appendLedger(root, `plan.${to}`, { plan: id, from, by, ...(opts.reason ? { reason: opts.reason } : {}) });
  return { id, from, status: to, by, unchanged: false };
}
