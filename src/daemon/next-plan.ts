import { join } from 'node:path';
import { isStale, readLock } from '../core/lock.js';
import { jidokaPaths } from '../core/paths.js';
import { readPlanState } from '../loops/execute/plan-state.js';
import { isApprovedContent } from '../plans/approval.js';
import { approvalHash, listPlans } from '../plans/store.js';

export interface Runnable {
  id: string;
  resumable: boolean;
}

export interface PlanSurvey {
  ready: Runnable[];
  /** Plans whose status says approved with no matching approval record: id and content hash. */
  unapproved: { id: string; hash: string }[];
  /** Plans a live `jidoka run` holds. */
  held: { id: string; pid: number }[];
}

/**
 * Which plans the daemon may start, in order: interrupted ones first (their
 * worktree holds work in progress), then approved ones by created date and
 * id. An approved plan counts only when a human approved its content (the
 * approval record matches); a plan another process is running is left alone.
 */
export function surveyPlans(root: string, maxChunks: number): PlanSurvey {
  const survey: PlanSurvey = { ready: [], unapproved: [], held: [] };
  const found: (Runnable & { created: string })[] = [];
  for (const e of listPlans(root, maxChunks)) {
    const status = e.plan?.status;
    if (status !== 'approved' && status !== 'active') continue;
    const resumable = status === 'active' && readPlanState(root, e.id)?.status === 'running';
    if (status === 'active' && !resumable) continue;
    if (status === 'approved' && !isApprovedContent(root, e.id, e.file)) {
      survey.unapproved.push({ id: e.id, hash: approvalHash(e.file) });
      continue;
    }
    const lock = readLock(join(jidokaPaths(root).plansState, `${e.id}.lock`));
    if (lock && !isStale(lock)) {
      survey.held.push({ id: e.id, pid: lock.pid });
      continue;
    }
    found.push({ id: e.id, resumable, created: e.plan?.created ?? '' });
  }
  found.sort(
    (a, b) =>
      Number(b.resumable) - Number(a.resumable) ||
      a.created.localeCompare(b.created) ||
      a.id.localeCompare(b.id),
  );
  survey.ready = found.map(({ id, resumable }) => ({ id, resumable }));
  return survey;
}
