import { existsSync } from 'node:fs';
import { assertLineRunning } from '../andon/line.js';
import type { Config } from '../config/schema.js';
import { JidokaError } from '../core/errors.js';
import { appendLedger } from '../core/ledger.js';
import { moveOwnRefs } from '../git/own-moves.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';
import { gitSucceeds, runGit } from '../git/run.js';
import { listWorktrees, planBranch, planWorktreePath, removePlanWorktree } from '../git/worktree.js';
import type { CheckSpec } from '../loops/checks.js';
import { goalSpecs } from '../loops/execute/goal.js';
import { type MergeCheck, readPlanState, writePlanState } from '../loops/execute/plan-state.js';
import { approvalOf, isApprovedContent } from '../plans/approval.js';
import { findPlan, listPlans } from '../plans/store.js';
import type { MergeResult } from './merge.js';
import { checkMergedResult, type MergedResult } from './merged-result.js';
import { startMerging } from './merging-now.js';

/**
 * The merge queue: done plans reach main one at a time (the daemon runs
 * every queue step in its one-at-a-time lane; `jidoka merge` runs the same
 * step). A step merges the plan with main as it is now in a scratch worktree
 * and runs the checks on that merged tree; only when they pass does main
 * move, to exactly that commit (`move`), or the plan become `ready` for a
 * human's `jidoka merge`. Main never moves to a tree whose checks did not
 * run: when main moved while the checks ran, the step starts again on the
 * new main. The result is kept in the plan's state (`mergeCheck`), so status
 * and review can say why a plan did not merge, and a crash loses nothing:
 * main moves in one ref update, never mid-merge, and the queue is read
 * again from disk on the next start.
 */
export const AUTO = 'jidoka (merge.mode: auto)';

export type QueueStep =
  | { kind: 'merged'; result: MergeResult }
  | { kind: 'ready'; main: string; commit: string }
  | { kind: 'conflict'; main: string; files: string[]; reason: string }
  | { kind: 'failed'; main: string; reason: string };

export interface QueueStepInput {
  root: string;
  config: Config;
  planId: string;
  by: string;
  /** Move main when the merged result passes; otherwise the plan becomes ready for `jidoka merge`. */
  move: boolean;
  signal?: AbortSignal;
}

/** How often main may move under a step before it gives up (each time the merge and checks run again). */
const MAX_TRIES = 3;

export async function queueStep(input: QueueStepInput): Promise<QueueStep> {
  const { root, config, planId } = input;
  assertLineRunning(root, 'merges');
  const entry = findPlan(root, planId, config.limits.maxChunksPerPlan);
  if (entry.status !== 'done') {
    throw new JidokaError(`plan ${planId} is ${entry.status ?? 'invalid'}; only done plans merge`, {
      exitCode: 1,
      hint:
        entry.status === 'approved' || entry.status === 'active'
          ? `finish it first: \`jidoka run ${planId}\``
          : undefined,
    });
  }
  const git = gitAt(root);
  const main = await mainBranch(git, config.git.mainBranch);
  const branch = planBranch(planId);
  if (!(await revParse(git, `refs/heads/${branch}`)))
    throw new JidokaError(`branch ${branch} does not exist`, { exitCode: 1 });
  const goalChecks = isApprovedContent(root, planId, entry.file)
    ? goalSpecs(entry.plan?.goal.checks ?? [], config)
    : [];
  const done = startMerging(root, planId, main);
  try {
    return await untilMainHolds(input, { main, branch, goalChecks, title: entry.plan?.title ?? planId });
  } finally {
    done();
  }
}

/** Merge, check and move main; again on the new main when main moved while the checks ran. */
async function untilMainHolds(
  input: QueueStepInput,
  p: { main: string; branch: string; goalChecks: CheckSpec[]; title: string },
): Promise<QueueStep> {
  const { root, config, planId } = input;
  const { main, branch, goalChecks } = p;
  for (let tries = 1; ; tries++) {
    const result = await checkMergedResult({
      root,
      config,
      planId,
      title: p.title,
      main,
      by: input.by,
      goalChecks,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    if (input.signal?.aborted)
      throw new JidokaError('the merge queue step was interrupted; main did not move');
    if (result.kind !== 'passed') {
      record(root, planId, failure(result));
      return result.kind === 'conflict'
        ? { kind: 'conflict', main, files: result.files, reason: result.reason }
        : { kind: 'failed', main, reason: result.reason };
    }
    if (!input.move) {
      record(root, planId, check(result, 'ready'));
      return { kind: 'ready', main, commit: result.commit };
    }
    const moved = await moveMain(root, main, result.mainSha, result.commit);
    if (moved === 'moved-meanwhile') {
      if (tries >= MAX_TRIES)
        throw new JidokaError(`${main} kept moving while the merged result of ${branch} was checked`, {
          exitCode: 1,
          hint: `run \`jidoka merge ${planId}\` again when ${main} is quiet`,
        });
      continue;
    }
    return { kind: 'merged', result: await merged(root, planId, check(result, 'merged'), input.by) };
  }
}

/** The policy of `merge.mode: auto`: only a done plan of `risk: low` merges without a human. */
export function autoMerges(root: string, config: Config, planId: string): boolean {
  return (
    config.merge.mode === 'auto' &&
    findPlan(root, planId, config.limits.maxChunksPerPlan).plan?.risk === 'low'
  );
}

/**
 * The done plans the queue still has to take, in approval order: not merged,
 * and with no merge check for main and the branch as they are now (a plan
 * that failed on this main waits for main or its branch to move; one that is
 * ready waits for a human).
 */
export async function waitingPlans(root: string, config: Config): Promise<string[]> {
  const git = gitAt(root);
  const main = await mainBranch(git, config.git.mainBranch);
  const mainSha = await revParse(git, `refs/heads/${main}`);
  const waiting: { id: string; at: string }[] = [];
  for (const e of listPlans(root, config.limits.maxChunksPerPlan)) {
    if (e.plan?.status !== 'done') continue;
    const state = readPlanState(root, e.id);
    if (!state || state.mergedAt) continue;
    const branchSha = await revParse(git, `refs/heads/${planBranch(e.id)}`);
    if (!branchSha) continue;
    const last = state.mergeCheck;
    if (last && last.mainSha === mainSha && last.branchSha === branchSha) continue;
    waiting.push({ id: e.id, at: approvalOf(root, e.id)?.at ?? '' });
  }
  return waiting.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)).map((w) => w.id);
}

