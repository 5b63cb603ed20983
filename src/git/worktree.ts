import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { JidokaError } from '../core/errors.js';
import { jidokaPaths } from '../core/paths.js';
import { moveOwnRefs } from './own-moves.js';
import { gitAt, revParse } from './repo.js';
import { gitSucceeds } from './run.js';

export interface PlanWorktree {
  path: string;
  branch: string;
  /** The main-branch commit the plan branch started from. */
  baseSha: string;
  /** True when an existing worktree was reused (resume). */
  reused: boolean;
}

export function planBranch(planId: string): string {
  return `jidoka/${planId}`;
}

export function planWorktreePath(root: string, planId: string): string {
  return `${jidokaPaths(root).worktrees}/${planId}`;
}

/**
 * The plan's own worktree `.jidoka/worktrees/<id>` on branch `jidoka/<id>`,
 * created from the main branch, or reused as it is (with whatever work it
 * holds) when it already exists. A branch left from an earlier run is
 * reused too: Jidoka never resets a branch that may hold work. With
 * `hooksDir`, the checkout runs the hooks there (the ones pinned at approval).
 */
export async function ensureWorktree(
  root: string,
  planId: string,
  main: string,
  hooksDir?: string,
): Promise<PlanWorktree> {
  const git = gitAt(root);
  const path = planWorktreePath(root, planId);
  const branch = planBranch(planId);
  const mainSha = await revParse(git, main);
  if (!mainSha) {
    throw new JidokaError(`the main branch ${JSON.stringify(main)} does not exist`, {
      exitCode: 2,
      hint: 'commit something first, or set git.mainBranch in jidoka.yaml',
    });
  }
  const registered = await listWorktrees(root);
  if (existsSync(path) && registered.some((w) => w.path === path)) {
    const baseSha = (await gitAt(path).raw(['merge-base', main, 'HEAD'])).trim();
    return { path, branch, baseSha, reused: true };
  }
  await git.raw(['worktree', 'prune']);
  const branchSha = await revParse(git, `refs/heads/${branch}`);
  if (branchSha) await addWorktree(root, path, branch, undefined, hooksDir);
  else
    await moveOwnRefs(root, [`refs/heads/${branch}`], () =>
      addWorktree(root, path, branch, mainSha, hooksDir),
    );
  const baseSha = (await gitAt(path).raw(['merge-base', main, 'HEAD'])).trim();
  return { path, branch, baseSha, reused: Boolean(branchSha) };
}

export interface WorktreeInfo {
  path: string;
  head: string | undefined;
  branch: string | undefined;
  prunable: boolean;
}

export async function listWorktrees(root: string): Promise<WorktreeInfo[]> {
  const out = await gitAt(root).raw(['worktree', 'list', '--porcelain']);
  const list: WorktreeInfo[] = [];
  let cur: WorktreeInfo | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice(9), head: undefined, branch: undefined, prunable: false };
      list.push(cur);
    } else if (cur && line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (cur && line.startsWith('branch ')) cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
    else if (cur && line.startsWith('prunable')) cur.prunable = true;
  }
  return list;
}

/**
 * A worktree at `path` with `branch` checked out; with `startPoint`, the
 * branch is created there first (and must not exist yet). Parent folders are
 * made as needed.
 */
export async function addWorktree(
  root: string,
  path: string,
  branch: string,
  startPoint?: string,
  hooksDir?: string,
): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const hooks = hooksDir ? ['-c', `core.hooksPath=${hooksDir}`] : [];
  await gitAt(root).raw([
    ...hooks,
    ...(startPoint
      ? ['worktree', 'add', '--quiet', '-b', branch, path, startPoint]
      : ['worktree', 'add', '--quiet', path, branch]),
  ]);
}

/**
 * A worktree at `path` with `rev` checked out on no branch: a scratch copy
 * whose edits go nowhere. `checkout: false` leaves it empty, for a caller
 * that fills it from a tree of its own (`git read-tree -u`). `hooksDir`:
 * the hooks its post-checkout runs from (a plan's pinned copy).
 */
export async function addDetachedWorktree(
  root: string,
  path: string,
  rev: string,
  opts: { checkout?: boolean; hooksDir?: string } = {},
): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await gitAt(root).raw([
    ...(opts.hooksDir ? ['-c', `core.hooksPath=${opts.hooksDir}`] : []),
    'worktree',
    'add',
    '--detach',
    '--quiet',
    ...(opts.checkout === false ? ['--no-checkout'] : []),
    path,
    rev,
  ]);
}

/**
 * Remove a worktree Jidoka made for one step (a scratch checkout, a merge, a
 * docs sync), whatever it holds. False when git could not (already gone, or
 * locked); `git worktree prune` clears the record of a vanished one later.
 */
export async function removeWorktree(root: string, path: string): Promise<boolean> {
  return gitSucceeds(root, ['worktree', 'remove', '--force', path]);
}

/**
 * Remove the plan's worktree; the branch (and so every commit) stays. A
 * worktree holding uncommitted work is refused, never discarded.
 */
export async function removePlanWorktree(root: string, planId: string): Promise<void> {
  const path = planWorktreePath(root, planId);
  if (!existsSync(path)) return;
  const dirty = (await gitAt(path).raw(['status', '--porcelain'])).trim();
  if (dirty) {
    throw new JidokaError(`the worktree ${path} has uncommitted changes; not removing it`, {
      exitCode: 1,
      hint: 'commit or move that work, then remove the worktree with `git worktree remove`',
    });
  }
  await gitAt(root).raw(['worktree', 'remove', path]);
}
