import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Mount } from './bwrap-args.js';

/**
 * Turns a step's writable paths into bwrap mounts: each writable path is
 * created if missing and taken by its real path (a symlink cannot widen
 * it), and whatever must stay read-only inside it is bound read-only again:
 *
 * - the git directory of every repository involved (the main `.git` with its
 *   config, hooks, info/ and refs; a linked worktree's own `.git` file, so an
 *   agent cannot point Jidoka's git at a directory of its making). The
 *   maker needs none of it writable: `git status` and `git diff` only read
 *   (status skips its index refresh when it cannot lock), and Jidoka stages
 *   and commits outside the sandbox. A writable index would let the maker
 *   hide a change from Jidoka's `git add` (skip-worktree bits) and a writable
 *   HEAD would let it move the branch Jidoka commits to;
 * - Jidoka's own state in the main checkout: `.jidoka/state` (line,
 *   approvals, plan checkpoints), the ledger, the lock, caches and logs.
 *
 * And hidden (an empty tmpfs in its place): `.jidoka/queue`, where the
 * daemon keeps its private signing key.
 *
 * A configured writable path inside one of those is dropped: nothing
 * configured makes them writable.
 */
export interface StepMounts {
  mounts: Mount[];
  /** The real paths the step may write. */
  writable: string[];
  /** Configured paths refused because they lie inside a protected one. */
  refused: string[];
}

/** Jidoka's files under `.jidoka/` that no step writes (runs/ and worktrees/ hold the steps' own). */
const JIDOKA_STATE = ['state', 'ledger.jsonl', 'daemon.lock', 'cache', 'logs'];
/**
 * Jidoka's files under `.jidoka/` that no step may even read: `queue/`
 * holds the daemon's private signing key (src/queue/approval-key.ts); an
 * agent that read it could sign a job for a plan no human approved.
 */
const JIDOKA_SECRETS = ['queue'];

export function stepMounts(writablePaths: readonly string[], cwd: string): StepMounts {
  const writable = unique(
    writablePaths.map((p) => {
      const abs = resolve(p);
      mkdirSync(abs, { recursive: true });
      return realpathSync.native(abs);
    }),
  );
  const protectedPaths = unique(
    [cwd, ...writable].flatMap((p) => protectedFor(p)).filter((p) => existsSync(p)),
  ).map((p) => realpathSync.native(p));
  // Also the repository Jidoka itself runs in: a step whose cwd is a temp folder (a probe) must not read its secrets either.
  const secretPaths = unique(
    [cwd, ownCwd(), ...writable].flatMap((p) => (p ? secretsFor(p) : [])).filter((p) => existsSync(p)),
  ).map((p) => realpathSync.native(p));
  const refused = writable.filter((w) => [...protectedPaths, ...secretPaths].some((p) => within(w, p)));
  const open = writable.filter((w) => !refused.includes(w));
  const mounts: Mount[] = [
    ...open.map((path) => ({ path, writable: true })),
    ...protectedPaths
      .filter((p) => open.some((w) => within(p, w)))
      .map((path) => ({ path, writable: false })),
    ...secretPaths.map((path) => ({ path, writable: false, hidden: true })),
  ];
  return { mounts, writable: open, refused };
}

/** The protected paths of the repository (and worktree) that contains `path`, if any. */
export function protectedFor(path: string): string[] {
  const repo = findRepo(path);
  if (!repo) return [];
  const out = [repo.gitEntry, repo.gitDir, repo.commonDir];
  if (repo.mainRoot) out.push(...JIDOKA_STATE.map((f) => join(repo.mainRoot!, '.jidoka', f)));
  return out;
}

/** Jidoka's own working directory; undefined when it was deleted under it. */
function ownCwd(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

/** The secret paths of the repository that contains `path`, if any (see JIDOKA_SECRETS). */
function secretsFor(path: string): string[] {
  const root = findRepo(path)?.mainRoot;
  return root ? JIDOKA_SECRETS.map((f) => join(root, '.jidoka', f)) : [];
}

interface Repo {
  /** `<checkout>/.git`: the directory, or a linked worktree's `gitdir:` file. */
  gitEntry: string;
  gitDir: string;
  commonDir: string;
  /** The main checkout (where `.jidoka/` lives); absent for a bare repository. */
  mainRoot?: string;
}

/** Walks up from `start` to the checkout holding it, reading `.git` files as git does. */
export function findRepo(start: string): Repo | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const gitEntry = join(dir, '.git');
    const kind = entryKind(gitEntry);
    if (kind === 'dir') return { gitEntry, gitDir: gitEntry, commonDir: gitEntry, mainRoot: dir };
    if (kind === 'file') {
      const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(gitEntry, 'utf8'));
      if (m?.[1]) {
        const gitDir = isAbsolute(m[1]) ? m[1] : resolve(dir, m[1]);
        const common = readIfFile(join(gitDir, 'commondir'))?.trim();
        const commonDir = common ? resolve(gitDir, common) : gitDir;
        const mainRoot = basename(commonDir) === '.git' ? dirname(commonDir) : undefined;
        return { gitEntry, gitDir, commonDir, ...(mainRoot ? { mainRoot } : {}) };
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function entryKind(path: string): 'dir' | 'file' | undefined {
  // No exception for a missing entry: this runs for every folder up to the repository, every step.
  const s = lstatSync(path, { throwIfNoEntry: false });
  return s?.isDirectory() ? 'dir' : s?.isFile() ? 'file' : undefined;
}

function readIfFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when `path` is `dir` or lies under it. */
export function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
