import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { jidokaPaths, posixRelative } from '../core/paths.js';
import type { Finding } from '../core/types.js';
import { diffConfig, effectiveConfig } from '../git/pin.js';
import { runGit } from '../git/run.js';
import { findRepo } from '../sandbox/mounts.js';
import { finding } from './finding.js';

/**
 * After a step: did anything change outside the step's writable paths? The
 * sandbox makes that impossible; under `sandbox.mode: none` (or should the
 * sandbox fail) this is what notices (DESIGN.md, breakers: "anything changed
 * outside the step's writable paths"). Snapshot before the step, snapshot
 * after, compare: the main checkout (status and HEAD), every ref but the
 * plan's branch and Jidoka's own, the git directory's config, hooks/ and
 * info/ (by content), the plan worktree's own git files (its `.git` file,
 * and its config.worktree, commondir and gitdir, any of which could aim
 * Jidoka's git elsewhere), the configuration git reads there (every scope,
 * includes resolved: an include can name a file anywhere), and Jidoka's
 * state (`.jidoka/state/**` but the plan's own checkpoint and lock, which
 * Jidoka writes).
 */
export interface OutsideSnapshot {
  mainStatus: string;
  mainHead: string;
  /** refname → object id, without the refs Jidoka moves itself. */
  refs: Record<string, string>;
  /** Path under the git dir (config, hooks/…, info/…), and the worktree's own git files → content hash. */
  gitFiles: Record<string, string>;
  /** The configuration git reads in the plan's worktree (see effectiveConfig). */
  config: string[];
  /** Path under `.jidoka/state` → content hash. */
  state: Record<string, string>;
}

export interface SnapshotScope {
  /** The main checkout. */
  root: string;
  planId: string;
  /** The plan's worktree: its own git files and the configuration git reads there. */
  worktree?: string;
  /** Further refs Jidoka moves during the step (other plans' branches when plans run in parallel). */
  ownRefs?: (ref: string) => boolean;
}

/**
 * `before`, when given, is the snapshot taken before the step: if the git
 * directory's config, hooks or info/ changed since, `git status` is not run
 * (a planted fsmonitor or clean filter would run inside Jidoka's own git),
 * and the main checkout's status is carried over from before; the change in
 * the git directory is what the finding names.
 */
export async function snapshotOutside(
  scope: SnapshotScope,
  before?: OutsideSnapshot,
): Promise<OutsideSnapshot> {
  const { root } = scope;
  // rev-parse and for-each-ref run no hook, filter or fsmonitor; status may, so it comes last.
  const commonDir = await git(root, ['rev-parse', '--git-common-dir']);
  const gitDir = isAbsolute(commonDir) ? commonDir : resolve(root, commonDir);
  const gitFiles: Record<string, string> = {};
  for (const part of ['config', 'hooks', 'info']) hashTree(gitDir, join(gitDir, part), gitFiles);
  if (scope.worktree) worktreeGitFiles(scope.worktree, gitFiles);
  const config = await effectiveConfig(scope.worktree && existsSync(scope.worktree) ? scope.worktree : root);
  const state: Record<string, string> = {};
  const statePaths = jidokaPaths(root);
  hashTree(statePaths.state, statePaths.state, state);
  for (const own of [`plans/${scope.planId}.json`, `plans/${scope.planId}.lock`]) delete state[own];
  const [refs, mainHead] = await Promise.all([
    ownRefsRemoved(scope),
    git(root, ['rev-parse', '-q', '--verify', 'HEAD'], true).then(
      async (sha) => `${(await git(root, ['symbolic-ref', '-q', 'HEAD'], true)) || '(detached)'} ${sha}`,
    ),
  ]);
  const tampered =
    before !== undefined &&
    (diffMaps(before.gitFiles, gitFiles).length > 0 || diffConfig(before.config, config).length > 0);
  const mainStatus = tampered
    ? before.mainStatus
    : await git(root, ['status', '--porcelain', '--untracked-files=all']);
  return { mainStatus, mainHead, refs, gitFiles, config, state };
}

/**
 * The worktree's `.git` file and the files of its git dir that decide which
 * repository and configuration its git uses, keyed `worktree:<name>`.
 */
function worktreeGitFiles(worktree: string, out: Record<string, string>): void {
  const entry = join(worktree, '.git');
  hashTree(worktree, entry, out, 'worktree:');
  const gitDir = findRepo(worktree)?.gitDir;
  if (!gitDir || gitDir === entry) return;
  for (const f of ['config.worktree', 'commondir', 'gitdir'])
    hashTree(gitDir, join(gitDir, f), out, 'worktree gitdir:');
}

/** Every ref but the plan's branch and Jidoka's own, refname → object id. */
async function ownRefsRemoved(scope: SnapshotScope): Promise<Record<string, string>> {
  const refs: Record<string, string> = {};
  for (const line of (await git(scope.root, ['for-each-ref', '--format=%(refname) %(objectname)'])).split(
    '\n',
  )) {
    const [ref, sha] = line.split(' ');
    if (ref && sha && !isOwnRef(ref, scope)) refs[ref] = sha;
  }
  return refs;
}

