import { type GitOptions, runGit } from './run.js';

/** git rooted at one directory: what the loops, guards and commands hold while they work there. */
export interface Git {
  /** `git <args>` here: stdout untrimmed; every non-zero exit rejects (GitFailed, message = what git printed). */
  raw(args: readonly string[]): Promise<string>;
  /** The same directory with this environment instead (a full one, from gitEnv(extra)). */
  env(env: Record<string, string>): Git;
}

/**
 * git rooted at `dir`, with the environment git needs to be predictable
 * (gitEnv). Built on runGit, so it rejects every non-zero exit and answers as
 * soon as git exits: no 50 ms wait after a command that prints nothing.
 */
export function gitAt(dir: string, env?: Record<string, string>): Git {
  const opts: GitOptions = env ? { env } : {};
  return {
    raw: (args) => runGit(dir, args, opts),
    env: (next) => gitAt(dir, next),
  };
}

export async function hasCommits(git: Git): Promise<boolean> {
  return (await revParse(git, 'HEAD')) !== undefined;
}

export async function revParse(git: Git, rev: string): Promise<string | undefined> {
  try {
    return (await git.raw(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The branch plans start from and merge into: `git.mainBranch` from config
 * when set, else the branch checked out in the main work tree, else `main`.
 */
export async function mainBranch(git: Git, configured: string): Promise<string> {
  if (configured) return configured;
  try {
    const name = (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim();
    if (name) return name;
  } catch {}
  return 'main';
}
