import { join } from 'node:path';
import { isTestFile } from '../../andon/guards.js';
import { recordManualRetry } from '../../andon/retries.js';
import { watchWorktree } from '../../andon/watchdog.js';
import type { Config } from '../../config/schema.js';
import { JidokaError } from '../../core/errors.js';
import { pidAlive } from '../../core/lock.js';
import { jidokaPaths } from '../../core/paths.js';
import type { Finding } from '../../core/types.js';
import { pinnedHooksDir } from '../../git/pin.js';
import { gitAt, hasCommits, mainBranch } from '../../git/repo.js';
import { pinCheckout } from '../../git/run.js';
import { ensureWorktree } from '../../git/worktree.js';
import { isApprovedContent } from '../../plans/approval.js';
import { findPlan, formatPlanProblem, markInvalid, setPlanStatus } from '../../plans/store.js';
import type { Plan } from '../../plans/types.js';
import { closeInterruptedRuns, type RunRecord, startRun } from '../run-record.js';
import type { ExecuteOptions, PlanRun } from './plan-run.js';
import { newPlanState, type PlanState, readPlanState, restartByHuman, writePlanState } from './plan-state.js';

/**
 * Everything a plan's run needs before its first step: the worktree (made
 * or reused), the state (new, resumed after a crash, or restarted by a
 * human), this run's record, and the facts fixed at the plan's base. The
 * worktree watcher is closed again if anything here fails.
 */
export async function prepareRun(opts: ExecuteOptions, plan: Plan): Promise<PlanRun> {
  const { root, config, logger } = opts;
  const main = await mainBranch(gitAt(root), config.git.mainBranch);
  // Every git Jidoka runs on the plan's work runs the hooks pinned at approval, `worktree add` first.
  const hooksDir = pinnedHooksDir(root, plan.id);
  const worktree = await ensureWorktree(root, plan.id, main, hooksDir);
  pinCheckout(worktree.path, { gitDir: await ownGitDir(worktree.path), hooksDir });
  const watcher = watchWorktree(worktree.path);
  try {
    const { state, resumedFrom, humanRetryStop } = await loadState(opts, plan, worktree);
    if (resumedFrom)
      logger.info(
        resumedFrom,
        `resuming plan ${plan.id} at chunk ${resumedFrom.chunk}, attempt ${resumedFrom.attempt} (${resumedFrom.step})`,
      );
    setPlanStatus(plan.file, 'active');
    const run = startRun(root, plan.id, resumedFrom);
    state.runIds.push(run.id);
    writePlanState(root, state);
    return {
      opts,
      plan,
      worktree,
      mainBranch: main,
      watcher,
      state,
      run,
      baseTestFiles: await testFilesAt(worktree.path, state.baseSha),
      approvedGoalChecks: isApprovedContent(root, plan.id, plan.file) ? plan.goal.checks : [],
      spendAtStart: state.spend.usd,
      resuming: resumedFrom !== undefined,
      humanRetryStop,
      commits: [],
    };
  } catch (err) {
    await watcher.close();
    throw err;
  }
}

/**
 * The plan's state: a new one; the checkpoint of a run that crashed or was
 * interrupted (resumed where it was, attempt kept); or, when a human runs a
 * failed or stopped plan again, fresh attempts counted as a manual retry.
 */
async function loadState(
  opts: ExecuteOptions,
  plan: Plan,
  worktree: { path: string; branch: string; baseSha: string },
): Promise<{ state: PlanState; resumedFrom?: RunRecord['resumedFrom']; humanRetryStop?: Finding }> {
  const previous = readPlanState(opts.root, plan.id);
  if (!previous || previous.status === 'done') {
    const head = (await gitAt(worktree.path).raw(['rev-parse', 'HEAD'])).trim();
    return { state: newPlanState(plan.id, worktree, head) };
  }
  killLeftover(previous);
  closeInterruptedRuns(opts.root, previous.runIds);
  if (previous.status === 'running')
    return {
      state: previous,
      resumedFrom: { chunk: previous.chunk, attempt: previous.attempt, step: previous.step },
    };
  const last = [...previous.attempts].reverse().find((a) => a.fingerprint);
  const { finding } = recordManualRetry(
    opts.root,
    plan.id,
    last?.fingerprint ?? 'unknown',
    opts.config.limits.humanRetries,
  );
  restartByHuman(previous);
  return { state: previous, ...(finding ? { humanRetryStop: finding } : {}) };
}

/** An agent a crash left running would keep writing into the worktree: end its process group first. */
function killLeftover(state: PlanState): void {
  const pid = state.activePid;
  if (!pid || !pidAlive(pid)) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
  state.activePid = undefined;
}

/** The worktree's git dir as git itself resolves it, right after Jidoka made or reused the worktree. */
async function ownGitDir(worktree: string): Promise<string> {
  return (await gitAt(worktree).raw(['rev-parse', '--absolute-git-dir'])).trim();
}

async function testFilesAt(worktree: string, sha: string): Promise<string[]> {
  return (await gitAt(worktree).raw(['ls-tree', '-r', '--name-only', sha]))
    .split('\n')
    .filter((p) => p && isTestFile(p));
}

/** The repository needs a first commit: a plan branches from main. */
export async function requireFirstCommit(root: string): Promise<void> {
  if (await hasCommits(gitAt(root))) return;
  throw new JidokaError(
    'the repository has no commits yet, so there is no main branch to start a plan from',
    {
      exitCode: 2,
      hint: 'make a first commit (git add -A && git commit -m "initial"), then run again',
    },
  );
}

export function planLockFile(root: string, planId: string): string {
  return join(jidokaPaths(root).plansState, `${planId}.lock`);
}

/**
 * The plan, if it may run: valid (an invalid plan is marked so and kept),
 * and approved by a human for exactly its current content.
 */
export function runnablePlan(root: string, config: Config, id: string): Plan {
  const entry = findPlan(root, id, config.limits.maxChunksPerPlan);
  if (!entry.plan) {
    markInvalid(entry.file, entry.problems);
    throw new JidokaError(
      `plan ${id} is invalid (marked status: invalid):\n${entry.problems.map(formatPlanProblem).join('\n')}`,
      { exitCode: 1 },
    );
  }
  const status = entry.plan.status;
  if ((status === 'approved' || status === 'active') && !isApprovedContent(root, id, entry.file)) {
    throw new JidokaError(`plan ${id} says ${status}, but no human approved its current content`, {
      exitCode: 1,
      hint: `read it, then \`jidoka plan approve ${id}\` (an edit after approval needs a new approval)`,
    });
  }
  if (status !== 'approved' && status !== 'active') {
    const hint =
      status === 'proposed' || status === 'failed' || status === 'rejected'
        ? `a human approves it first: \`jidoka plan approve ${id}\``
        : status === 'done'
          ? `it is done; review it with \`jidoka review ${id}\``
          : `fix it and set status: proposed`;
    throw new JidokaError(`plan ${id} is ${status}; only approved plans run`, { exitCode: 1, hint });
  }
  return entry.plan;
}