/**
 * What a sandboxed step could not have changed, taken as it was: under bwrap
 * the main checkout, the refs and Jidoka's state are out of its reach, and a
 * change there is a person at work (a commit on main, `jidoka plan approve`),
 * which must not stop the line. The git directory's files are still compared:
 * they are what Jidoka's own git would run.
 */
export function sandboxedView(before: OutsideSnapshot, after: OutsideSnapshot): OutsideSnapshot {
  return {
    ...after,
    mainStatus: before.mainStatus,
    mainHead: before.mainHead,
    refs: before.refs,
    state: before.state,
  };
}

/** The finding for whatever changed between the two snapshots, or undefined when nothing did. */
export function compareOutside(before: OutsideSnapshot, after: OutsideSnapshot): Finding | undefined {
  const changed: string[] = [];
  if (before.mainHead !== after.mainHead)
    changed.push(`the main checkout's HEAD (${before.mainHead} → ${after.mainHead})`);
  if (before.mainStatus !== after.mainStatus) {
    const was = new Set(before.mainStatus.split('\n').filter(Boolean));
    const now = after.mainStatus.split('\n').filter(Boolean);
    const paths = now.filter((l) => !was.has(l)).map((l) => l.slice(3));
    const gone = [...was].filter((l) => !now.includes(l)).map((l) => l.slice(3));
    for (const p of [...new Set([...paths, ...gone])]) changed.push(`main checkout: ${p}`);
  }
  const refs = diffMaps(before.refs, after.refs);
  for (const r of refs) changed.push(`ref ${r}`);
  for (const f of diffMaps(before.gitFiles, after.gitFiles)) changed.push(`git dir: ${f}`);
  for (const k of diffConfig(before.config, after.config)) changed.push(`git config: ${k}`);
  for (const f of diffMaps(before.state, after.state)) changed.push(`.jidoka/state/${f}`);
  if (!changed.length) return undefined;
  return finding(
    'repo_integrity',
    'repo_integrity',
    `the step changed ${changed.length} thing(s) outside its writable paths: ${changed.slice(0, 5).join('; ')}${changed.length > 5 ? '; …' : ''}`,
    { outside: changed, refs },
  );
}

/**
 * Put every ref the snapshot names back where it was, and delete refs that
 * appeared since (never the plan's branch or Jidoka's own: they are not in
 * the snapshot and not touched). Returns the refs it moved or deleted.
 */
export async function restoreRefs(scope: SnapshotScope, before: OutsideSnapshot): Promise<string[]> {
  const now = await ownRefsRemoved(scope);
  const lines: string[] = [];
  for (const [ref, sha] of Object.entries(before.refs))
    if (now[ref] !== sha) lines.push(`update ${ref} ${sha}`);
  for (const ref of Object.keys(now)) if (!(ref in before.refs)) lines.push(`delete ${ref}`);
  if (!lines.length) return [];
  await runGit(scope.root, ['update-ref', '--no-deref', '--stdin'], { input: `${lines.join('\n')}\n` });
  return lines.map((l) => l.split(' ')[1] as string);
}

function isOwnRef(ref: string, scope: SnapshotScope): boolean {
  return (
    ref === `refs/heads/jidoka/${scope.planId}` ||
    ref.startsWith('refs/andon/') ||
    (scope.ownRefs?.(ref) ?? false)
  );
}

/** Names present in only one map, or with different values, as `name (added|removed|changed)`. */
function diffMaps(a: Record<string, string>, b: Record<string, string>): string[] {
  const out: string[] = [];
  for (const k of Object.keys(a)) {
    if (!(k in b)) out.push(`${k} (removed)`);
    else if (a[k] !== b[k]) out.push(`${k} (changed)`);
  }
  for (const k of Object.keys(b)) if (!(k in a)) out.push(`${k} (added)`);
  return out.sort();
}

/** Content hashes of the files under `dir` (a symlink by its target, never followed), keyed relative to `base`. */
function hashTree(base: string, dir: string, out: Record<string, string>, prefix = ''): void {
  if (!existsSync(dir) && !isSymlink(dir)) return;
  const st = lstatSync(dir);
  const key = prefix + posixRelative(base, dir);
  if (st.isSymbolicLink()) out[key] = `symlink:${readlinkSync(dir)}`;
  else if (st.isFile())
    out[key] = `${st.mode.toString(8)}:${createHash('sha256').update(readFileSync(dir)).digest('hex')}`;
  else if (st.isDirectory()) for (const e of readdirSync(dir)) hashTree(base, join(dir, e), out, prefix);
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

async function git(cwd: string, args: string[], allowFail = false): Promise<string> {
  try {
    // trimEnd: a status line may start with a space (" M file").
    return (await runGit(cwd, args)).trimEnd();
  } catch (err) {
    if (allowFail) return '';
    throw err;
  }
}
