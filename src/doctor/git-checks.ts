import { tmpdir } from 'node:os';
import { buildEnv, runProcess } from '../agents/runner.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';
import { findRepoRoot } from '../git/root.js';
import type { DoctorCheck } from './report.js';

/** Worktrees as Jidoka uses them (`worktree add -b`, `list --porcelain`) need this git. */
export const MIN_GIT: readonly [number, number] = [2, 20];

/** `[major, minor, patch]` from `git --version` output ("git version 2.39.5", "git version 2.39.3 (Apple Git-145)"). */
export function parseGitVersion(text: string): [number, number, number] | undefined {
  const m = /git version (\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export async function checkGit(): Promise<DoctorCheck> {
  const r = await runProcess({
    file: 'git',
    args: ['--version'],
    cwd: tmpdir(),
    env: buildEnv({}, { tmpDir: tmpdir() }),
    timeoutMs: 10_000,
    maxOutputBytes: 64 * 1024,
  });
  if (r.spawnError || r.exitCode !== 0) {
    return {
      id: 'git',
      status: 'fail',
      message: `git could not run: ${r.spawnError ?? (r.stderr.trim() || `exit ${r.exitCode}`)}`,
      hint: 'install git 2.20 or newer and make sure it is on PATH',
    };
  }
  const text = r.stdout.trim();
  const v = parseGitVersion(text);
  if (!v)
    return {
      id: 'git',
      status: 'warn',
      message: `unrecognized version output: ${text}`,
      hint: 'Jidoka needs git 2.20 or newer',
    };
  const version = v.join('.');
  const [maj, min] = MIN_GIT;
  if (v[0] < maj || (v[0] === maj && v[1] < min)) {
    return {
      id: 'git',
      status: 'fail',
      message: `git ${version} is too old; plan worktrees need git ${maj}.${min} or newer`,
      hint: 'upgrade git',
      details: { version },
    };
  }
  return { id: 'git', status: 'ok', message: `git ${version}`, details: { version } };
}

/** The repository root, or undefined with a failing `repo` check. */
export function checkRepo(cwd: string): { root: string | undefined; check: DoctorCheck } {
  try {
    const root = findRepoRoot(cwd);
    return { root, check: { id: 'repo', status: 'ok', message: root, details: { root } } };
  } catch {
    return {
      root: undefined,
      check: {
        id: 'repo',
        status: 'fail',
        message: `${cwd} is not inside a git repository`,
        hint: 'run jidoka in your repository (or `git init` one), then `jidoka init`',
      },
    };
  }
}

/** Current branch, commits, the branch plans start from, and uncommitted changes (information only). */
export async function checkBranch(root: string, configuredMain: string): Promise<DoctorCheck> {
  const git = gitAt(root);
  let current: string | undefined;
  try {
    current = (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim() || undefined;
  } catch {}
  const dirty = (await git.raw(['status', '--porcelain', '--untracked-files=all']))
    .split('\n')
    .filter(Boolean).length;
  const details = { current: current ?? null, uncommitted: dirty };
  const dirtyText = dirty ? `; ${dirty} file${dirty === 1 ? '' : 's'} with uncommitted changes` : '; clean';
  const onWhat = current ? `on branch ${current}` : 'HEAD detached';
  if (!(await revParse(git, 'HEAD'))) {
    return {
      id: 'branch',
      status: 'warn',
      message: `${onWhat}, no commits yet${dirtyText}`,
      hint: 'make a first commit: plans branch from the main branch, which needs one',
      details,
    };
  }
  const main = await mainBranch(git, configuredMain);
  const mainSha = await revParse(git, main);
  if (!mainSha) {
    return {
      id: 'branch',
      status: 'fail',
      message: `${onWhat}${dirtyText}; the main branch ${JSON.stringify(main)} does not exist`,
      hint: configuredMain
        ? 'fix git.mainBranch in jidoka.yaml, or create that branch'
        : 'check out the branch plans should start from, or set git.mainBranch in jidoka.yaml',
      details: { ...details, main },
    };
  }
  return {
    id: 'branch',
    status: 'ok',
    message: `${onWhat}${dirtyText}; plans start from ${main} (${mainSha.slice(0, 7)})`,
    details: { ...details, main, mainSha },
  };
}
