import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { JidokaError } from '../core/errors.js';
import { runGitSync } from './run.js';

/**
 * The top of the git work tree containing `cwd`, or a clear error (exit 2).
 * Synchronous because every command needs it before doing anything else.
 * The plain cases are read from `.git` (readRepoRoot): starting git costs
 * every command, `jidoka status` most of all, some 10 ms and the loading of
 * child_process; git itself answers everything else.
 */
export function findRepoRoot(cwd: string): string {
  const dir = resolve(cwd);
  const read = readRepoRoot(dir);
  if (read !== undefined) return read;
  try {
    return runGitSync(dir, ['rev-parse', '--show-toplevel']).trim();
  } catch {
    throw new JidokaError(`${dir} is not inside a git repository`, {
      exitCode: 2,
      hint: 'run `git init` (or cd into your repository) first; Jidoka works inside a git repo',
    });
  }
}

/** Environment that changes how git finds the repository: git decides then. */
const DISCOVERY_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
  'GIT_CONFIG_PARAMETERS',
  'GIT_CONFIG_COUNT',
];

/**
 * What `git rev-parse --show-toplevel` prints, found the way git finds it
 * (walk up from the physical cwd to the first `.git`, a directory or a
 * `gitdir:` file as in linked worktrees and submodules), or undefined
 * where git's answer could differ from the directory holding `.git`:
 * discovery set by the environment, a `core.worktree` elsewhere, `core.bare`, config
 * includes, a work tree or `.git` owned by someone else (safe.directory), a
 * cwd inside a git directory or on another file system than the repository,
 * anything unreadable or unexpected.
 */
export function readRepoRoot(cwd: string): string | undefined {
  if (DISCOVERY_ENV.some((k) => process.env[k] !== undefined)) return undefined;
  let dir = realPath(cwd);
  if (dir === undefined) return undefined;
  const device = statSync(dir).dev;
  for (;;) {
    const dotGit = join(dir, '.git');
    const st = statSync(dotGit, { throwIfNoEntry: false });
    if (st) {
      if (!ownedByMe(dir) || !ownedByMe(dotGit)) return undefined;
      const gitDir = st.isDirectory() ? dotGit : st.isFile() ? gitFileTarget(dir, dotGit) : undefined;
      return gitDir !== undefined && plainGitDir(gitDir, dir) ? dir : undefined;
    }
    // git also stops at a directory that is itself a git directory (bare, or inside `.git`): no work tree.
    if (statSync(join(dir, 'HEAD'), { throwIfNoEntry: false })?.isFile()) return undefined;
    const up = dirname(dir);
    // git stops at a file system boundary too.
    if (up === dir || statSync(up).dev !== device) return undefined;
    dir = up;
  }
}

/** The git directory a `.git` file names (`gitdir: <path>`, relative to the file's directory). */
function gitFileTarget(dir: string, file: string): string | undefined {
  const m = /^gitdir: (.+)$/m.exec(readText(file) ?? '');
  return m?.[1] ? resolve(dir, m[1].trim()) : undefined;
}

/**
 * A git directory with a HEAD whose configs neither make it bare nor move
 * the work tree away from `top` (a submodule's `core.worktree` names its
 * own directory, relative to the git directory).
 */
function plainGitDir(gitDir: string, top: string): boolean {
  if (!statSync(join(gitDir, 'HEAD'), { throwIfNoEntry: false })?.isFile()) return false;
  const common = readText(join(gitDir, 'commondir'));
  const configs = [join(gitDir, 'config'), join(gitDir, 'config.worktree')];
  if (common !== undefined) configs.push(join(resolve(gitDir, common.trim()), 'config'));
  return configs.every((path) => {
    const text = readText(path);
    if (text === undefined) return true;
    if (/^\s*(bare\s*=\s*true|\[\s*include)/im.test(text)) return false;
    for (const m of text.matchAll(/^\s*worktree\s*=\s*(.*)$/gim))
      if (realPath(resolve(gitDir, m[1]?.trim() ?? '')) !== top) return false;
    return true;
  });
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function ownedByMe(path: string): boolean {
  return typeof process.getuid !== 'function' || statSync(path).uid === process.getuid();
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
