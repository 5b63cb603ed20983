import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Finding } from '../core/types.js';
import { type Git, gitAt } from '../git/repo.js';
import { finding } from './finding.js';

/**
 * Repository integrity around an agent step: the loop takes a snapshot of
 * the refs before the step and checks after it. Trips on a stale
 * `index.lock`, a worktree HEAD moved off its own history or onto another
 * branch, the main branch moved by the agent (pointed at the plan's work,
 * or rewound), and `git fsck` errors. A human advancing main with unrelated
 * commits during the step is normal and does not trip.
 */
export interface RefSnapshot {
  worktreeHead?: string;
  worktreeBranch?: string;
  main?: string;
}

export async function snapshotRefs(opts: {
  root: string;
  worktree: string;
  mainBranch: string;
}): Promise<RefSnapshot> {
  const wt = gitAt(opts.worktree);
  return {
    ...opt('worktreeHead', await rev(wt, 'HEAD')),
    ...opt('worktreeBranch', await branchOf(wt)),
    ...opt('main', await rev(gitAt(opts.root), `refs/heads/${opts.mainBranch}`)),
  };
}

/** The facts the check is computed from (gathered by `repoIntegrity`, pure-checked by `integrityFinding`). */
export interface IntegrityFacts {
  before: RefSnapshot;
  after: RefSnapshot;
  /** after.worktreeHead descends from before.worktreeHead. */
  headKeptHistory: boolean;
  /** main moved to a commit of the plan's own work (reachable from the worktree HEAD, not from the old main). */
  mainPointsIntoPlan: boolean;
  /** after.main descends from before.main. */
  mainKeptHistory: boolean;
  staleLocks: { path: string; ageMs: number }[];
  fsckErrors: string[];
}

export function integrityFinding(f: IntegrityFacts): Finding | undefined {
  const problems: string[] = [];
  const { before, after } = f;
  if (f.staleLocks.length)
    problems.push(
      `stale ${f.staleLocks.map((l) => `${l.path} (${Math.round(l.ageMs / 1000)}s old)`).join(', ')}`,
    );
  if (before.worktreeHead && after.worktreeHead !== before.worktreeHead && !f.headKeptHistory)
    problems.push(
      `the worktree HEAD moved off its history (${short(before.worktreeHead)} → ${short(after.worktreeHead)})`,
    );
  if (before.worktreeBranch && after.worktreeBranch !== before.worktreeBranch)
    problems.push(
      `the worktree left its branch ${before.worktreeBranch} (now ${after.worktreeBranch ?? 'detached HEAD'})`,
    );
  if (before.main && after.main !== before.main) {
    if (!after.main) problems.push('the main branch was deleted');
    else if (f.mainPointsIntoPlan)
      problems.push(
        `the main branch was moved onto the plan's work (${short(before.main)} → ${short(after.main)})`,
      );
    else if (!f.mainKeptHistory)
      problems.push(
        `the main branch was rewound or rewritten (${short(before.main)} → ${short(after.main)})`,
      );
  }
  if (f.fsckErrors.length) problems.push(`git fsck: ${f.fsckErrors.slice(0, 3).join('; ')}`);
  if (!problems.length) return undefined;
  return finding(
    'repo_integrity',
    'repo_integrity',
    `the repository was changed behind Jidoka's back: ${problems.join('; ')}`,
    {
      before,
      after,
      staleLocks: f.staleLocks.map((l) => l.path),
      fsckErrors: f.fsckErrors.slice(0, 20),
    },
    { action: 'block' },
  );
}

/** Gather the facts after a step and check them. `staleLockMs`: a lock older than this with no step running is stale. */
export async function repoIntegrity(opts: {
  root: string;
  worktree: string;
  mainBranch: string;
  before: RefSnapshot;
  staleLockMs?: number;
  fsck?: boolean;
}): Promise<Finding | undefined> {
  const after = await snapshotRefs(opts);
  const wt = gitAt(opts.worktree);
  const { before } = opts;
  const headKeptHistory =
    !before.worktreeHead ||
    !after.worktreeHead ||
    (await isAncestor(wt, before.worktreeHead, after.worktreeHead));
  const mainKeptHistory = !before.main || !after.main || (await isAncestor(wt, before.main, after.main));
  const mainPointsIntoPlan =
    !!after.main &&
    !!before.main &&
    after.main !== before.main &&
    !!after.worktreeHead &&
    (await isAncestor(wt, after.main, after.worktreeHead)) &&
    !(await isAncestor(wt, after.main, before.main));
  const staleLocks: { path: string; ageMs: number }[] = [];
  const limit = opts.staleLockMs ?? 10_000;
  for (const lock of [
    await gitPath(wt, opts.worktree, 'index.lock'),
    join(opts.root, '.git', 'index.lock'),
  ]) {
    if (!existsSync(lock)) continue;
    const ageMs = Date.now() - statSync(lock).mtimeMs;
    if (ageMs >= limit && !staleLocks.some((l) => l.path === lock)) staleLocks.push({ path: lock, ageMs });
  }
  const fsckErrors = opts.fsck ? await fsck(wt) : [];
  return integrityFinding({
    before,
    after,
    headKeptHistory,
    mainKeptHistory,
    mainPointsIntoPlan,
    staleLocks,
    fsckErrors,
  });
}

async function fsck(git: Git): Promise<string[]> {
  try {
    const out = await git.raw(['fsck', '--no-progress', '--no-dangling']);
    return out.split('\n').filter((l) => /^(?:error|fatal|missing|broken|bad)/i.test(l.trim()));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return msg
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, 10);
  }
}

async function rev(git: Git, ref: string): Promise<string | undefined> {
  try {
    return (await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

async function branchOf(git: Git): Promise<string | undefined> {
  try {
    return (
      (await git.raw(['symbolic-ref', '--quiet', 'HEAD'])).trim().replace(/^refs\/heads\//, '') || undefined
    );
  } catch {
    return undefined;
  }
}

async function isAncestor(git: Git, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  try {
    const base = (await git.raw(['merge-base', a, b])).trim();
    return base === a;
  } catch {
    return false;
  }
}

async function gitPath(git: Git, dir: string, name: string): Promise<string> {
  const p = (await git.raw(['rev-parse', '--git-path', name])).trim();
  return isAbsolute(p) ? p : join(dir, p);
}

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 12) : 'none';
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
