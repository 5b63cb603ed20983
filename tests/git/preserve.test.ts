import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { andonRef, preserveWork, resetWorktree } from '../../src/git/preserve.js';
import { addWorktree, type TempRepo, tempRepo } from './fixture.js';

describe('preserveWork', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  it('commits tracked, untracked and force-added work under refs/andon/<id> without moving anything', async () => {
    repo = tempRepo({ 'src/a.ts': 'one\n' });
    const mainBefore = repo.git('rev-parse', 'main').trim();
    const wt = addWorktree(repo, 'plan-x');
    const branchBefore = repo.git('rev-parse', 'jidoka/plan-x').trim();
    writeFileSync(join(wt, 'src/a.ts'), 'two\n');
    writeFileSync(join(wt, 'new.ts'), 'untracked\n');
    writeFileSync(join(wt, '.env'), 'SECRET=1\n');
    writeFileSync(join(wt, 'debug.log'), 'ignored, not preserved\n');
    repo.git('-C', wt, 'add', '-f', '.env');
    const statusBefore = repo.git('-C', wt, 'status', '--porcelain');

    const sha = await preserveWork(wt, 'INC-1', 'andon: preserve plan-x');

    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(repo.git('rev-parse', andonRef('INC-1')).trim()).toBe(sha);
    expect(repo.git('show', `${sha}:src/a.ts`)).toBe('two\n');
    expect(repo.git('show', `${sha}:new.ts`)).toBe('untracked\n');
    expect(repo.git('show', `${sha}:.env`)).toBe('SECRET=1\n');
    expect(() => repo.git('show', `${sha}:debug.log`)).toThrow();
    expect(repo.git('rev-parse', `${sha}^`).trim()).toBe(branchBefore);
    // Nothing moved: main, the branch, the index and the files.
    expect(repo.git('rev-parse', 'main').trim()).toBe(mainBefore);
    expect(repo.git('rev-parse', 'jidoka/plan-x').trim()).toBe(branchBefore);
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe(statusBefore);
    expect(readFileSync(join(wt, 'new.ts'), 'utf8')).toBe('untracked\n');
  });

  it('points the ref at HEAD when there is nothing to preserve, and works beside a stale index.lock', async () => {
    repo = tempRepo({ 'a.txt': '1\n' });
    const head = repo.git('rev-parse', 'HEAD').trim();
    expect(await preserveWork(repo.dir, 'INC-2', 'nothing')).toBe(head);
    writeFileSync(join(repo.dir, '.git', 'index.lock'), '');
    writeFileSync(join(repo.dir, 'a.txt'), '2\n');
    const sha = await preserveWork(repo.dir, 'INC-3', 'beside a lock');
    expect(repo.git('show', `${sha}:a.txt`)).toBe('2\n');
  });

  it('resetWorktree destroys the work only after it is preserved, leaving ignored files alone', async () => {
    repo = tempRepo({ 'a.txt': '1\n' });
    const start = repo.git('rev-parse', 'HEAD').trim();
    const wt = addWorktree(repo, 'p');
    writeFileSync(join(wt, 'a.txt'), 'changed\n');
    writeFileSync(join(wt, 'b.txt'), 'new\n');
    writeFileSync(join(wt, 'keep.log'), 'ignored\n');
    repo.git('-C', wt, 'add', 'b.txt');
    repo.git('-C', wt, 'commit', '-qm', 'agent commit');
    writeFileSync(join(wt, 'c.txt'), 'untracked\n');
    const sha = await preserveWork(wt, 'INC-4', 'before rollback');
    await resetWorktree(wt, start);
    expect(repo.git('-C', wt, 'rev-parse', 'HEAD').trim()).toBe(start);
    expect(repo.git('-C', wt, 'status', '--porcelain')).toBe('');
    expect(existsSync(join(wt, 'c.txt'))).toBe(false);
    expect(existsSync(join(wt, 'keep.log'))).toBe(true);
    expect(repo.git('show', `${sha}:c.txt`)).toBe('untracked\n');
    expect(repo.git('show', `${sha}:b.txt`)).toBe('new\n');
    expect(repo.git('show', `${sha}:a.txt`)).toBe('changed\n');
  });

  it('returns undefined in a repository without commits', async () => {
    repo = tempRepo();
    repo.git('checkout', '-q', '--orphan', 'empty');
    repo.git('rm', '-rq', '--cached', '.');
    expect(await preserveWork(repo.dir, 'INC-5', 'none')).toBeUndefined();
  });
});
