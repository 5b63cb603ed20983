import { ownMove } from '../core/own-writes.js';
import { runGit } from './run.js';

/**
 * A git operation in a worktree that moves its branch (a chunk commit, a
 * rollback), run as Jidoka's own move: the branch's new value is noted, so
 * another plan's after-step check knows it for Jidoka's (src/core/own-writes.ts).
 */
export function moveOwnHead<T>(worktree: string, fn: () => Promise<T>): Promise<T> {
  return ownMove(fn, () => headRefs(worktree));
}

/** Refs Jidoka moves in the main repository (the merge queue moving main, a new plan branch). */
export function moveOwnRefs<T>(root: string, refNames: string[], fn: () => Promise<T>): Promise<T> {
  return ownMove(fn, async () => {
    const out: Record<string, string | undefined> = {};
    for (const ref of refNames)
      out[ref] =
        (await runGit(root, ['rev-parse', '-q', '--verify', ref]).catch(() => '')).trim() || undefined;
    return out;
  });
}

async function headRefs(worktree: string): Promise<Record<string, string | undefined>> {
  const ref = (await runGit(worktree, ['symbolic-ref', '-q', 'HEAD']).catch(() => '')).trim();
  if (!ref) return {};
  return { [ref]: (await runGit(worktree, ['rev-parse', 'HEAD'])).trim() };
}
