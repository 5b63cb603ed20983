import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Starting git by hand: child_process or execa with 'git' as the program, or the agent runner given `file: 'git'`. */
const STARTS_GIT =
  /\b(?:execFile|execFileSync|spawn|spawnSync|exec|execSync|execa|execaSync)\(\s*['"`]git['"`]|\bfile:\s*['"`]git['"`]/;
/** git worktree add/remove spelled out as arguments. */
const WORKTREE_BY_HAND = /['"`]worktree['"`],\s*['"`](?:add|remove)['"`]/;

/**
 * The doctor asks git for its version and for `check-ignore -q` through the
 * agent runner (it reports on the runner's environment); the bench builds its
 * fixture repositories with its own calls. Nothing else starts git outside src/git/.
 */
const ALLOWED = new Set(['doctor/git-checks.ts', 'doctor/state-checks.ts']);

describe('one way into git', () => {
  const files = sources(SRC)
    .map((f) => relative(SRC, f).split('\\').join('/'))
    .filter((f) => !f.startsWith('git/') && !f.startsWith('bench/'));

  it('starts no git process outside src/git/', () => {
    const offenders = files.filter(
      (f) => !ALLOWED.has(f) && STARTS_GIT.test(readFileSync(join(SRC, f), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('adds and removes worktrees only in src/git/worktree.ts', () => {
    const offenders = files.filter((f) => WORKTREE_BY_HAND.test(readFileSync(join(SRC, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('would notice a git process started by hand', () => {
    expect(STARTS_GIT.test("execFileSync('git', ['status'])")).toBe(true);
    expect(STARTS_GIT.test("await execa('git', args)")).toBe(true);
    expect(WORKTREE_BY_HAND.test("git.raw(['worktree', 'add', dir])")).toBe(true);
  });
});
