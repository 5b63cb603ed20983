import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoIntegrity, snapshotRefs } from '../../src/andon/integrity.js';
import { addWorktree, type TempRepo, tempRepo } from '../git/fixture.js';

describe('repo integrity around a step', () => {
  let repo: TempRepo;
  afterEach(() => repo?.cleanup());

  const setup = async () => {
    repo = tempRepo({ 'a.txt': '1\n' });
    const wt = addWorktree(repo, 'plan-a');
    const opts = { root: repo.dir, worktree: wt, mainBranch: 'main' };
    return { wt, opts, before: await snapshotRefs(opts) };
  };

  it('stays quiet when the agent commits on its branch and a human advances main', async () => {
    const { wt, opts, before } = await setup();
    repo.git('-C', wt, 'commit', '-q', '--allow-empty', '-m', 'agent work');
    repo.write('b.txt', 'human\n');
    repo.commit('human work on main');
    expect(await repoIntegrity({ ...opts, before, fsck: true })).toBeUndefined();
  });

  it('trips when the agent moves main onto its work', async () => {
    const { wt, opts, before } = await setup();
    repo.git('-C', wt, 'commit', '-q', '--allow-empty', '-m', 'agent work');
    repo.git('-C', wt, 'update-ref', 'refs/heads/main', 'HEAD');
    const f = await repoIntegrity({ ...opts, before });
    expect(f).toMatchObject({ breaker: 'repo_integrity', category: 'repo_integrity', line: 'red' });
    expect(f?.message).toMatch(/main branch was moved onto the plan's work/);
  });

  it('trips when main is rewound, when the worktree HEAD is reset off its history or leaves its branch', async () => {
    let s = await setup();
    repo.write('c.txt', '2\n');
    repo.commit('second');
    const before = await snapshotRefs(s.opts);
    repo.git('-C', s.wt, 'commit', '-q', '--allow-empty', '-m', 'agent work');
    const mid = await snapshotRefs(s.opts);
    repo.git('-C', s.wt, 'reset', '-q', '--hard', 'HEAD~1');
    expect((await repoIntegrity({ ...s.opts, before: mid }))?.message).toMatch(
      /worktree HEAD moved off its history/,
    );
    repo.git('update-ref', 'refs/heads/main', 'HEAD~1');
    expect((await repoIntegrity({ ...s.opts, before }))?.message).toMatch(/main branch was rewound/);
    repo.cleanup();
    s = await setup();
    repo.git('-C', s.wt, 'checkout', '-q', '--detach');
    expect((await repoIntegrity({ ...s.opts, before: s.before }))?.message).toMatch(
      /left its branch jidoka\/plan-a \(now detached HEAD\)/,
    );
  });

  it('trips on a stale index.lock, not on a fresh one', async () => {
    const { wt, opts, before } = await setup();
    const lock = repo.git('-C', wt, 'rev-parse', '--git-path', 'index.lock').trim();
    const path = lock.startsWith('/') ? lock : join(wt, lock);
    writeFileSync(path, '');
    expect(await repoIntegrity({ ...opts, before, staleLockMs: 60_000 })).toBeUndefined();
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    expect((await repoIntegrity({ ...opts, before, staleLockMs: 60_000 }))?.evidence.staleLocks).toEqual([
      path,
    ]);
  });

  it('reports git fsck errors', async () => {
    const { opts, before } = await setup();
    const blob = repo.git('rev-parse', 'HEAD:a.txt').trim();
    const obj = join(repo.dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2));
    const { chmodSync, rmSync } = await import('node:fs');
    chmodSync(obj, 0o644);
    rmSync(obj);
    const f = await repoIntegrity({ ...opts, before, fsck: true });
    expect(f?.message).toMatch(/git fsck/);
  });
});
