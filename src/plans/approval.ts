import { writeJsonAtomic } from '../core/atomic-write.js';
import { recordGitPin } from '../git/pin.js';
import { type Approval, approvalsFile as file, readApprovals as readAll } from './approvals-file.js';
import { approvalHash } from './store.js';

export type { Approval };

/**
 * Who approved which plan content. Goal checks are commands an agent wrote;
 * they run only when the plan's current content is the content a human
 * approved (same hash), so an edit after approval needs a new approval.
 * Approving also pins the repository's git configuration and hooks as they
 * are now (src/git/pin.ts): Jidoka's own git on the plan's work runs with
 * those only.
 */
export function recordApproval(root: string, id: string, planFile: string, by: string): Approval {
  const all = readAll(root);
  const approval = { hash: approvalHash(planFile), by, at: new Date().toISOString() };
  all[id] = approval;
  recordGitPin(root, id);
  writeJsonAtomic(file(root), all);
  return approval;
}

export function approvalOf(root: string, id: string): Approval | undefined {
  return readAll(root)[id];
}

/** True when the plan file is exactly what a human approved (status line aside). */
export function isApprovedContent(root: string, id: string, planFile: string): boolean {
  const a = approvalOf(root, id);
  return a !== undefined && a.hash === approvalHash(planFile);
}
