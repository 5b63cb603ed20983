import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fillWhys, resolve } from '../breakers/harness.js';
import { approve, met, modulePlan, setupLine, write } from '../support/line.js';
import { git, runCli, writeFiles } from '../support/repo.js';
import {
  type DaemonProcess,
  killDaemon,
  planState,
  planStatus,
  spawnDaemon,
  waitFor,
} from './daemon-process.js';

/**
 * Plans in parallel under one daemon (`limits.maxParallelPlans`), with
 * scripted agents whose steps name their plan ({plan}) so one script serves
 * every plan: overlap proven from the recorded step times, the merge queue
 * taking done plans to main one at a time, one line for all plans, and a
 * crash with three plans mid-flight and one in the merge queue.
 */

let daemons: DaemonProcess[] = [];
afterEach(async () => {
  for (const d of daemons) await killDaemon(d);
  daemons = [];
});

const MAKE = write('src/{plan}-{chunk}.js', 'module.exports = "{plan}";\n');

function line(
  ids: string[],
  opts: {
    maker: unknown[];
    checks?: string[];
    chunks?: Record<string, number>;
    limits?: Record<string, unknown>;
  },
) {
  const l = setupLine({
    script: { maker: [opts.maker], checker: [[approve()]], goal: [[met()]] },
    plan: modulePlan(ids[0]!, opts.chunks?.[ids[0]!]),
    planId: ids[0]!,
    limits: { maxParallelPlans: ids.length, ...(opts.limits ?? {}) },
    extraConfig: { merge: { mode: 'auto' }, daemon: { gracePeriod: '60s' } },
    ...(opts.checks ? { checks: opts.checks } : {}),
  });
  writeFiles(
    l.root,
    Object.fromEntries(ids.slice(1).map((id) => [`plans/${id}.md`, modulePlan(id, opts.chunks?.[id])])),
  );
  git(l.root, 'add', '-A');
  git(l.root, 'commit', '-q', '-m', 'more plans');
  return l;
}

function approveAll(root: string, ids: string[]): void {
  for (const id of ids) {
    const r = runCli(root, ['plan', 'approve', id]);
    expect(r.code, r.stderr).toBe(0);
  }
}

interface Step {
  name: string;
  startedAt: string;
  durationMs: number;
}

/** Every recorded step of the plan's runs, as [start, end] ms. */
function steps(root: string, id: string, name: string): [number, number][] {
  const runs = join(root, '.jidoka/runs');
  return readdirSync(runs)
    .filter((d) => d.includes(`-${id}-`) && existsSync(join(runs, d, 'run.json')))
    .flatMap((d) => (JSON.parse(readFileSync(join(runs, d, 'run.json'), 'utf8')) as { steps: Step[] }).steps)
    .filter((s) => s.name === name)
    .map((s) => [Date.parse(s.startedAt), Date.parse(s.startedAt) + s.durationMs]);
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];
const firstParent = (root: string, base: string) =>
  git(root, 'log', '--first-parent', '--format=%s', `${base}..main`).split('\n').filter(Boolean);

