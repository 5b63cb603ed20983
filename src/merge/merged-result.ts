import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { jidokaPaths } from '../core/paths.js';
import type { CheckResult } from '../core/types.js';
import { gitAt, revParse } from '../git/repo.js';
import { gitSucceeds, pinCheckout, runGit, unpinCheckout } from '../git/run.js';
import { addDetachedWorktree, planBranch, removeWorktree } from '../git/worktree.js';
import { type CheckSpec, checkSpecs, failingOutput, runChecks } from '../loops/checks.js';
import { newRunId } from '../loops/run-record.js';
import { hooksInSandbox } from '../sandbox/hooks.js';

/**
 * The merge queue's step for one done plan: merge its branch with main as it
 * is now, in a scratch worktree, and run the checks on that merged result
 * (sandboxed like every check). Main is not touched here; the caller moves
 * it to exactly the commit whose tree passed. A conflict or a failing check
 * is the result, with the reason, never an exception.
 */
export type MergedResult =
  | {
      kind: 'passed';
      main: string;
      mainSha: string;
      branchSha: string;
      commit: string;
      checks: CheckResult[];
    }
  | { kind: 'conflict'; main: string; mainSha: string; branchSha: string; files: string[]; reason: string }
  | {
      kind: 'failed';
      main: string;
      mainSha: string;
      branchSha: string;
      checks: CheckResult[];
      reason: string;
      output: string;
    };

export interface MergeInput {
  root: string;
  config: Config;
  planId: string;
  title: string;
  main: string;
  /** Who the merge commit names as approving it (a person, or `merge.mode: auto`). */
  by: string;
  /** The plan's goal checks, when a human approved its current content: they must hold on the merged tree too. */
  goalChecks: CheckSpec[];
  signal?: AbortSignal;
}

export async function checkMergedResult(input: MergeInput): Promise<MergedResult> {
  const { root, config, planId, main } = input;
  const git = gitAt(root);
  const branch = planBranch(planId);
  const mainSha = (await revParse(git, `refs/heads/${main}`)) ?? '';
  const branchSha = (await revParse(git, `refs/heads/${branch}`)) ?? '';
  const facts = { main, mainSha, branchSha };
  // Under a dot folder: no plan id starts with a dot, so no plan's worktree can have this name.
  const scratch = join(jidokaPaths(root).worktrees, '.merge', planId);
  await removeWorktree(root, scratch);
  await runGit(root, ['worktree', 'prune']);
  // Jidoka's git in the merged tree runs the hooks pinned at approval (src/git/pin.ts), never a hook the plan's commits added.
  // Each runs in the maker's sandbox: the merged tree holds the plan's code.
  const boxed = () => hooksInSandbox(root, config, planId, scratch);
  await addDetachedWorktree(root, scratch, mainSha, { hooksDir: boxed() });
  const hooksDir = boxed();
  const gitDir = (await runGit(scratch, ['rev-parse', '--absolute-git-dir'])).trim();
  pinCheckout(scratch, { gitDir, hooksDir });
  try {
    const merged = await mergeIn(scratch, input, branch);
    if (merged.conflicted) {
      const files = merged.conflicted;
      return {
        kind: 'conflict',
        ...facts,
        files,
        reason: `${main} (${mainSha.slice(0, 12)}) conflicts with ${branch} in: ${files.join(', ')}`,
      };
    }
    const dir = join(jidokaPaths(root).runs, newRunId(`merge-${planId}`));
    mkdirSync(dir, { recursive: true });
    const specs = [
      ...checkSpecs(config.worktree.setup, config.limits.checkTimeout).map((s) => ({
        ...s,
        name: `setup: ${s.name}`,
      })),
      ...checkSpecs(config.checks, config.limits.checkTimeout),
      ...input.goalChecks,
    ];
    const checks = await runChecks({
      cwd: scratch,
      specs,
      stepDir: dir,
      maxOutputBytes: config.limits.maxOutputBytes,
      sandbox: config.sandbox,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    const failed = checks.filter((c) => !c.passed);
    if (failed.length || checks.length < specs.length)
      return {
        kind: 'failed',
        ...facts,
        checks,
        reason: failed.length
          ? `the checks failed on ${branch} merged with ${main} (${mainSha.slice(0, 12)}): ${failed.map((c) => c.name).join(', ')}`
          : `the checks on ${branch} merged with ${main} were interrupted`,
        output: failingOutput(checks, config.limits.maxLogExcerptBytes),
      };
    return { kind: 'passed', ...facts, commit: merged.commit, checks };
  } finally {
    unpinCheckout(scratch);
    await removeWorktree(root, scratch);
  }
}

async function mergeIn(
  scratch: string,
  input: MergeInput,
  branch: string,
): Promise<{ commit: string; conflicted?: undefined } | { conflicted: string[] }> {
  const subject = `Merge ${branch}: ${input.title}`;
  const ok = await gitSucceeds(scratch, [
    ...(await identityArgs(scratch)),
    'merge',
    '--no-ff',
    '--no-edit',
    '-m',
    subject,
    '-m',
    `Jidoka-Plan: ${input.planId}\nApproved-By: ${input.by}`,
    branch,
  ]);
  if (!ok) {
    const conflicted = (await runGit(scratch, ['diff', '--name-only', '--diff-filter=U']).catch(() => ''))
      .trim()
      .split('\n')
      .filter(Boolean);
    await gitSucceeds(scratch, ['merge', '--abort']);
    return { conflicted: conflicted.length ? conflicted : ['(git refused the merge)'] };
  }
  return { commit: (await runGit(scratch, ['rev-parse', 'HEAD'])).trim() };
}

/** The user's own identity when configured; Jidoka's otherwise, so a bare CI checkout can merge. */
export async function identityArgs(dir: string): Promise<string[]> {
  const email = (await runGit(dir, ['config', 'user.email']).catch(() => '')).trim();
  const name = (await runGit(dir, ['config', 'user.name']).catch(() => '')).trim();
  return email && name ? [] : ['-c', 'user.name=Jidoka', '-c', 'user.email=jidoka@localhost'];
}
