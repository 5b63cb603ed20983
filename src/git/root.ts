import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { JidokaError } from '../core/errors.js';

/**
 * The top of the git work tree containing `cwd`, or a clear error (exit 2).
 * Synchronous because every command needs it before doing anything else.
 * Kept apart from repo.ts so that finding the root does not load simple-git.
 */
export function findRepoRoot(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: resolve(cwd),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch {
    throw new JidokaError(`${resolve(cwd)} is not inside a git repository`, {
      exitCode: 2,
      hint: 'run `git init` (or cd into your repository) first; Jidoka works inside a git repo',
    });
  }
}