describe('parallel plans and the merge queue (daemon)', () => {
  it('three plans run at once (their maker steps overlap in time) and all reach main, one merge each', {
    timeout: 240_000,
  }, async () => {
    const ids = ['p1', 'p2', 'p3'];
    const { root } = line(ids, { maker: [{ sleep: 2000 }, MAKE] });
    const base = git(root, 'rev-parse', 'main');
    approveAll(root, ids);
    const d = spawnDaemon(root);
    daemons.push(d);
    await waitFor(
      () => ids.every((id) => typeof planState(root, id)?.mergedAt === 'string'),
      200_000,
      'all three plans to be merged',
      d.stderr,
    );
    const makers = ids.map((id) => steps(root, id, 'maker')[0]!);
    expect(overlaps(makers[0]!, makers[1]!), JSON.stringify(makers)).toBe(true);
    expect(overlaps(makers[1]!, makers[2]!), JSON.stringify(makers)).toBe(true);
    expect(overlaps(makers[0]!, makers[2]!), JSON.stringify(makers)).toBe(true);
    expect(firstParent(root, base).sort()).toEqual(ids.map((id) => `Merge jidoka/${id}: Plan ${id}`));
    for (const id of ids) expect(readFileSync(join(root, `src/${id}-1.js`), 'utf8')).toContain(id);
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('two plans that each pass alone but break the checks together: exactly one reaches main, the other says why', {
    timeout: 240_000,
  }, async () => {
    // The file names are built, not written out: a check naming a file the maker writes is gate tampering.
    const notBoth = `node -e "const f=require('fs'); process.exit(['p1','p2'].every((p) => f.existsSync('src/' + p + '-1.js')) ? 1 : 0)"`;
    const ids = ['p1', 'p2'];
    const { root } = line(ids, { maker: [{ sleep: 1000 }, MAKE], checks: [notBoth] });
    const base = git(root, 'rev-parse', 'main');
    approveAll(root, ids);
    const d = spawnDaemon(root);
    daemons.push(d);
    const refused = await d.waitForLog(/^daemon: plan p\d was not merged: /, 200_000);
    expect(refused).toMatch(/the checks failed on jidoka\/p\d merged with main .*; main did not move/);
    const merged = ids.filter((id) => planState(root, id)?.mergedAt);
    expect(merged).toHaveLength(1);
    const other = ids.find((id) => id !== merged[0])!;
    expect(planState(root, other)?.mergeCheck).toMatchObject({ status: 'failed', failedChecks: [notBoth] });
    expect(planStatus(root, other)).toBe('done');
    expect(firstParent(root, base)).toEqual([`Merge jidoka/${merged[0]}: Plan ${merged[0]}`]);
    expect(existsSync(join(root, `src/${other}-1.js`))).toBe(false);
    // main's checks pass on main as it is now (the root checkout follows main).
    expect(spawnSync('sh', ['-c', notBoth], { cwd: root }).status).toBe(0);
    // The other says why: in its status, and in its review.
    await waitFor(
      () => !existsSync(join(root, '.jidoka/state/merging.json')),
      60_000,
      'the queue step to end',
      d.stderr,
    );
    const status = runCli(root, ['status', '--json']);
    expect(JSON.parse(status.stdout).mergeQueue.failed).toMatchObject([
      { plan: other, kind: 'failed', failedChecks: [notBoth] },
    ]);
    expect(runCli(root, ['review', other]).stdout).toContain(
      `Merge queue: NOT MERGED, the checks failed on jidoka/${other} merged with main`,
    );
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('a red line from plan p1 pauses plans p2 and p3 at their next step boundary; andon resolve resumes both to done', {
    timeout: 240_000,
  }, async () => {
    // p1's checks always fail (twice the same way: the line stops); p2's and p3's makers take 8 s a chunk.
    const ids = ['p1', 'p2', 'p3'];
    const others = ['p2', 'p3'];
    const { root } = line(ids, {
      maker: [{ sh: 'sleep $([ "{plan}" = p1 ] && echo 1 || echo 8)' }, MAKE],
      checks: [`node -e "process.exit(require('fs').existsSync('src/' + 'p1' + '-1.js') ? 1 : 0)"`],
      chunks: { p2: 2, p3: 2 },
      limits: { repeatFailure: 2 },
    });
    const base = git(root, 'rev-parse', 'main');
    approveAll(root, ids);
    const d = spawnDaemon(root);
    daemons.push(d);
    const red = await d.waitForLog(/^daemon: plan p1: the line is stopped: /, 200_000);
    expect(red).toMatch(/the same failure happened 2 times/);
    const stopped = JSON.parse(readFileSync(join(root, '.jidoka/state/line.json'), 'utf8')) as {
      state: string;
      since: string;
      incident: string;
    };
    expect(stopped.state).toBe('stopped');
    const since = Date.parse(stopped.since);
    for (const id of others) {
      const paused = await d.waitForLog(new RegExp(`^daemon: plan ${id}: `), 200_000);
      expect(paused).toMatch(/stopped between steps|stopped before the goal check/);
      expect(planStatus(root, id)).toBe('active');
      expect(planState(root, id)?.status).toBe('running');
      // Nothing of the plan was dispatched after the line stopped.
      expect(steps(root, id, 'maker').every(([start]) => start < since)).toBe(true);
    }

    fillWhys(root, stopped.incident);
    const resolved = resolve(root, stopped.incident, [], 'L1');
    expect(resolved.code, resolved.stderr).toBe(0);
    for (const id of others) await d.waitForLog(new RegExp(`^daemon: resume plan ${id}$`), 60_000);
    await waitFor(
      () => others.every((id) => planStatus(root, id) === 'done'),
      200_000,
      'p2 and p3 to finish after the resolve',
      d.stderr,
    );
    for (const id of others)
      expect(git(root, 'log', '--no-merges', '--format=%s', `${base}..jidoka/${id}`).split('\n')).toEqual([
        `jidoka(${id}): chunk 2/2: Module 2`,
        `jidoka(${id}): chunk 1/2: Module 1`,
      ]);
    expect(planState(root, 'p1')?.status).toBe('stopped');
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('kill -9 with three plans mid-step and one in the merge queue: every plan resumes at its checkpoint, the queue resumes, main never mid-merge', {
    timeout: 240_000,
  }, async () => {
    const flying = ['p1', 'p2', 'p3'];
    const ids = [...flying, 'p4'];
    // p1-p3's makers wait for a file the test writes only after the crash; p4 finishes and enters the
    // merge queue, whose checks (run in the scratch worktree .jidoka/worktrees/.merge/p4) wait for another.
    const holdMerge = `node -e "const p=require('path'), f=require('fs'); if (!process.cwd().includes(p.sep + '.merge' + p.sep)) process.exit(0); const go=p.resolve('../../../go-merge'); setInterval(() => f.existsSync(go) && process.exit(0), 200)"`;
    const { root, scriptFile } = line(ids, {
      maker: [{ sh: '[ "{plan}" = p4 ] || while [ ! -f "{scriptDir}/go" ]; do sleep 0.2; done' }, MAKE],
      checks: [holdMerge],
    });
    const base = git(root, 'rev-parse', 'main');
    approveAll(root, ids);
    const first = spawnDaemon(root);
    daemons.push(first);
    const merging = join(root, '.jidoka/state/merging.json');
    await waitFor(
      () =>
        flying.every(
          (id) => planState(root, id)?.step === 'maker' && typeof planState(root, id)?.activePid === 'number',
        ) &&
        existsSync(merging) &&
        JSON.parse(readFileSync(merging, 'utf8')).plan === 'p4' &&
        existsSync(join(root, '.jidoka/runs')) &&
        readdirSync(join(root, '.jidoka/runs')).some((d) => d.includes('-merge-p4-')),
      200_000,
      'three makers running and p4 in the merge queue',
      first.stderr,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    for (const id of flying) {
      expect(planStatus(root, id)).toBe('active');
      expect(planState(root, id)).toMatchObject({ status: 'running', chunk: 1, attempt: 1, step: 'maker' });
    }
    // Main was never left mid-merge: where it was, the user's checkout clean, no merge in progress there.
    expect(planStatus(root, 'p4')).toBe('done');
    expect(planState(root, 'p4')?.mergedAt).toBeUndefined();
    expect(planState(root, 'p4')?.mergeCheck).toBeUndefined();
    expect(git(root, 'rev-parse', 'main')).toBe(base);
    // (the plan files' status lines are the line's own edits)
    expect(
      git(root, 'status', '--porcelain')
        .split('\n')
        .filter((l) => l && !/^ ?M plans\/p\d\.md$/.test(l)),
    ).toEqual([]);
    expect(existsSync(join(root, '.git/MERGE_HEAD'))).toBe(false);
    // The queue step's record names a dead process: status does not show it as merging, p4 waits again.
    expect(JSON.parse(runCli(root, ['status', '--json']).stdout).mergeQueue).toMatchObject({
      merging: null,
      waiting: ['p4'],
    });

    writeFileSync(join(dirname(scriptFile), 'go'), '');
    writeFileSync(join(root, '.jidoka/go-merge'), '');
    const second = spawnDaemon(root);
    daemons.push(second);
    await waitFor(
      () => ids.every((id) => typeof planState(root, id)?.mergedAt === 'string'),
      200_000,
      'every plan resumed, done and merged',
      second.stderr,
    );
    expect(
      second
        .messages()
        .filter((m) => /^daemon: resume plan p\d$/.test(m))
        .sort(),
    ).toEqual(flying.map((id) => `daemon: resume plan ${id}`));
    for (const id of flying) {
      const attempts = planState(root, id)!.attempts as { chunk: number; attempt: number; outcome: string }[];
      // The crash did not use up an attempt: the resumed one is still attempt 1 (then the met goal's record).
      expect(attempts.map((a) => [a.chunk, a.attempt, a.outcome])).toEqual([
        [1, 1, 'accepted'],
        [2, 1, 'accepted'],
      ]);
    }
    expect(planState(root, 'p4')?.mergeCheck).toMatchObject({ status: 'merged' });
    expect(firstParent(root, base).sort()).toEqual(ids.map((id) => `Merge jidoka/${id}: Plan ${id}`));
    // Every step of main is one merge commit of main and a plan branch.
    for (const sha of git(root, 'rev-list', '--first-parent', `${base}..main`).split('\n'))
      expect(git(root, 'rev-list', '--parents', '-n', '1', sha).split(' ')).toHaveLength(3);
    expect(git(root, 'worktree', 'list')).not.toMatch(/\.merge/);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
