import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitAt } from '../../src/git/repo.js';
import { GitFailed, gitEnv, gitSucceeds, runGit, runGitSync } from '../../src/git/run.js';
import {
  addDetachedWorktree,
  addWorktree,
  listWorktrees,
  removePlanWorktree,
  removeWorktree,
} from '../../src/git/worktree.js';
import { type TempRepo, tempRepo } from './fixture.js';

let repo: TempRepo;
afterEach(() => repo?.cleanup());

describe('runGit', () => {
  it("resolves with git's stdout, untrimmed", async () => {
    repo = tempRepo({ 'a.txt': 'one\n' });
    expect(await runGit(repo.dir, ['show', 'HEAD:a.txt'])).toBe('one\n');
  });

  it("rejects a non-zero exit with git's stderr and the exit code", async () => {
    repo = tempRepo();
    const err = await runGit(repo.dir, ['rev-parse', 'no-such-rev']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitFailed);
    const failed = err as GitFailed;
    expect(failed.exitCode).toBe(128);
    expect(failed.stderr).toMatch(/no-such-rev/);
    expect(failed.message).toContain(failed.stderr);
  });

  it('rejects a failure that prints nothing, saying which command failed', async () => {
    repo = tempRepo();
    const err = (await runGit(repo.dir, ['rev-parse', '--verify', '--quiet', 'nope^{commit}']).catch(
      (e: unknown) => e,
    )) as GitFailed;
    expect(err).toBeInstanceOf(GitFailed);
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('git rev-parse --verify --quiet nope^{commit} failed (exit 1)');
  });

  it('rejects a merge conflict that git reports on stdout, with the conflict in the message', async () => {
    repo = tempRepo({ 'a.txt': 'base\n' });
    repo.git('checkout', '-q', '-b', 'other');
    repo.write('a.txt', 'other\n');
    repo.commit('other');
    repo.git('checkout', '-q', 'main');
    repo.write('a.txt', 'main\n');
    repo.commit('main');
    const err = (await gitAt(repo.dir)
      .raw(['merge', '--no-edit', 'other'])
      .catch((e: unknown) => e)) as GitFailed;
    expect(err).toBeInstanceOf(GitFailed);
    expect(err.stdout).toMatch(/CONFLICT/);
    expect(err.message).toMatch(/CONFLICT/);
  });

  it('writes `input` to stdin', async () => {
    repo = tempRepo();
    const head = repo.git('rev-parse', 'HEAD').trim();
    const out = await runGit(repo.dir, ['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
      input: 'HEAD^{commit}\n',
    });
    expect(out).toBe(`${head} commit\n`);
  });

  it('passes no editor or pager, so git never waits for a human', async () => {
    const saved = { EDITOR: process.env.EDITOR, GIT_PAGER: process.env.GIT_PAGER };
    process.env.EDITOR = 'vim';
    process.env.GIT_PAGER = 'less';
    try {
      const env = gitEnv({ EXTRA: '1' });
      expect(env.EDITOR).toBeUndefined();
      expect(env.GIT_PAGER).toBeUndefined();
      expect(env).toMatchObject({ GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', EXTRA: '1' });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe('gitSucceeds and runGitSync', () => {
  it('answers with the exit code', async () => {
    repo = tempRepo();
    const base = repo.git('rev-parse', 'HEAD').trim();
    const next = repo.commit('next');
    expect(await gitSucceeds(repo.dir, ['merge-base', '--is-ancestor', base, next])).toBe(true);
    expect(await gitSucceeds(repo.dir, ['merge-base', '--is-ancestor', next, base])).toBe(false);
  });

  it('runs synchronously, and throws GitFailed on a non-zero exit', () => {
    repo = tempRepo();
    expect(runGitSync(repo.dir, ['config', '--get', 'user.name'])).toBe('Dev Eloper\n');
    expect(() => runGitSync(repo.dir, ['config', '--get', 'no.such-key'])).toThrow(GitFailed);
  });
});

describe('worktrees', () => {
  it('adds a worktree on a new branch from a start point, and on an existing branch', async () => {
    repo = tempRepo();
    const base = repo.git('rev-parse', 'HEAD').trim();
    const a = join(repo.dir, '.jidoka', 'worktrees', 'a');
    await addWorktree(repo.dir, a, 'jidoka/a', base);
    expect(repo.git('-C', a, 'symbolic-ref', '--short', 'HEAD').trim()).toBe('jidoka/a');

    repo.git('branch', 'existing');
    const b = join(repo.dir, '.jidoka', 'worktrees', 'b');
    await addWorktree(repo.dir, b, 'existing');
    expect(repo.git('-C', b, 'symbolic-ref', '--short', 'HEAD').trim()).toBe('existing');
    expect((await listWorktrees(repo.dir)).map((w) => w.branch)).toEqual(['main', 'jidoka/a', 'existing']);
  });

  it('adds a detached scratch worktree, and removes it with whatever it holds', async () => {
    repo = tempRepo();
    const dir = join(repo.dir, '.jidoka', 'tmp', 'scratch');
    await addDetachedWorktree(repo.dir, dir, 'HEAD');
    expect(repo.git('-C', dir, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('HEAD');
    writeFileSync(join(dir, 'edit.txt'), 'the auditor wrote this\n');
    expect(await removeWorktree(repo.dir, dir)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(await removeWorktree(repo.dir, dir)).toBe(false); // already gone
  });

  it("refuses to remove a plan's worktree that holds uncommitted work", async () => {
    repo = tempRepo();
    const wt = join(repo.dir, '.jidoka', 'worktrees', 'p');
    await addWorktree(repo.dir, wt, 'jidoka/p', 'HEAD');
    writeFileSync(join(wt, 'work.txt'), 'unsaved\n');
    await expect(removePlanWorktree(repo.dir, 'p')).rejects.toThrow(/uncommitted changes/);
    expect(existsSync(join(wt, 'work.txt'))).toBe(true);
  });
});
