/**
 * The checks run code the maker may have written (a test file, a build
 * script), so they run in the maker's sandbox: the worktree writable,
 * nothing else, and no process left behind.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSpecs, runChecks } from '../../src/loops/checks.js';
import { alive, pidsWith } from '../support/process.js';
import { git, makeRepo } from '../support/repo.js';

function layout() {
  const root = realpathSync(makeRepo({ 'README.md': '# demo\n' }));
  const worktree = join(root, '.jidoka', 'worktrees', 'p1');
  git(root, 'worktree', 'add', '-q', '-b', 'jidoka/p1', worktree);
  const stepDir = join(root, '.jidoka', 'runs', 'r1', 'c1-a1-checks');
  mkdirSync(stepDir, { recursive: true });
  return { root, worktree, stepDir };
}

describe('checks in the sandbox', () => {
  it('a test the maker wrote can write the worktree but not the main checkout, and leaves no process', async () => {
    const { root, worktree, stepDir } = layout();
    const tag = `${Math.floor(Math.random() * 1e6) + 10_000}.789`;
    writeFileSync(
      join(worktree, 'evil.test.sh'),
      [
        'echo built > build.out',
        `echo pwned > "${root}/README.md" || echo main-refused`,
        `echo hook > "${root}/.git/hooks/pre-commit" || echo hook-refused`,
        `setsid sh -c 'sleep ${tag} </dev/null >/dev/null 2>&1 &'`,
        'exit 0',
      ].join('\n'),
    );
    const [check] = await runChecks({
      cwd: worktree,
      specs: checkSpecs(['sh evil.test.sh'], 20_000),
      stepDir,
      maxOutputBytes: 1 << 20,
    });
    expect(check?.sandboxed).toBe(true);
    expect(check?.passed).toBe(true);
    expect(check?.output).toContain('main-refused');
    expect(check?.output).toContain('hook-refused');
    expect(readFileSync(join(worktree, 'build.out'), 'utf8')).toBe('built\n');
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe('# demo\n');
    expect(existsSync(join(root, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(pidsWith(`sleep\0${tag}`).filter(alive)).toEqual([]);
  });

  it('with sandbox.mode none a check runs unsandboxed, and says so', async () => {
    const { worktree, stepDir } = layout();
    const [check] = await runChecks({
      cwd: worktree,
      specs: checkSpecs(['true'], 20_000),
      stepDir,
      maxOutputBytes: 1024,
      sandbox: { mode: 'none', writable: [] },
    });
    expect(check).toMatchObject({ passed: true, sandboxed: false });
  });
});
