import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { assertLineRunning } from '../andon/line.js';
import type { Config } from '../config/schema.js';
import { JidokaError } from '../core/errors.js';
import { appendLedger } from '../core/ledger.js';
import { jidokaPaths } from '../core/paths.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';
import { addWorktree, planBranch, removePlanWorktree, removeWorktree } from '../git/worktree.js';
import { readPlanState, writePlanState } from '../loops/execute/plan-state.js';
import { findPlan } from '../plans/store.js';

/**
 * Merging a done plan into the main branch: a human's step (or `merge.mode:
 * auto` for low-risk plans). Refused while the line is stopped. A merge that
 * would conflict is aborted and explained; nothing is left half-merged.
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
): Promise<MergeResult> {
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
  const state = readPlanState(root, planId);

  // Merge where main is checked out (the user's work tree) or, if it is not checked out anywhere, in a temporary worktree.
  const current = (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
  let where = root;
  let temp: string | undefined;
  if (current !== main) {
    temp = join(jidokaPaths(root).worktrees, `merge-${planId}`);
    await addWorktree(root, temp, main).catch((err: Error) => {
      throw new JidokaError(`cannot check out ${main} to merge into: ${err.message.trim()}`, {
        exitCode: 1,
        hint: `check out ${main} in ${root} and run the merge again`,
      });
    });
    where = temp;
  }
  const wgit = gitAt(where);
  try {
    const subject = `Merge ${branch}: ${entry.plan?.title ?? planId}`;
    try {
      await wgit.raw([
        ...(await identityArgs(where)),
        'merge',
        '--no-ff',
        '--no-edit',
        '-m',
        subject,
        '-m',
        `Jidoka-Plan: ${planId}\nApproved-By: ${by}`,
        branch,
      ]);
    } catch (err) {
      const conflicted = (await wgit.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => '')).trim();
      await wgit.raw(['merge', '--abort']).catch(() => {});
      if (conflicted) {
        throw new JidokaError(
          `${main} has moved and conflicts with ${branch} in: ${conflicted.split('\n').join(', ')}; nothing was merged`,
          {
            exitCode: 1,
            hint: `bring the plan up to date: cd .jidoka/worktrees/${planId} && git merge ${main} (resolve, commit), then \`jidoka merge ${planId}\` again`,
          },
        );
      }
      throw new JidokaError(
        `git refused the merge of ${branch} into ${main}: ${(err as Error).message.trim()}`,
        {
          exitCode: 1,
          hint: 'commit or stash your local changes in the files the plan touches, then merge again',
        },
      );
    }
    const mergeCommit = (await wgit.raw(['rev-parse', 'HEAD'])).trim();
    let worktreeRemoved = false;
    if (existsSync(join(jidokaPaths(root).worktrees, planId))) {
      await removePlanWorktree(root, planId);
      worktreeRemoved = true;
    }
    if (state) {
      state.mergedAt = new Date().toISOString();
      state.mergeCommit = mergeCommit;
      writePlanState(root, state);
    }
    appendLedger(root, 'plan.merged', { plan: planId, branch, main, commit: mergeCommit, by });
    return { plan: planId, branch, main, mergeCommit, worktreeRemoved };
  } finally {
    if (temp) await removeWorktree(root, temp);
  }
}

/**
 * `merge.mode: auto`: a done plan of `risk: low` merges without the human
 * step. Returns the merge commit, or undefined when the policy does not apply.
 */
export async function autoMerge(root: string, config: Config, planId: string): Promise<string | undefined> {
  if (config.merge.mode !== 'auto') return undefined;
  if (findPlan(root, planId, config.limits.maxChunksPerPlan).plan?.risk !== 'low') return undefined;
  return (await mergePlan(root, config, planId, 'jidoka (merge.mode: auto)')).mergeCommit;
}

async function identityArgs(dir: string): Promise<string[]> {
  const email = (
    await gitAt(dir)
      .raw(['config', 'user.email'])
      .catch(() => '')
  ).trim();
  const name = (
    await gitAt(dir)
      .raw(['config', 'user.name'])
      .catch(() => '')
  ).trim();
  // The user's own identity when configured; Jidoka's otherwise, so a bare CI checkout can merge.
  return email && name ? [] : ['-c', 'user.name=Jidoka', '-c', 'user.email=jidoka@localhost'];
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
