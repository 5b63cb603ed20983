import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

/** A temp dir that git will never mistake for part of an enclosing repository. */
export function tempDir(prefix = 'jidoka-test-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CEILING_DIRECTORIES: tmpdir(),
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, env: GIT_ENV });
  return r.stdout;
}

/** A fresh repository on branch main; with `commit`, one initial commit. */
export async function tempRepo(opts: { commit?: boolean } = {}): Promise<string> {
  const dir = tempDir();
  await git(dir, 'init', '-q', '-b', 'main');
  if (opts.commit) await git(dir, 'commit', '-q', '--allow-empty', '-m', 'initial');
  return dir;
}

/** Run the built CLI as a user would; never throws on a non-zero exit. */
export async function jidoka(cwd: string, args: string[], env: Record<string, string> = {}) {
  const r = await execa(process.execPath, [MAIN, ...args], {
    cwd,
    reject: false,
    env: { ...GIT_ENV, JIDOKA_LOG_LEVEL: 'silent', ...env },
  });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
