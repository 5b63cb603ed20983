import { execSync, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { writeJsonAtomic } from '../../src/core/atomic-write.js';
import { ensureWorktree } from '../../src/git/worktree.js';
import { readPlanState } from '../../src/loops/execute/plan-state.js';
import { mergePlan } from '../../src/merge/merge.js';
import { queueStep, waitingPlans } from '../../src/merge/queue.js';
import { oneChunkPlan } from '../daemon/daemon-process.js';
import { git, makeRepo, runCli, writeFiles } from '../support/repo.js';

/**
 * The merge queue's step on real repositories: done plans (their branches
 * committed here as the execution loop would leave them) merged with the
 * current main in a scratch worktree, the checks run on that merged tree,
 * main moved only when they pass.
 */

// Passes on each plan alone, fails when both plans' files are on one tree.
const NOT_BOTH = `node -e "const f=require('fs'); process.exit(f.existsSync('src/p1.js') && f.existsSync('src/p2.js') ? 1 : 0)"`;

function repo(checks: string[], plans: string[]): string {
  const root = makeRepo({
    'README.md': '# demo\n',
    '.gitignore': '.jidoka/\n',
    'jidoka.yaml': stringify({ checks: [{ run: checks[0], name: 'not both' }, ...checks.slice(1)] }),
    ...Object.fromEntries(plans.map((id) => [`plans/${id}.md`, oneChunkPlan(id, 'done', id)])),
  });
  return root;
}

/** A done plan: its branch with one commit writing `files`, its checkpoint done. */
async function donePlan(root: string, id: string, files: Record<string, string>): Promise<string> {
  const wt = await ensureWorktree(root, id, 'main');
  writeFiles(wt.path, files);
  git(wt.path, 'add', '-A');
  git(wt.path, 'commit', '-q', '-m', `jidoka(${id}): chunk 1/1`);
  writeJsonAtomic(join(root, '.jidoka/state/plans', `${id}.json`), {
    plan: id,
    status: 'done',
    branch: wt.branch,
    worktree: wt.path,
    baseSha: wt.baseSha,
    spend: { usd: 0, tokens: 0 },
    attempts: [],
    runIds: [],
  });
  return git(root, 'rev-parse', `jidoka/${id}`);
}

const mergesOnMain = (root: string, base: string) =>
  git(root, 'log', '--first-parent', '--format=%s', `${base}..main`).split('\n').filter(Boolean);

describe('the merge queue step', () => {
  it('two plans that pass alone but break the checks together: the first moves main once, the second fails and main stays', {
    timeout: 60_000,
  }, async () => {
    const root = repo([NOT_BOTH], ['p1', 'p2']);
    const config = loadConfig(root).config;
    const base = git(root, 'rev-parse', 'main');
    await donePlan(root, 'p1', { 'src/p1.js': 'module.exports = "p1";\n' });
    await donePlan(root, 'p2', { 'src/p2.js': 'module.exports = "p2";\n' });
    expect(await waitingPlans(root, config)).toEqual(['p1', 'p2']);

    const first = await queueStep({ root, config, planId: 'p1', by: 'test', move: true });
    expect(first.kind).toBe('merged');
    expect(mergesOnMain(root, base)).toEqual(['Merge jidoka/p1: Add module p1']);
    expect(git(root, 'status', '--porcelain')).toBe(''); // the user's checkout followed main
    const afterFirst = git(root, 'rev-parse', 'main');

    const second = await queueStep({ root, config, planId: 'p2', by: 'test', move: true });
    expect(second).toMatchObject({ kind: 'failed', main: 'main' });
    expect(second.kind === 'failed' && second.reason).toMatch(
      /the checks failed on jidoka\/p2 merged with main .*: not both/,
    );
    expect(git(root, 'rev-parse', 'main')).toBe(afterFirst);
    expect(readPlanState(root, 'p2')?.mergeCheck).toMatchObject({
      status: 'failed',
      mainSha: afterFirst,
      failedChecks: ['not both'],
    });
    expect(readPlanState(root, 'p1')?.mergeCheck).toMatchObject({ status: 'merged' });
    // p2 waits for main or its branch to move: the queue does not spin on it.
    expect(await waitingPlans(root, config)).toEqual([]);
    // main's own checks pass: it never moved to a tree whose checks failed.
    expect(runCheck(root, NOT_BOTH)).toBe(0);

    // A human's `jidoka merge` goes through the same step and says why.
    const cli = runCli(root, ['merge', 'p2']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(
      /the checks failed on jidoka\/p2 merged with main .*: not both; nothing was merged, main did not move/,
    );
    expect(git(root, 'rev-parse', 'main')).toBe(afterFirst);
  });

  it('two plans that conflict: the first merges, the second is a conflict naming the file, main stays', {
    timeout: 60_000,
  }, async () => {
    const root = repo(['node -e "process.exit(0)"'], ['p1', 'p2']);
    const config = loadConfig(root).config;
    await donePlan(root, 'p1', { 'src/shared.js': 'module.exports = 1;\n' });
    await donePlan(root, 'p2', { 'src/shared.js': 'module.exports = 2;\n' });
    expect((await queueStep({ root, config, planId: 'p1', by: 'test', move: true })).kind).toBe('merged');
    const main = git(root, 'rev-parse', 'main');
    const second = await queueStep({ root, config, planId: 'p2', by: 'test', move: true });
    expect(second).toMatchObject({ kind: 'conflict', files: ['src/shared.js'] });
    expect(git(root, 'rev-parse', 'main')).toBe(main);
    expect(readPlanState(root, 'p2')?.mergeCheck).toMatchObject({ status: 'conflict' });
    expect(git(root, 'worktree', 'list')).not.toMatch(/\.merge/); // the scratch worktree is gone
  });

  it('without moving main the plan becomes ready; the human merge runs the step again and moves main to that tree', {
    timeout: 60_000,
  }, async () => {
    const root = repo(['node -e "process.exit(0)"'], ['p1']);
    const config = loadConfig(root).config;
    const base = git(root, 'rev-parse', 'main');
    await donePlan(root, 'p1', { 'src/p1.js': 'module.exports = "p1";\n' });
    const ready = await queueStep({ root, config, planId: 'p1', by: 'jidoka', move: false });
    expect(ready.kind).toBe('ready');
    expect(git(root, 'rev-parse', 'main')).toBe(base);
    expect(readPlanState(root, 'p1')?.mergeCheck).toMatchObject({ status: 'ready', mainSha: base });
    expect(await waitingPlans(root, config)).toEqual([]);

    // main is not checked out anywhere: it moves by one compare-and-swap ref update.
    git(root, 'checkout', '-q', '-b', 'elsewhere');
    const merged = await mergePlan(root, { ...config, git: { mainBranch: 'main' } }, 'p1', 'Test User');
    expect(git(root, 'rev-parse', 'main')).toBe(merged.mergeCommit);
    expect(git(root, 'log', '-1', '--format=%B', 'main')).toMatch(/Approved-By: Test User/);
    expect(git(root, 'rev-parse', 'main^1')).toBe(base);
    expect(merged.worktreeRemoved).toBe(true);
    expect(readPlanState(root, 'p1')).toMatchObject({ mergeCommit: merged.mergeCommit });
  });
});

describe('the merge queue as status and review show it', () => {
  it('status (text and JSON) lists the waiting plan, the failures with their reason, the plan being merged; review says why and how to run it on the new main', {
    timeout: 90_000,
  }, async () => {
    const root = repo([NOT_BOTH], ['p1', 'p2', 'p3', 'p4']);
    const config = loadConfig(root).config;
    await donePlan(root, 'p1', { 'src/p1.js': 'module.exports = "p1";\n' });
    await donePlan(root, 'p2', { 'src/p2.js': 'module.exports = "p2";\n' });
    await donePlan(root, 'p3', { 'src/p1.js': 'module.exports = "not p1";\n' });
    await donePlan(root, 'p4', { 'src/p4.js': 'module.exports = "p4";\n' });
    expect((await queueStep({ root, config, planId: 'p1', by: 'test', move: true })).kind).toBe('merged');
    expect((await queueStep({ root, config, planId: 'p2', by: 'test', move: true })).kind).toBe('failed');
    expect((await queueStep({ root, config, planId: 'p3', by: 'test', move: true })).kind).toBe('conflict');
    const main = git(root, 'rev-parse', 'main');

    const json = runCli(root, ['status', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const q = JSON.parse(json.stdout).mergeQueue;
    expect(q).toMatchObject({
      merging: null,
      waiting: ['p4'],
      ready: [],
      failed: [
        { plan: 'p2', kind: 'failed', failedChecks: ['not both'], files: [], mainSha: main },
        { plan: 'p3', kind: 'conflict', files: ['src/p1.js'], failedChecks: [], mainSha: main },
      ],
    });
    expect(q.failed[0].reason).toMatch(/the checks failed on jidoka\/p2 merged with main/);
    const text = runCli(root, ['status']).stdout;
    expect(text).toContain('merge queue: nothing merging; waiting: p4');
    expect(text).toContain(`not merged: p2: failed on the merged tree: not both (main ${main.slice(0, 12)})`);
    expect(text).toContain(`not merged: p3: conflict in src/p1.js (main ${main.slice(0, 12)})`);

    // A queue step in progress is shown while its process lives; one left by a crash (dead pid) is not.
    const { startMerging } = await import('../../src/merge/merging-now.js');
    const done = startMerging(root, 'p4', 'main');
    expect(JSON.parse(runCli(root, ['status', '--json']).stdout).mergeQueue).toMatchObject({
      merging: { plan: 'p4', main: 'main' },
      waiting: [],
    });
    expect(runCli(root, ['status']).stdout).toMatch(/merge queue: merging p4 \(since .*\); waiting: none/);
    done();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeJsonAtomic(join(root, '.jidoka/state/merging.json'), {
      plan: 'p4',
      main: 'main',
      pid: dead,
      hostname: hostname(),
      startedAt: new Date().toISOString(),
      purpose: 'crashed',
    });
    expect(JSON.parse(runCli(root, ['status', '--json']).stdout).mergeQueue).toMatchObject({
      merging: null,
      waiting: ['p4'],
    });

    const failed = runCli(root, ['review', 'p2']);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stdout).toContain(
      `Merge queue: NOT MERGED, the checks failed on jidoka/p2 merged with main (main at ${main.slice(0, 12)}`,
    );
    expect(failed.stdout).toMatch(/: not both\.\nOutput of the failing checks on the merged tree:/);
    expect(failed.stdout).toContain('cd .jidoka/worktrees/p2 && git merge main');
    expect(JSON.parse(runCli(root, ['review', 'p2', '--json']).stdout).mergeCheck).toMatchObject({
      status: 'failed',
      failedChecks: ['not both'],
    });
    const conflict = runCli(root, ['review', 'p3']).stdout;
    expect(conflict).toContain('Merge queue: NOT MERGED, conflict with main');
    expect(conflict).toContain('in: src/p1.js.');
    expect(conflict).toContain('cd .jidoka/worktrees/p3 && git merge main, resolve those files and commit');
    expect(runCli(root, ['review', 'p1']).stdout).toMatch(/Merged into main: [0-9a-f]{12}/);
  });
});

function runCheck(root: string, command: string): number {
  const tmp = join(root, '.jidoka', 'tmp-check');
  git(root, 'worktree', 'add', '-q', '--detach', tmp, 'main');
  try {
    execSync(command, { cwd: tmp, stdio: 'ignore' });
    return 0;
  } catch (err) {
    return (err as { status?: number }).status ?? 1;
  } finally {
    git(root, 'worktree', 'remove', '--force', tmp);
  }
}
