import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OutsideSnapshot } from '../../src/andon/outside-writes.js';
import { acquireLock } from '../../src/core/lock.js';
import { commitChunk, stageAll } from '../../src/git/commit.js';
import { moveOwnRefs } from '../../src/git/own-moves.js';
import { ensureWorktree } from '../../src/git/worktree.js';
import { expectedAfter, outsideChanged, outsideSnapshot } from '../../src/loops/execute/outside-check.js';
import { newPlanState, writePlanState } from '../../src/loops/execute/plan-state.js';
import { git, makeRepo } from '../support/repo.js';

/**
 * The after-step check of plan A while plans B and C run beside it, unsandboxed
 * (`sandbox.mode: none`, where the check compares refs and state): Jidoka's own
 * moves for B (its chunk commit, checkpoint and lock) and the merge queue moving
 * main are expected; an agent moving C's branch is not, and only it is put back.
 */
async function threePlans() {
  const root = makeRepo({ 'README.md': '# demo\n', '.gitignore': '.jidoka/\n' });
  const wt: Record<string, string> = {};
  for (const id of ['a', 'b', 'c']) wt[id] = (await ensureWorktree(root, id, 'main')).path;
  const scope = { root, planId: 'a', sandboxed: false };
  return { root, wt, scope };
}

async function jidokaCommits(worktree: string, plan: string, file: string): Promise<string> {
  writeFileSync(join(worktree, file), `${plan}\n`);
  await stageAll(worktree);
  return commitChunk(worktree, {
    plan,
    chunk: 1,
    attempt: 1,
    runId: 'r1',
    subject: `jidoka(${plan}): chunk 1/1`,
  });
}

function agentCommits(worktree: string, file: string): string {
  writeFileSync(join(worktree, file), 'agent\n');
  git(worktree, 'add', '-A');
  git(worktree, 'commit', '-q', '-m', 'an agent commits where it should not');
  return git(worktree, 'rev-parse', 'HEAD');
}

describe("the after-step check tells Jidoka's moves for other plans from an agent's", () => {
  it("takes B's commit, checkpoint and lock and main moved by the merge queue as Jidoka's: no finding", async () => {
    const { root, wt, scope } = await threePlans();
    // The merged result the merge queue checked: a commit on top of main, made without touching the checkout.
    const merged = git(
      root,
      'commit-tree',
      git(root, 'rev-parse', 'main^{tree}'),
      '-p',
      'main',
      '-m',
      'merged',
    );
    const before = await outsideSnapshot(scope);
    const bHead = await jidokaCommits(wt.b!, 'b', 'b.txt');
    writePlanState(root, newPlanState('b', { path: wt.b!, branch: 'jidoka/b', baseSha: bHead }, bHead));
    const release = acquireLock(join(root, '.jidoka/state/plans/b.lock'), 'jidoka run b');
    // The merge queue moves main where it is checked out (root) by a fast-forward.
    await moveOwnRefs(root, ['refs/heads/main'], async () => git(root, 'merge', '--ff-only', '-q', merged));
    const { finding } = await outsideChanged(scope, before, 'the maker step');
    expect(finding).toBeUndefined();
    expect(git(root, 'rev-parse', 'main')).toBe(merged);
    release();
    expect(git(root, 'rev-parse', 'jidoka/b')).toBe(bHead);
  });

  it("flags an agent's move of C's branch, names only it, and puts back only it", async () => {
    const { root, wt, scope } = await threePlans();
    const before = await outsideSnapshot(scope);
    const cBefore = git(root, 'rev-parse', 'jidoka/c');
    const bHead = await jidokaCommits(wt.b!, 'b', 'b.txt');
    writePlanState(root, newPlanState('b', { path: wt.b!, branch: 'jidoka/b', baseSha: bHead }, bHead));
    agentCommits(wt.c!, 'c.txt');
    const { finding } = await outsideChanged(scope, before, 'the maker step');
    expect(finding?.message).toMatch(/ref refs\/heads\/jidoka\/c \(changed\)/);
    expect(finding?.message).not.toMatch(/jidoka\/b|plans\/b\.json/);
    expect(finding?.evidence?.restoredRefs).toEqual(['refs/heads/jidoka/c']);
    expect(git(root, 'rev-parse', 'jidoka/c')).toBe(cBefore);
    expect(git(root, 'rev-parse', 'jidoka/b')).toBe(bHead);
  });

  it("flags an agent's move of B's branch after Jidoka's own commit on it: the value is not Jidoka's", async () => {
    const { root, wt, scope } = await threePlans();
    const before = await outsideSnapshot(scope);
    const bHead = await jidokaCommits(wt.b!, 'b', 'b.txt');
    agentCommits(wt.b!, 'b2.txt');
    const { finding } = await outsideChanged(scope, before, 'the maker step');
    expect(finding?.message).toMatch(/ref refs\/heads\/jidoka\/b \(changed\)/);
    // Put back to where it was before the step: Jidoka's commit is on the andon of B's own checks.
    expect(git(root, 'rev-parse', 'jidoka/b')).not.toBe(bHead);
    execFileSync('git', ['cat-file', '-e', bHead], { cwd: root });
  });

  it('expectedAfter: only values the journal set are taken as they are now', () => {
    const snap = (
      refs: Record<string, string>,
      state: Record<string, string>,
      mainHead: string,
    ): OutsideSnapshot => ({
      mainStatus: '',
      mainHead,
      refs,
      gitFiles: {},
      state,
    });
    const own = {
      isOwnRef: (ref: string, sha: string | undefined) => ref === 'refs/heads/jidoka/b' && sha === 'b2',
      isOwnFile: (path: string, hash: string | undefined) =>
        path === '/r/.jidoka/state/plans/b.json' && hash === 'h2',
    };
    const before = snap(
      { 'refs/heads/jidoka/b': 'b1', 'refs/heads/jidoka/c': 'c1' },
      { 'plans/b.json': '644:h1', 'line.json': '644:l1' },
      'refs/heads/main m1',
    );
    const after = snap(
      { 'refs/heads/jidoka/b': 'b2', 'refs/heads/jidoka/c': 'c2', 'refs/heads/new': 'n' },
      { 'plans/b.json': '644:h2', 'line.json': '644:l2' },
      'refs/heads/main m2',
    );
    const expected = expectedAfter('/r', before, after, own);
    expect(expected.refs).toEqual({ 'refs/heads/jidoka/b': 'b2', 'refs/heads/jidoka/c': 'c1' });
    expect(expected.state).toEqual({ 'plans/b.json': '644:h2', 'line.json': '644:l1' });
    expect(expected.mainHead).toBe('refs/heads/main m1');
  });
});
