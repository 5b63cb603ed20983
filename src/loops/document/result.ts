import { join, relative } from 'node:path';
import type { SyncCommit } from './git.js';
import type { LintSummary } from './lint-gate.js';
import type { Landing } from './publish.js';
import { nothingToDo, type SyncFindings } from './survey.js';
import type { MainChanges } from './sync-state.js';

/**
 * Every way a sync ends, as a result with its message for people. The
 * blueprint in document.ts decides which; these only say it.
 */

export type DocsSyncStatus =
  | 'up-to-date'
  | 'pending-review'
  | 'dry-run'
  | 'committed'
  | 'agent-failed'
  | 'needs-human';

export interface DocsSyncResult extends SyncFindings {
  status: DocsSyncStatus;
  head: string;
  since: string | undefined;
  commits: SyncCommit[];
  branch?: string;
  commit?: string;
  /** Kept for a human when the run stopped short of a commit. */
  worktree?: string;
  lint?: LintSummary;
  /** Why a `docs.commit: main` update stayed on its branch. */
  notOnMain?: string;
  message: string;
}

/** What every result of a run in a worktree carries. */
export type SyncBase = Pick<DocsSyncResult, 'head' | 'since' | 'commits' | keyof SyncFindings> & {
  branch: string;
};

export function syncBase(changes: MainChanges, findings: SyncFindings, branch: string): SyncBase {
  const { head, since, commits } = changes;
  return { head, since, commits, ...findings, branch };
}

const short = (sha: string) => sha.slice(0, 8);

export function dryRun(changes: MainChanges, findings: SyncFindings): DocsSyncResult {
  const { main, head, since, commits } = changes;
  const lines = [
    `dry run: nothing changed. ${main} is at ${short(head)}; ${commits.length} commit(s) since ${since ? `the last sync (${short(since)})` : 'the start (no sync recorded)'}.`,
  ];
  if (nothingToDo(findings)) lines.push('The wiki is up to date: nothing to do.');
  for (const p of findings.stale)
    lines.push(`would update ${p}: its sources changed after its verified commit`);
  for (const p of findings.unknownVerified) lines.push(`would re-check ${p}: its verified commit is unknown`);
  for (const u of findings.uncovered)
    lines.push(`would ask for a page covering ${u.path}: no page's sources include it`);
  return { status: 'dry-run', head, since, commits, ...findings, message: lines.join('\n') };
}

export function pendingReview(changes: MainChanges, branch: string): DocsSyncResult {
  const { main, head, since, commits } = changes;
  return {
    status: 'pending-review',
    head,
    since,
    commits,
    stale: [],
    unknownVerified: [],
    uncovered: [],
    branch,
    message: `the previous docs update waits for review on ${branch}: merge it into ${main} (or delete the branch), then sync again`,
  };
}

export function upToDate(base: SyncBase, main: string): DocsSyncResult {
  return {
    ...base,
    branch: undefined,
    status: 'up-to-date',
    message: `the wiki is up to date with ${main} at ${short(base.head)}`,
  };
}

export function agentFailed(base: SyncBase, dir: string, failure: string, stepDir: string): DocsSyncResult {
  return {
    ...base,
    status: 'agent-failed',
    worktree: dir,
    message: `the docs agent failed: ${failure}; nothing was committed. Its work (if any) is in ${dir}; the record is in ${stepDir}`,
  };
}

export function needsHuman(
  base: SyncBase,
  at: { root: string; dir: string; wikiRel: string },
  lint: LintSummary,
  reason: string,
): DocsSyncResult {
  return {
    ...base,
    status: 'needs-human',
    worktree: at.dir,
    lint,
    message: `${reason}. Run \`jidoka wiki lint ${relative(at.root, join(at.dir, at.wikiRel))}\` there to see them.`,
  };
}

export function committed(
  base: SyncBase,
  main: string,
  commit: string,
  lint: LintSummary,
  landing: Landing,
): DocsSyncResult {
  const onMain = landing.kind === 'main';
  const notOnMain = landing.kind === 'held' ? landing.why : undefined;
  const where = onMain
    ? `committed to ${main} (${short(commit)})`
    : `committed on ${base.branch} (${short(commit)}) for review: git diff ${main}...${base.branch}`;
  return {
    ...base,
    ...(onMain ? { branch: undefined } : {}),
    status: 'committed',
    commit,
    lint,
    ...(notOnMain ? { notOnMain } : {}),
    message: `${where}; lint: ${lint.errors} errors, ${lint.warnings} warnings${notOnMain ? `. docs.commit is main, but ${notOnMain}: merge ${base.branch} yourself` : ''}`,
  };
}
