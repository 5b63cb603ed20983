import { resolve } from 'node:path';
import { JidokaError } from '../core/errors.js';
import { runGitSync } from './run.js';

/**
 * The top of the git work tree containing `cwd`, or a clear error (exit 2).
 * Synchronous because every command needs it before doing anything else.
 */
export function findRepoRoot(cwd: string): string {
  try {
    return runGitSync(resolve(cwd), ['rev-parse', '--show-toplevel']).trim();
  } catch {
    throw new JidokaError(`${resolve(cwd)} is not inside a git repository`, {
      exitCode: 2,
      hint: 'run `git init` (or cd into your repository) first; Jidoka works inside a git repo',
    });
  }
}
