import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finding } from '../../andon/finding.js';
import { namedInScope, runGuards } from '../../andon/guards.js';
import { guardTestIdentity, type InventoryChange } from '../../andon/test-inventory.js';
import { guardTreeLimits } from '../../andon/tree-limits.js';
import type { CheckResult, FileChange, Finding } from '../../core/types.js';
import { cachedDiff, changedEntries } from '../../git/diff.js';
import { gitAt } from '../../git/repo.js';
import type { AttemptContext } from './attempt.js';

/** The candidate of an attempt, frozen before the checks: the tree that is checked, guarded and committed. */
export interface Candidate {
  tree: string;
  changes: FileChange[];
  patch: string;
  ignoredForceAdded: string[];
}

/**
 * Freeze what the maker left: stage everything (untracked included, ignored
 * excluded) and write it as a tree object. The tree's new entries are judged
 * from git's object store first (file size, symlinks), so a huge file is
 * blocked before anything diffs it; then the diff against the chunk's start.
 * The checks run on this content, the guards and the checker read this diff,
 * and the commit must be exactly this tree.
 */
export async function freezeCandidate(
  ctx: AttemptContext,
): Promise<{ kind: 'frozen'; candidate: Candidate } | { kind: 'over_limits'; findings: Finding[] }> {
  const git = gitAt(ctx.worktree);
  const base = ctx.state.chunkStartSha;
  await git.raw(['add', '-A', '--', '.']);
  const tree = (await git.raw(['write-tree'])).trim();
  const limits = guardTreeLimits(
    await changedEntries(ctx.worktree, base, tree),
    ctx.config.limits.maxFileBytes,
  );
  if (limits.length) return { kind: 'over_limits', findings: limits };
  const { changes, patch, ignoredForceAdded } = await cachedDiff(ctx.worktree, base);
  return { kind: 'frozen', candidate: { tree, changes, patch, ignoredForceAdded } };
}

/**
 * Paths that differ from the frozen candidate: edits and new files in the
 * worktree, or an index that is no longer the frozen tree (something ran
 * `git add` or `git rm --cached`). Empty when the worktree is the candidate.
 */
export async function changedSinceFreeze(worktree: string, tree: string): Promise<string[]> {
  const git = gitAt(worktree);
  const touched = (await git.raw(['status', '--porcelain']))
    .split('\n')
    .filter((l) => l.length > 3 && (l[1] !== ' ' || l.startsWith('??')));
  const now = (await git.raw(['write-tree'])).trim();
  if (now === tree) return touched;
  const restaged = (await git.raw(['diff-tree', '-r', '--name-status', tree, now]))
    .split('\n')
    .filter(Boolean);
  return [...touched, ...restaged.map((l) => `index: ${l}`)];
}

/** The worktree is not the candidate Jidoka froze: what would be committed is not what was checked. */
export function treeChanged(during: string, paths: string[]): Finding {
  return finding(
    'checked_tree',
    'repo_integrity',
    `the worktree changed after Jidoka froze it for the checks, while ${during} (${paths.length} path(s): ${paths.slice(0, 5).join(', ')}); what would be committed is not what was checked`,
    { paths: paths.slice(0, 50) },
  );
}

export interface Guarded {
  findings: Finding[];
}

/**
 * The guards over the frozen candidate and the check results; the findings
 * are kept in the run record.
 */
export async function guardAttempt(
  ctx: AttemptContext,
  { changes, ignoredForceAdded }: Candidate,
  checks: CheckResult[],
  makerExitCode: number | null,
): Promise<Guarded> {
  const { state, chunk } = ctx;
  const findings = runGuards({
    scope: ctx.plan.scope,
    changes,
    baseTestFiles: ctx.baseTestFiles,
    checkCommands: ctx.checkSpecs.map((s) => s.command),
    checks,
    ...(state.testTotal !== undefined ? { previousTestTotal: state.testTotal } : {}),
    ignoredForceAdded,
    makerExitCode,
    limits: ctx.config.limits,
  });
  const identity = guardTestIdentity(await changedBaseTests(ctx, changes), namedInScope(ctx.plan.scope));
  if (identity) findings.push(identity);
  writeFileSync(
    join(ctx.run.dir, `c${chunk.number}-a${state.attempt}-guards.json`),
    `${JSON.stringify({ changes: changes.map(({ addedLines, removedLines, ...c }) => c), findings }, null, 2)}\n`,
  );
  return { findings };
}

/** The base test files this candidate changed, with their text at the plan's base and now. */
async function changedBaseTests(ctx: AttemptContext, changes: FileChange[]): Promise<InventoryChange[]> {
  const base = new Set(ctx.baseTestFiles);
  const git = gitAt(ctx.worktree);
  const out: InventoryChange[] = [];
  for (const c of changes) {
    const path = c.oldPath ?? c.path;
    if (c.status === 'added' || !base.has(path)) continue;
    const before = await git.raw(['show', `${ctx.state.baseSha}:${path}`]).catch(() => undefined);
    if (before === undefined) continue;
    const now =
      c.status === 'deleted'
        ? undefined
        : await readFile(join(ctx.worktree, c.path), 'utf8').catch(() => undefined);
    out.push({ path, base: before, now, nowPath: c.path });
  }
  return out;
}
