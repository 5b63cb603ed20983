import { execa } from 'execa';
import { assertLineRunning } from '../andon/line.js';
import type { Config } from '../config/schema.js';
import { JidokaError } from '../core/errors.js';
import { appendLedger } from '../core/ledger.js';
import { gitAt, mainBranch } from '../git/repo.js';
import { planBranch } from '../git/worktree.js';
import { findPlan } from '../plans/store.js';
import { AUTO, autoMerges, queueStep } from './queue.js';

/**
 * Merging a done plan into the main branch: a human's step (`jidoka merge`),
 * or the merge queue's with `merge.mode: auto` for low-risk plans. Both go
 * through the same queue step (src/merge/queue.ts): the plan merged with the
 * current main in a scratch worktree, the checks run on that merged tree,
 * and only then main moves, to exactly that commit. Refused while the line
 * is stopped. A conflict or a failing check merges nothing and says why.
 */
export interface MergeResult {
  plan: string;
  branch: string;
  main: string;
  mergeCommit: string;
  worktreeRemoved: boolean;
}

export async function mergePlan(
  root: string,
  config: Config,
  planId: string,
  by: string,
  signal?: AbortSignal,
): Promise<MergeResult> {
  const step = await queueStep({ root, config, planId, by, move: true, ...(signal ? { signal } : {}) });
  if (step.kind === 'merged') return step.result;
  if (step.kind === 'ready') throw new Error('the queue step was asked to move main'); // not reached: move is true
  const branch = planBranch(planId);
  if (step.kind === 'conflict')
    throw new JidokaError(
      `${step.main} has moved and conflicts with ${branch} in: ${step.files.join(', ')}; nothing was merged`,
      {
        exitCode: 1,
        hint: `bring the plan up to date: cd .jidoka/worktrees/${planId} && git merge ${step.main} (resolve, commit), then \`jidoka merge ${planId}\` again`,
      },
    );
  throw new JidokaError(`${step.reason}; nothing was merged, ${step.main} did not move`, {
    exitCode: 1,
    hint: `see the failing output with \`jidoka review ${planId}\`; fix it on the plan branch (or re-run the plan on the new ${step.main}), then \`jidoka merge ${planId}\` again`,
  });
}

/**
 * `merge.mode: auto`: a done plan of `risk: low` merges without the human
 * step, through the same queue step. Returns the merge commit, or undefined
 * when the policy does not apply; a merged result that fails throws, saying why.
 */
export async function autoMerge(root: string, config: Config, planId: string): Promise<string | undefined> {
  if (!autoMerges(root, config, planId)) return undefined;
  return (await mergePlan(root, config, planId, AUTO)).mergeCommit;
}

/**
 * `--pr`: push the plan branch and open a draft PR with gh. Every missing
 * piece (gh, its login, a remote) is named instead of failing obscurely.
 */
export async function openPullRequest(root: string, config: Config, planId: string): Promise<string> {
  assertLineRunning(root, 'is pushed and no PR opens');
  const entry = findPlan(root, planId, config.limits.maxChunksPerPlan);
  if (entry.status !== 'done')
    throw new JidokaError(`plan ${planId} is ${entry.status}; only done plans get a PR`, { exitCode: 1 });
  const gh = await execa('gh', ['--version'], { cwd: root, reject: false });
  if (gh.failed) {
    throw new JidokaError('gh (the GitHub CLI) is not installed, so no PR can be opened', {
      exitCode: 1,
      hint:
        'install gh (https://cli.github.com) and run `gh auth login`, or merge locally with `jidoka merge ' +
        planId +
        '`',
    });
  }
  const auth = await execa('gh', ['auth', 'status'], { cwd: root, reject: false });
  if (auth.exitCode !== 0) {
    throw new JidokaError('gh is installed but not logged in', {
      exitCode: 1,
      hint: 'run `gh auth login`, then `jidoka merge ' + planId + ' --pr` again',
    });
  }
  const git = gitAt(root);
  const remotes = (await git.raw(['remote'])).trim().split('\n').filter(Boolean);
  if (!remotes.includes('origin')) {
    throw new JidokaError('this repository has no remote named origin to push to', {
      exitCode: 1,
      hint: 'add one with `git remote add origin <url>`',
    });
  }
  const branch = planBranch(planId);
  const main = await mainBranch(git, config.git.mainBranch);
  await git.raw(['push', '-u', 'origin', branch]);
  const pr = await execa(
    'gh',
    [
      'pr',
      'create',
      '--draft',
      '--head',
      branch,
      '--base',
      main,
      '--title',
      entry.plan?.title ?? planId,
      '--body',
      `Plan \`${planId}\` built by Jidoka. See \`jidoka review ${planId}\`.`,
    ],
    { cwd: root, reject: false },
  );
  if (pr.exitCode !== 0) throw new JidokaError(`gh pr create failed: ${pr.stderr.trim()}`, { exitCode: 1 });
  const url = pr.stdout.trim();
  appendLedger(root, 'plan.pr', { plan: planId, branch, url });
  return url;
}
