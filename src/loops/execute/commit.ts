import { finding } from '../../andon/finding.js';
import type { CheckResult, Finding } from '../../core/types.js';
import { commitChunk, findChunkCommit, stageAll } from '../../git/commit.js';
import { gitAt } from '../../git/repo.js';
import { GitFailed } from '../../git/run.js';
import type { Chunk } from '../../plans/types.js';
import { treeChanged } from './guard-step.js';
import type { PlanRun } from './plan-run.js';
import { advanceChunk, approveTree, writePlanState } from './plan-state.js';

/**
 * Committing an accepted chunk, and recognising one that was committed (or
 * approved) before a crash, so that no chunk is committed twice and no agent
 * runs again for work that was already accepted.
 */

/** The checker approved the frozen candidate: record its tree first (a crash after this commits it). */
export function approveCandidate(p: PlanRun, tree: string, checks: CheckResult[]): void {
  approveTree(p.state, tree, checks);
  writePlanState(p.opts.root, p.state);
}

/**
 * Commit the approved tree with Jidoka's trailers, and move on to the next
 * chunk. The index is the approved tree (the attempt checked it after the
 * checker); the commit runs the repository's own hooks, so its tree is
 * compared with the approved one: a hook that changed what is committed
 * gives a finding, and the plan does not move on.
 */
export async function commitChunkOf(p: PlanRun): Promise<Finding | undefined> {
  const { plan, state } = p;
  const chunk = plan.chunks[state.chunk - 1]!;
  const fix = state.goalAttempt > 0 ? ' (goal fix)' : '';
  let sha: string;
  try {
    sha = await commitChunk(p.worktree.path, {
      plan: plan.id,
      chunk: chunk.number,
      attempt: state.attempt,
      runId: p.run.id,
      subject: `jidoka(${plan.id}): chunk ${chunk.number}/${plan.chunks.length}: ${chunk.title}${fix}`,
    });
  } catch (err) {
    if (err instanceof GitFailed) return commitRefused(err);
    throw err;
  }
  const tree = (await gitAt(p.worktree.path).raw(['rev-parse', `${sha}^{tree}`])).trim();
  if (state.approvedTree && tree !== state.approvedTree)
    return treeChanged(`git commit ran (commit ${sha.slice(0, 12)})`, [
      `tree ${tree.slice(0, 12)} instead of ${state.approvedTree.slice(0, 12)}`,
    ]);
  const last = state.attempts[state.attempts.length - 1];
  if (last && last.chunk === chunk.number && last.outcome === 'accepted') last.commit = sha;
  advanceChunk(state, sha);
  writePlanState(p.opts.root, state);
  p.commits.push(sha);
  return undefined;
}

/**
 * `git commit` failed: one of the user's hooks refused the commit, or, run in
 * the maker's sandbox (src/sandbox/hooks.ts), could not write git state
 * (lint-staged re-staging, a commit-msg hook editing the message). The work
 * was accepted; the environment cannot commit it.
 */
function commitRefused(err: GitFailed): Finding {
  const said = err.message.trim().slice(-2000);
  return finding(
    'repo_integrity',
    'env_tooling',
    `git commit failed in the plan's worktree (exit ${err.exitCode ?? 'unknown'}): ${said.split('\n').slice(-3).join(' / ')}; a git hook of yours refused the commit, or could not write git state inside the sandbox (hooks run in the maker's sandbox; a hook that stages files or edits the message needs sandbox.mode: none)`,
    { output: said },
  );
}

/**
 * After a crash: the chunk was committed before the checkpoint said so (its
 * trailers find it), or it was approved and its tree is still what is
 * staged (commit it now): 'recovered' when the chunk needs no attempt.
 */
export async function recoverChunk(p: PlanRun, chunk: Chunk): Promise<'recovered' | 'no' | Finding> {
  const { state } = p;
  const resuming = p.resuming;
  p.resuming = false;
  const already = resuming
    ? await findChunkCommit(p.worktree.path, state.chunkStartSha, p.plan.id, chunk.number)
    : undefined;
  if (already) {
    p.opts.logger.info(
      `chunk ${chunk.number} was committed before the interruption (${already.slice(0, 8)}); moving on`,
    );
    advanceChunk(state, already);
    writePlanState(p.opts.root, state);
    return 'recovered';
  }
  if (
    state.step === 'commit' &&
    state.approvedTree &&
    (await stageAll(p.worktree.path)) === state.approvedTree
  )
    return (await commitChunkOf(p)) ?? 'recovered';
  return 'no';
}
