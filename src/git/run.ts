import type * as ChildProcess from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Running git, the one way: every git process Jidoka starts goes through
 * here (the rest of src/git builds on it; nothing outside src/git spawns
 * git). Plain node child_process, no library: it starts in no time (the CLI
 * and the wiki lint run on every command and every `npm test`), resolves
 * the moment git exits (whatever it printed), and rejects every non-zero
 * exit, with what git said, so a merge conflict reported on stdout cannot
 * pass for a successful merge.
 */

// Required on first use: child_process brings net, dgram and the streams with it, a few ms of every
// command's start, and `jidoka status` usually runs no git at all (root.ts reads .git).
const require = createRequire(import.meta.url);
let loaded: typeof ChildProcess | undefined;
const childProcess = (): typeof ChildProcess => {
  loaded ??= require('node:child_process') as typeof ChildProcess;
  return loaded;
};

/** A git command that exited non-zero (or could not start); `message` is what git printed. */
export class GitFailed extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    cause?: unknown,
  ) {
    super(`${stdout}${stderr}` || `git ${args.join(' ')} failed (exit ${exitCode ?? 'unknown'})`, { cause });
    this.name = 'GitFailed';
  }
}

export interface GitOptions {
  /** The whole environment (see gitEnv); gitEnv() when not given. */
  env?: Record<string, string>;
  /** Written to git's stdin (e.g. `cat-file --batch-check`). */
  input?: string;
}

/** Diffs and logs of a large plan run to many MB; git's output is never cut. */
const MAX_BUFFER = 512 * 1024 * 1024;

/**
 * Set on every git Jidoka runs: an fsmonitor is a program git starts on its
 * own during `status`, `add` and `diff`, so one planted in the config would
 * run inside Jidoka's git (the after-step check refuses a changed config
 * before Jidoka's next git command; this also covers a config changed by
 * other means). It only costs speed on very large repositories.
 */
const HARDENED = ['-c', 'core.fsmonitor=false'];

/**
 * Checkouts whose git is pinned for a plan's run (see pin.ts): the plan's
 * worktree → its git dir and the hooks copied at approval. Every git Jidoka
 * runs in such a checkout, or below it, names that git dir and work tree
 * itself (a `.git` file the maker rewrote cannot aim it at a git dir of its
 * making) and gets `core.hooksPath` set to the copy (no hook an agent added
 * or edited runs in Jidoka's own `commit`).
 */
export interface PinnedCheckout {
  gitDir: string;
  hooksDir: string;
  /** Set once the configuration changed under a run (see neutralizeConfig in pin.ts): `-c` options that switch its programs off. */
  distrusted?: string[];
}

const pinned = new Map<string, PinnedCheckout>();

/** From now on, git in `checkout` (and below) runs against `pin.gitDir` with the hooks in `pin.hooksDir` only. */
export function pinCheckout(checkout: string, pin: PinnedCheckout): void {
  pinned.set(checkout, pin);
}

/** A scratch checkout Jidoka is done with: git there no longer gets its pin. */
export function unpinCheckout(checkout: string): void {
  pinned.delete(checkout);
}

/** From now on, git in the pinned `checkout` also runs with these `-c` options (no-op for a checkout not pinned). */
export function distrustCheckout(checkout: string, options: string[]): void {
  const pin = pinned.get(checkout);
  if (pin) pinned.set(checkout, { ...pin, distrusted: options });
}

/** The options every git in `cwd` runs with, before its own. */
function hardened(cwd: string): string[] {
  for (const [checkout, pin] of pinned)
    if (cwd === checkout || cwd.startsWith(`${checkout}/`))
      return [
        ...HARDENED,
        '-c',
        `core.hooksPath=${pin.hooksDir}`,
        ...(pin.distrusted ?? []),
        `--git-dir=${pin.gitDir}`,
        `--work-tree=${checkout}`,
      ];
  return HARDENED;
}

/** `git <args>` in `cwd`: its stdout, untrimmed; rejects with GitFailed on a non-zero exit. */
export function runGit(cwd: string, args: readonly string[], opts: GitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = childProcess().execFile(
      'git',
      [...hardened(cwd), ...args],
      { cwd, env: opts.env ?? gitEnv(), maxBuffer: MAX_BUFFER, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const code = typeof err.code === 'number' ? err.code : null;
        reject(new GitFailed(args, code, stdout, stderr || (code === null ? err.message : ''), err));
      },
    );
    child.stdin?.end(opts.input);
  });
}

/** Whether `git <args>` exits 0: for the questions git answers with its exit code (`merge-base --is-ancestor`). */
export function gitSucceeds(cwd: string, args: readonly string[]): Promise<boolean> {
  return runGit(cwd, args).then(
    () => true,
    () => false,
  );
}

/**
 * `git <args>` in `cwd`, synchronously: only for the few questions a command
 * needs answered before it does anything (the repository root, who the user
 * is). Its stdout, untrimmed; throws GitFailed on a non-zero exit.
 */
export function runGitSync(cwd: string, args: readonly string[]): string {
  try {
    return childProcess().execFileSync('git', [...hardened(cwd), ...args], {
      cwd,
      env: gitEnv(),
      encoding: 'utf8',
      maxBuffer: MAX_BUFFER,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { status?: number | null; stdout?: string; stderr?: string; message?: string };
    throw new GitFailed(args, e.status ?? null, e.stdout ?? '', e.stderr ?? e.message ?? '', err);
  }
}

/**
 * process.env for git, minus the interactive hooks (editor, pager, askpass)
 * that Jidoka never wants: a git that waits for a human would hang a run.
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