/**
 * Main to `commit`, only from `expected` (compare-and-swap): where main is
 * checked out (the user's work tree, or another worktree) by a fast-forward
 * there, so the files follow; elsewhere by one ref update. Returns
 * `moved-meanwhile` when main is no longer at `expected`.
 */
async function moveMain(
  root: string,
  main: string,
  expected: string,
  commit: string,
): Promise<'moved' | 'moved-meanwhile'> {
  const ref = `refs/heads/${main}`;
  if ((await revParse(gitAt(root), ref)) !== expected) return 'moved-meanwhile';
  const checkedOut = (await listWorktrees(root)).find((w) => w.branch === main && !w.prunable);
  if (!checkedOut) {
    const ok = await moveOwnRefs(root, [ref], () => gitSucceeds(root, ['update-ref', ref, commit, expected]));
    return ok ? 'moved' : 'moved-meanwhile';
  }
  try {
    await moveOwnRefs(root, [ref], () => runGit(checkedOut.path, ['merge', '--ff-only', '--quiet', commit]));
  } catch (err) {
    if ((await revParse(gitAt(root), ref)) !== expected) return 'moved-meanwhile';
    throw new JidokaError(
      `git refused to move ${main} in ${checkedOut.path}: ${(err as Error).message.trim()}`,
      {
        exitCode: 1,
        hint: 'commit or stash your local changes in the files the plan touches, then merge again',
      },
    );
  }
  return 'moved';
}

/** Main moved: the plan's worktree goes (its branch stays), the state and the ledger say so. */
async function merged(
  root: string,
  planId: string,
  mergeCheck: MergeCheck,
  by: string,
): Promise<MergeResult> {
  const { main, commit = '' } = mergeCheck;
  const branch = planBranch(planId);
  let worktreeRemoved = false;
  if (existsSync(planWorktreePath(root, planId))) {
    await removePlanWorktree(root, planId);
    worktreeRemoved = true;
  }
  const state = readPlanState(root, planId);
  if (state) {
    state.mergedAt = new Date().toISOString();
    state.mergeCommit = commit;
    state.mergeCheck = mergeCheck;
    writePlanState(root, state);
  }
  appendLedger(root, 'plan.merged', { plan: planId, branch, main, commit, by });
  return { plan: planId, branch, main, mergeCommit: commit, worktreeRemoved };
}

function record(root: string, planId: string, mergeCheck: MergeCheck): void {
  const state = readPlanState(root, planId);
  if (!state) return;
  state.mergeCheck = mergeCheck;
  writePlanState(root, state);
  if (mergeCheck.status !== 'ready')
    appendLedger(root, 'plan.merge_refused', {
      plan: planId,
      status: mergeCheck.status,
      main: mergeCheck.mainSha,
      reason: mergeCheck.reason,
    });
}

function check(r: Extract<MergedResult, { kind: 'passed' }>, status: 'ready' | 'merged'): MergeCheck {
  return {
    status,
    main: r.main,
    mainSha: r.mainSha,
    branchSha: r.branchSha,
    commit: r.commit,
    at: new Date().toISOString(),
  };
}

function failure(r: Exclude<MergedResult, { kind: 'passed' }>): MergeCheck {
  return {
    status: r.kind,
    main: r.main,
    mainSha: r.mainSha,
    branchSha: r.branchSha,
    reason: r.reason,
    ...(r.kind === 'conflict' ? { files: r.files } : {}),
    ...(r.kind === 'failed'
      ? { failedChecks: r.checks.filter((c) => !c.passed).map((c) => c.name), output: r.output }
      : {}),
    at: new Date().toISOString(),
  };
}
