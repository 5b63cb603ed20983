import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findRepoRoot, readRepoRoot } from '../../src/git/root.js';
import { tempRepo } from './fixture.js';

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C' };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
/** git's own answer, or undefined where git refuses. */
function gitTop(cwd: string): string | undefined {
  try {
    return git(cwd, 'rev-parse', '--show-toplevel').trim();
  } catch {
    return undefined;
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function repo() {
  const r = tempRepo({ 'src/deep/a.ts': 'x\n' });
  cleanups.push(r.cleanup);
  return r;
}

describe('the repository root read from .git', () => {
  it('is what git prints, from the top, from a subdirectory and through a symlink', () => {
    const r = repo();
    const link = join(mkdtempSync(join(tmpdir(), 'jidoka-link-')), 'to-repo');
    symlinkSync(join(r.dir, 'src'), link);
    cleanups.push(() => rmSync(join(link, '..'), { recursive: true, force: true }));
    for (const cwd of [r.dir, join(r.dir, 'src', 'deep'), link]) {
      expect(readRepoRoot(cwd)).toBe(gitTop(cwd));
      expect(findRepoRoot(cwd)).toBe(realpathSync(r.dir));
    }
  });

  it('is what git prints in a linked worktree and a submodule (a `.git` file)', () => {
    const r = repo();
    const wt = join(mkdtempSync(join(tmpdir(), 'jidoka-wt-')), 'wt');
    cleanups.push(() => rmSync(join(wt, '..'), { recursive: true, force: true }));
    r.git('worktree', 'add', '-q', wt, '-b', 'side');
    mkdirSync(join(wt, 'sub'));
    expect(readRepoRoot(join(wt, 'sub'))).toBe(gitTop(join(wt, 'sub')));
    expect(readRepoRoot(wt)).toBe(realpathSync(wt));

    const inner = repo();
    r.git('-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner.dir, 'lib/inner');
    const sub = join(r.dir, 'lib', 'inner');
    expect(readRepoRoot(sub)).toBe(gitTop(sub));
    expect(readRepoRoot(sub)).toBe(realpathSync(sub));
  });

  it('leaves to git what the directory of `.git` does not decide, and findRepoRoot still gives git’s answer', () => {
    const r = repo();
    // core.worktree moves the work tree elsewhere.
    const elsewhere = mkdtempSync(join(tmpdir(), 'jidoka-elsewhere-'));
    cleanups.push(() => rmSync(elsewhere, { recursive: true, force: true }));
    r.git('config', 'core.worktree', elsewhere);
    expect(readRepoRoot(r.dir)).toBeUndefined();
    expect(gitTop(join(r.dir, '.git'))).toBe(realpathSync(elsewhere));
    r.git('config', '--unset', 'core.worktree');
    expect(readRepoRoot(r.dir)).toBe(realpathSync(r.dir));
    // An include could set anything.
    writeFileSync(join(r.dir, 'extra.cfg'), '');
    r.git('config', 'include.path', join(r.dir, 'extra.cfg'));
    expect(readRepoRoot(r.dir)).toBeUndefined();
    expect(findRepoRoot(r.dir)).toBe(gitTop(r.dir));
  });

  it('is undefined inside a git directory and outside any repository, where git refuses too', () => {
    const r = repo();
    const inGitDir = join(r.dir, '.git', 'refs');
    expect(readRepoRoot(inGitDir)).toBeUndefined();
    expect(gitTop(inGitDir)).toBeUndefined();
    expect(() => findRepoRoot(inGitDir)).toThrow(/not inside a git repository/);

    const bare = mkdtempSync(join(tmpdir(), 'jidoka-bare-'));
    cleanups.push(() => rmSync(bare, { recursive: true, force: true }));
    git(bare, 'init', '-q', '--bare');
    expect(readRepoRoot(bare)).toBeUndefined();
    expect(gitTop(bare)).toBeUndefined();

    const plain = mkdtempSync(join(tmpdir(), 'jidoka-plain-'));
    cleanups.push(() => rmSync(plain, { recursive: true, force: true }));
    if (gitTop(plain) === undefined) {
      expect(readRepoRoot(plain)).toBeUndefined();
      expect(() => findRepoRoot(plain)).toThrow(/not inside a git repository/);
    }
    expect(readRepoRoot(join(plain, 'missing'))).toBeUndefined();
  });
});
