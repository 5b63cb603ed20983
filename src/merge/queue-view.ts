import type { MergeCheck } from '../loops/execute/plan-state.js';
import type { MergingNow } from './merging-now.js';

/**
 * The merge queue as `jidoka status` and the board show it, from files only
 * (plan files, checkpoints, approvals, the in-progress record): the plan
 * being merged now, the done plans waiting (approval order), the ready ones
 * and the last failure of each plan not merged since, with its reason. Pure:
 * the caller reads the files.
 */
export interface MergeQueueView {
  /** The plan whose merged result is being checked now. */
  merging: { plan: string; main: string; since: string } | null;
  /** Done plans not merged and not yet checked, in approval order: the queue takes them next. */
  waiting: string[];
  /** Merged with main their checks pass; `jidoka merge <id>` moves main. */
  ready: { plan: string; mainSha: string; at: string }[];
  /** The last merged result that failed, per plan not merged since. */
  failed: {
    plan: string;
    kind: 'conflict' | 'failed';
    reason: string;
    /** Conflict: the conflicted files. */
    files: string[];
    /** Failed: the checks that failed on the merged tree. */
    failedChecks: string[];
    mainSha: string;
    at: string;
  }[];
}

export interface QueuedPlan {
  id: string;
  /** The plan file's status. */
  status: string | null;
  state?: { mergedAt?: string; mergeCheck?: MergeCheck };
  approvedAt?: string;
}

export function mergeQueueView(plans: QueuedPlan[], merging: MergingNow | undefined): MergeQueueView {
  const done = plans
    .filter((p) => p.status === 'done' && p.state && !p.state.mergedAt)
    .sort((a, b) => (a.approvedAt ?? '').localeCompare(b.approvedAt ?? '') || a.id.localeCompare(b.id));
  const now = merging?.plan;
  const view: MergeQueueView = {
    merging: merging ? { plan: merging.plan, main: merging.main, since: merging.startedAt } : null,
    waiting: [],
    ready: [],
    failed: [],
  };
  for (const p of done) {
    const c = p.state?.mergeCheck;
    if (!c && p.id !== now) view.waiting.push(p.id);
    else if (c?.status === 'ready') view.ready.push({ plan: p.id, mainSha: c.mainSha, at: c.at });
    else if (c?.status === 'conflict' || c?.status === 'failed')
      view.failed.push({
        plan: p.id,
        kind: c.status,
        reason: c.reason ?? c.status,
        files: c.files ?? [],
        failedChecks: c.failedChecks ?? [],
        mainSha: c.mainSha,
        at: c.at,
      });
  }
  return view;
}

/** The queue in a few lines of `jidoka status`. */
export function formatMergeQueue(q: MergeQueueView): string[] {
  const out = [
    `merge queue: ${q.merging ? `merging ${q.merging.plan} (since ${q.merging.since})` : 'nothing merging'}; waiting: ${q.waiting.join(', ') || 'none'}`,
  ];
  for (const r of q.ready)
    out.push(
      `  ready: ${r.plan} (checks pass merged with ${r.mainSha.slice(0, 12)}): jidoka merge ${r.plan}`,
    );
  for (const f of q.failed)
    out.push(
      `  not merged: ${f.plan}: ${f.kind === 'conflict' ? `conflict in ${f.files.join(', ')}` : `failed on the merged tree: ${f.failedChecks.join(', ')}`} (main ${f.mainSha.slice(0, 12)}); see jidoka review ${f.plan}`,
    );
  return out;
}
