import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RefSnapshot, repoIntegrity } from '../../andon/integrity.js';
import type { Finding } from '../../core/types.js';
import { gitAt } from '../../git/repo.js';
import type { AttemptContext } from './attempt.js';

/**
 * The refs around the maker step: before it, what Jidoka knows (its
 * worktree's HEAD and branch) and main as read; after it, whether the maker
 * moved HEAD, left its branch, moved main, or left a git lock behind.
 */

export async function refsBefore(ctx: AttemptContext): Promise<RefSnapshot> {
  const main = (
    await gitAt(ctx.root).raw(['rev-parse', '--verify', '--quiet', `refs/heads/${ctx.mainBranch}`])
  ).trim();
  return {
    worktreeHead: ctx.state.chunkStartSha,
    worktreeBranch: ctx.state.branch,
    ...(main ? { main } : {}),
  };
}

/** One git call decides the common case (nothing moved); only a difference pays for the full check with ancestry. */
export async function refsMoved(ctx: AttemptContext, before: RefSnapshot): Promise<Finding | undefined> {
  const out = (
    await gitAt(ctx.worktree).raw([
      'rev-parse',
      'HEAD',
      '--symbolic-full-name',
      'HEAD',
      `refs/heads/${ctx.mainBranch}`,
    ])
  ).split('\n');
  const [head, branch, main] = out.map((l) => l.trim());
  const gitDir = (await readGitDir(ctx.worktree)) ?? '';
  const locks = [join(gitDir, 'index.lock'), join(ctx.root, '.git', 'index.lock')].some((p) => existsSync(p));
  if (
    head === before.worktreeHead &&
    branch === `refs/heads/${before.worktreeBranch}` &&
    main === before.main &&
    !locks
  )
    return undefined;
  return repoIntegrity({ root: ctx.root, worktree: ctx.worktree, mainBranch: ctx.mainBranch, before });
}

/** A linked worktree's `.git` is a file naming its git dir. */
async function readGitDir(worktree: string): Promise<string | undefined> {
  try {
    const text = await readFile(join(worktree, '.git'), 'utf8');
    return /^gitdir: (.+)$/m.exec(text)?.[1]?.trim();
  } catch {
    return undefined;
  }
}
