import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareOutside,
  restoreRefs,
  sandboxedView,
  snapshotOutside,
} from '../../src/andon/outside-writes.js';
import { git, makeRepo } from '../support/repo.js';

/** A main checkout with a plan worktree and Jidoka's state, as the line has them during a step. */
function line() {
  const root = realpathSync(makeRepo({ 'README.md': '# demo\n', '.gitignore': '.jidoka/\n' }));
  const worktree = join(root, '.jidoka', 'worktrees', 'p1');
  git(root, 'worktree', 'add', '-q', '-b', 'jidoka/p1', worktree);
  mkdirSync(join(root, '.jidoka', 'state', 'plans'), { recursive: true });
  writeFileSync(join(root, '.jidoka', 'state', 'approvals.json'), '{}\n');
  writeFileSync(join(root, '.jidoka', 'state', 'plans', 'p1.json'), '{"step":"maker"}\n');
  return { root, worktree, scope: { root, planId: 'p1' } };
}

describe('outside-write detector (real repositories)', () => {
  it('a step that stays in its worktree, commits on the plan branch, and Jidoka updating the plan checkpoint: no finding', async () => {
    const { root, worktree, scope } = line();
    const before = await snapshotOutside(scope);
    writeFileSync(join(worktree, 'a.js'), 'a\n');
    git(worktree, 'add', '-A');
    git(worktree, 'commit', '-q', '-m', 'chunk 1');
    git(root, 'update-ref', 'refs/andon/INC-1', 'HEAD');
    writeFileSync(join(root, '.jidoka', 'state', 'plans', 'p1.json'), '{"step":"checks"}\n');
    expect(compareOutside(before, await snapshotOutside(scope))).toBeUndefined();
  });

  it.each([
    [
      'the main checkout',
      (r: string) => writeFileSync(join(r, 'README.md'), 'pwned\n'),
      /main checkout: README\.md/,
    ],
    [
      'a new file in the main checkout',
      (r: string) => writeFileSync(join(r, 'x.txt'), 'x'),
      /main checkout: x\.txt/,
    ],
    [
      'main moved',
      (r: string) => git(r, 'commit', '-q', '--allow-empty', '-m', 'sneaky'),
      /HEAD.*ref refs\/heads\/main \(changed\)/s,
    ],
    ['a new branch', (r: string) => git(r, 'branch', 'other'), /ref refs\/heads\/other \(added\)/],
    ['a new tag', (r: string) => git(r, 'tag', 'v9'), /ref refs\/tags\/v9 \(added\)/],
    [
      'a git hook',
      (r: string) => {
        writeFileSync(join(r, '.git', 'hooks', 'pre-commit'), '#!/bin/sh\ncurl evil\n');
        chmodSync(join(r, '.git', 'hooks', 'pre-commit'), 0o755);
      },
      /git dir: hooks\/pre-commit \(added\)/,
    ],
    [
      'a hook as a symlink',
      (r: string) => symlinkSync('/tmp/evil', join(r, '.git', 'hooks', 'post-merge')),
      /hooks\/post-merge \(added\)/,
    ],
    [
      'the git config',
      (r: string) => git(r, 'config', 'core.fsmonitor', 'curl evil'),
      /git dir: config \(changed\)/,
    ],
    [
      'info/attributes',
      (r: string) => writeFileSync(join(r, '.git', 'info', 'attributes'), '* filter=x\n'),
      /git dir: info\/attributes \(added\)/,
    ],
    [
      'the approvals',
      (r: string) => writeFileSync(join(r, '.jidoka', 'state', 'approvals.json'), '{"p2":{}}\n'),
      /\.jidoka\/state\/approvals\.json \(changed\)/,
    ],
    [
      'the line',
      (r: string) => writeFileSync(join(r, '.jidoka', 'state', 'line.json'), '{"state":"running"}'),
      /\.jidoka\/state\/line\.json \(added\)/,
    ],
    [
      "another plan's checkpoint",
      (r: string) => writeFileSync(join(r, '.jidoka', 'state', 'plans', 'p2.json'), '{}'),
      /plans\/p2\.json \(added\)/,
    ],
  ])('%s: a red repo_integrity finding naming it', async (_name, change, why) => {
    const { root, scope } = line();
    const before = await snapshotOutside(scope);
    change(root);
    const f = compareOutside(before, await snapshotOutside(scope));
    expect(f).toMatchObject({ breaker: 'repo_integrity', category: 'repo_integrity', line: 'red' });
    expect(((f?.evidence.outside ?? []) as string[]).join('; ')).toMatch(why);
  });

  it('restoreRefs puts moved refs back and deletes new ones, leaving the plan branch and refs/andon alone', async () => {
    const { root, worktree, scope } = line();
    const before = await snapshotOutside(scope);
    const main = git(root, 'rev-parse', 'main');
    git(worktree, 'commit', '-q', '--allow-empty', '-m', 'plan work');
    const planTip = git(root, 'rev-parse', 'jidoka/p1');
    git(root, 'update-ref', 'refs/heads/main', planTip);
    git(root, 'branch', 'stray', planTip);
    git(root, 'update-ref', 'refs/andon/INC-2', planTip);
    const moved = await restoreRefs(scope, before);
    expect(moved.sort()).toEqual(['refs/heads/main', 'refs/heads/stray']);
    expect(git(root, 'rev-parse', 'main')).toBe(main);
    expect(git(root, 'branch', '--list', 'stray')).toBe('');
    expect(git(root, 'rev-parse', 'jidoka/p1')).toBe(planTip);
    expect(git(root, 'rev-parse', 'refs/andon/INC-2')).toBe(planTip);
    expect(compareOutside(before, await snapshotOutside(scope))).toBeUndefined();
  });
});

describe('the sandboxed view', () => {
  const snap = (over: Partial<Parameters<typeof compareOutside>[0]> = {}) => ({
    mainStatus: '',
    mainHead: 'refs/heads/main aaa',
    refs: { 'refs/heads/main': 'aaa' },
    gitFiles: { config: '1' },
    config: ['local core.bare=false'],
    state: { 'approvals.json': 'x' },
    ...over,
  });

  it('a person at work meanwhile (a commit on main, a plan approved) does not count for a sandboxed step', () => {
    const after = snap({
      mainStatus: '?? notes.txt',
      mainHead: 'refs/heads/main bbb',
      refs: { 'refs/heads/main': 'bbb' },
      state: { 'approvals.json': 'y' },
    });
    expect(compareOutside(snap(), after)).toBeDefined();
    expect(compareOutside(snap(), sandboxedView(snap(), after))).toBeUndefined();
  });

  it("the git directory's files still count: they are what Jidoka's own git would run", () => {
    const after = snap({ gitFiles: { config: '2', 'hooks/pre-commit': '3' } });
    expect(compareOutside(snap(), sandboxedView(snap(), after))?.message).toMatch(
      /git dir: config \(changed\)/,
    );
  });

  it('the configuration git reads counts too, wherever it came from (an include, a worktree config)', () => {
    const after = snap({ config: ['local core.bare=false', 'worktree filter.x.clean=touch planted'] });
    expect(compareOutside(snap(), sandboxedView(snap(), after))?.message).toMatch(
      /git config: worktree filter\.x\.clean \(added\)/,
    );
  });
});
