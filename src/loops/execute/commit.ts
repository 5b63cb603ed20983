import type { CheckResult } from '../../core/types.js';
import { commitChunk, findChunkCommit, stageAll, writeTree } from '../../git/commit.js';
import type { Chunk } from '../../plans/types.js';
import type { PlanRun } from './plan-run.js';
import { advanceChunk, approveTree, writePlanState } from './plan-state.js';

/**
 * Committing an accepted chunk, and recognising one that was committed (or
 * approved) before a crash, so that no chunk is committed twice and no agent
 * runs again for work that was already accepted.
 */

/** The checker approved: record the approved tree first (a crash after this commits it), then commit. */
export async function commitAccepted(p: PlanRun, checks: CheckResult[]): Promise<void> {
  // The guards staged everything and the worktree is unchanged since (attempt.ts checks): commit that tree.
  approveTree(p.state, await writeTree(p.worktree.path), checks);
  writePlanState(p.opts.root, p.state);
}

/** Commit the staged chunk with Jidoka's trailers, and move on to the next chunk. */
export async function commitChunkOf(p: PlanRun): Promise<string> {
  const { plan, state } = p;
  const chunk = plan.chunks[state.chunk - 1]!;
  const fix = state.goalAttempt > 0 ? ' (goal fix)' : '';
  const sha = await commitChunk(p.worktree.path, {
    plan: plan.id,
    chunk: chunk.number,
    attempt: state.attempt,
    runId: p.run.id,
    subject: `jidoka(${plan.id}): chunk ${chunk.number}/${plan.chunks.length}: ${chunk.title}${fix}`,
  });
  const last = state.attempts[state.attempts.length - 1];
  if (last && last.chunk === chunk.number && last.outcome === 'accepted') last.commit = sha;
  advanceChunk(state, sha);
  writePlanState(p.opts.root, state);
  p.commits.push(sha);
  return sha;
}

/**
 * After a crash: the chunk was committed before the checkpoint said so (its
 * trailers find it), or it was approved and its tree is still what is
 * staged (commit it now). True when the chunk needs no attempt.
 */
export async function recoverChunk(p: PlanRun, chunk: Chunk): Promise<boolean> {
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
    return true;
  }
  if (
    state.step === 'commit' &&
    state.approvedTree &&
    (await stageAll(p.worktree.path)) === state.approvedTree
  ) {
    await commitChunkOf(p);
    return true;
  }
  return false;
}
