import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { JidokaError } from '../../core/errors.js';
import { jidokaPaths } from '../../core/paths.js';
import { clipStart } from '../../core/text.js';
import { gitSucceeds, runGit } from '../../git/run.js';
import { addWorktree, removeWorktree } from '../../git/worktree.js';

/**
 * The git side of the documentation loop: the commits since the last sync,
 * bounded diffs for the prompt, and a worktree on a `jidoka/docs-<date>`
 * branch so the docs agent never touches the user's checkout.
 */

export interface SyncCommit {
  sha: string;
  subject: string;
  files: string[];
}

/** Commits reachable from `head` but not from `since`, oldest first, with the files each touched. */
export async function commitsSince(
  root: string,
  since: string | undefined,
  head: string,
): Promise<SyncCommit[]> {
  const range = since ? [`${since}..${head}`] : [head, '-n', '50'];
  const out = await runGit(root, [
    'log',
    '--reverse',
    '--no-renames',
    '--format=%x1e%H%x1f%s',
    '--name-only',
    ...range,
  ]);
  const commits: SyncCommit[] = [];
  for (const record of out.split('\x1e')) {
    if (!record.trim()) continue;
    const [first, ...rest] = record.split('\n');
    const [sha, subject] = (first ?? '').split('\x1f');
    commits.push({ sha: sha!, subject: subject ?? '', files: rest.filter(Boolean) });
  }
  return commits;
}

/** `git diff from to -- files`, cut to `maxBytes` with a note saying so. */
export async function boundedDiff(
  root: string,
  from: string,
  to: string,
  files: string[],
  maxBytes: number,
): Promise<string> {
  if (!files.length) return '';
  const diff = await runGit(root, ['diff', '--no-color', '--no-ext-diff', from, to, '--', ...files]);
  return clipStart(
    diff,
    maxBytes,
    `run \`git diff ${from.slice(0, 8)} ${to.slice(0, 8)} -- ${files.join(' ')}\` for the rest`,
  );
}

export async function resolveCommit(root: string, rev: string): Promise<string | undefined> {
  try {
    return (await runGit(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function isAncestor(root: string, commit: string, of: string): Promise<boolean> {
  return gitSucceeds(root, ['merge-base', '--is-ancestor', commit, of]);
}

export interface DocsWorktree {
  dir: string;
  branch: string;
}

/**
 * A fresh worktree at `head` on a new branch `jidoka/docs-<date>` (or
 * `-2`, `-3`… when that name is taken), under `.jidoka/worktrees/`.
 */
export async function createDocsWorktree(root: string, date: string, head: string): Promise<DocsWorktree> {
  const base = `docs-${date}`;
  for (let n = 1; n < 100; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    const branch = `jidoka/${name}`;
    const dir = join(jidokaPaths(root).worktrees, name);
    if (
      existsSync(dir) ||
      (await gitSucceeds(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]))
    )
      continue;
    await addWorktree(root, dir, branch, head);
    return { dir, branch };
  }
  throw new JidokaError(`too many docs branches named jidoka/${base}-N`, {
    exitCode: 2,
    hint: 'delete the old jidoka/docs-* branches and .jidoka/worktrees/docs-* you have reviewed',
  });
}

/** Remove the worktree; with `dropBranch`, delete its branch too (only when it holds nothing new). */
export async function removeDocsWorktree(root: string, wt: DocsWorktree, dropBranch: boolean): Promise<void> {
  await removeWorktree(root, wt.dir);
  if (dropBranch) await gitSucceeds(root, ['branch', '-D', wt.branch]);
}

/** Files changed in the worktree (relative paths), tracked or new. */
export async function changedFiles(dir: string): Promise<string[]> {
  const out = await runGit(dir, ['status', '--porcelain', '-z', '--untracked-files=all']);
  const files: string[] = [];
  const parts = out.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const entry = parts[i]!;
    if (entry.length < 4) continue;
    files.push(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') i++; // the rename's source follows
  }
  return files;
}

/** Commit everything under `wikiRel` in `dir`; returns the new commit. */
export async function commitWiki(dir: string, wikiRel: string, message: string): Promise<string> {
  await runGit(dir, ['add', '-A', '--', wikiRel]);
  try {
    await runGit(dir, ['commit', '--quiet', '--no-verify', '-m', message, '--', wikiRel]);
  } catch (err) {
    throw new JidokaError(`git could not commit the wiki update: ${firstLine(err)}`, {
      exitCode: 1,
      hint: 'set a git identity (git config user.name / user.email) for this repository, then run `jidoka docs sync` again',
    });
  }
  return (await runGit(dir, ['rev-parse', 'HEAD'])).trim();
}

/**
 * Bring `docs.commit: main` updates into the user's checkout: only when the
 * main branch is checked out there, still at `head`, with no local changes
 * under the wiki; then a fast-forward. Returns why not, otherwise undefined.
 */
export async function fastForwardMain(
  root: string,
  main: string,
  head: string,
  commit: string,
  wikiRel: string,
): Promise<string | undefined> {
  const current = (await runGit(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '')).trim();
  if (current !== main) return `the checkout at ${root} is on ${current || 'a detached HEAD'}, not ${main}`;
  const at = (await runGit(root, ['rev-parse', 'HEAD'])).trim();
  if (at !== head) return `${main} moved to ${at.slice(0, 8)} during the sync`;
  const dirty = (
    await runGit(root, ['status', '--porcelain', '--untracked-files=all', '--', wikiRel])
  ).trim();
  if (dirty) return `${wikiRel}/ has local changes in ${root}`;
  try {
    await runGit(root, ['merge', '--ff-only', '--quiet', commit]);
  } catch (err) {
    return `git merge --ff-only failed: ${firstLine(err)}`;
  }
  return undefined;
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(err)).trim().split('\n')[0] ?? '';
}
