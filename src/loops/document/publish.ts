import { readLine } from '../../andon/line.js';
import type { Config } from '../../config/schema.js';
import { gitAt } from '../../git/repo.js';
import { commitWiki, type DocsWorktree, fastForwardMain, removeDocsWorktree } from './git.js';
import type { SyncFindings } from './survey.js';

/** Commit the wiki update on the docs branch and remove the worktree (the branch keeps the work). */
export async function commitUpdate(
  root: string,
  wt: DocsWorktree,
  wikiRel: string,
  head: string,
  findings: SyncFindings,
): Promise<string> {
  const commit = await commitWiki(
    wt.dir,
    wikiRel,
    `docs: sync wiki to ${head.slice(0, 8)} (${findings.stale.length} stale, ${findings.uncovered.length} uncovered)`,
  );
  await removeDocsWorktree(root, wt, false);
  return commit;
}

/** Where a committed update ended up: its branch for review, main, or its branch because main could not take it. */
export type Landing = { kind: 'branch' } | { kind: 'main' } | { kind: 'held'; why: string };

/**
 * With `docs.commit: main`, fast-forward main in the user's checkout to the
 * update and delete the docs branch; a stopped line merges nothing, so the
 * update then waits on its branch, as it does when main cannot fast-forward.
 */
export async function landUpdate(
  root: string,
  config: Config,
  wt: DocsWorktree,
  at: { main: string; head: string; commit: string; wikiRel: string },
): Promise<Landing> {
  if (config.docs.commit !== 'main') return { kind: 'branch' };
  const why =
    readLine(root).state === 'stopped'
      ? 'the line is stopped'
      : await fastForwardMain(root, at.main, at.head, at.commit, at.wikiRel);
  if (why) return { kind: 'held', why };
  await gitAt(root).raw(['branch', '-D', wt.branch]);
  return { kind: 'main' };
}
