import { type SimpleGit, simpleGit } from 'simple-git';

/**
 * A simple-git client rooted at `dir`, with the environment git needs to be
 * predictable. Every non-zero exit rejects: simple-git's default only fails
 * when git also wrote to stderr, so a merge conflict (reported on stdout)
 * would otherwise pass for a successful merge.
 */
export function gitAt(dir: string): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 4,
    trimmed: false,
    errors(error, result) {
      if (error) return error;
      if (result.exitCode === 0) return undefined;
      return Buffer.concat([...result.stdOut, ...result.stdErr]);
    },
  }).env(gitEnv());
}

/**
 * process.env for git, minus the interactive hooks (editor, pager, askpass)
 * that Jidoka never wants and that simple-git refuses to pass through.
 */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !UNSAFE_ENV.has(k.toUpperCase())) env[k] = v;
  }
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
}

const UNSAFE_ENV = new Set([
  'EDITOR',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
  'PAGER',
  'GIT_PAGER',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
]);

export async function hasCommits(git: SimpleGit): Promise<boolean> {
  // simple-git's raw() resolves with "" when git fails quietly, so judge by the output, not by a throw.
  return (await revParse(git, 'HEAD')) !== undefined;
}

export async function revParse(git: SimpleGit, rev: string): Promise<string | undefined> {
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
export async function mainBranch(git: SimpleGit, configured: string): Promise<string> {
  if (configured) return configured;
  try {
    const name = (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim();
    if (name) return name;
  } catch {}
  return 'main';
}
