import {
  compareOutside,
  type OutsideSnapshot,
  restoreRefs,
  type SnapshotScope,
  sandboxedView,
  snapshotOutside,
} from '../../andon/outside-writes.js';
import type { Config } from '../../config/schema.js';
import type { Finding } from '../../core/types.js';
import { neutralizeConfig } from '../../git/pin.js';
import { planWorktreePath } from '../../git/worktree.js';

/**
 * The after-step check around every agent step and the checks, sandbox or
 * not: nothing outside the step's writable paths may change (the main
 * checkout, other refs, the git directory's config, hooks and info/,
 * Jidoka's state). The sandbox makes that impossible; this is what notices
 * when it is off (`sandbox.mode: none`). A change is red; refs are put back at
 * once, and the incident names every path. Sandboxed, only the git
 * directory's files are compared (see sandboxedView): a change elsewhere
 * cannot be the step's, and a person committing on main meanwhile must not
 * stop the line. Unsandboxed, the check cannot tell a person from the agent,
 * and stops the line either way.
 */
/** Whose step it is: the repository, the plan (its own refs and checkpoint are Jidoka's), the sandbox mode. */
export interface StepScope extends SnapshotScope {
  sandboxed: boolean;
}

export function stepScope(root: string, config: Config, planId: string): StepScope {
  return {
    root,
    planId,
    worktree: planWorktreePath(root, planId),
    sandboxed: config.sandbox.mode === 'bwrap',
  };
}

export function outsideSnapshot(scope: StepScope): Promise<OutsideSnapshot> {
  return snapshotOutside(scope);
}

export async function outsideChanged(
  scope: StepScope,
  before: OutsideSnapshot,
  during: string,
): Promise<{ finding?: Finding; after: OutsideSnapshot }> {
  const after = await snapshotOutside(scope, before);
  const found = compareOutside(before, scope.sandboxed ? sandboxedView(before, after) : after);
  if (!found) return { after };
  // Whatever git config was planted must not run in the git the stop itself does (diff, preserve).
  if (scope.worktree) await neutralizeConfig(scope.worktree);
  const restored = await restoreRefs(scope, before).catch(() => []);
  return {
    after,
    finding: {
      ...found,
      message: `${during}: ${found.message}${restored.length ? `; refs put back: ${restored.join(', ')}` : ''}`,
      evidence: { ...found.evidence, restoredRefs: restored },
    },
  };
}
