import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fillWhys, resolve } from '../breakers/harness.js';
import { approve, met, setupLine, write } from '../support/line.js';
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
 * crash with two plans mid-flight.
 */

let daemons: DaemonProcess[] = [];
afterEach(async () => {
  for (const d of daemons) await killDaemon(d);
  daemons = [];
});

/** A plan of `chunks` chunks; chunk N writes src/<id>-N.js, the goal loads them all. */
function plan(id: string, chunks = 1): string {
  const files = Array.from({ length: chunks }, (_, i) => `src/${id}-${i + 1}.js`);
  return `---
id: ${id}
title: Plan ${id}
status: proposed
risk: low
skill: tdd
scope:
  - src/**
goal:
  statement: the modules of ${id} exist
  checks:
    - node -e "${files.map((f) => `require('./${f}')`).join('; ')}"
created: 2026-11-21
---
## Context

A plan for the parallel tests.

${files.map((f, i) => `## Chunk ${i + 1}: Module ${i + 1}\n\nCreate ${f}.\n`).join('\n')}`;
}

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
    plan: plan(ids[0]!, opts.chunks?.[ids[0]!]),
    planId: ids[0]!,
    limits: { maxParallelPlans: ids.length, ...(opts.limits ?? {}) },
    extraConfig: { merge: { mode: 'auto' }, daemon: { gracePeriod: '60s' } },
    ...(opts.checks ? { checks: opts.checks } : {}),
  });
  writeFiles(
    l.root,
    Object.fromEntries(ids.slice(1).map((id) => [`plans/${id}.md`, plan(id, opts.chunks?.[id])])),
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
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('a red line from plan p1 pauses plan p2 at its next step boundary; andon resolve resumes p2 to done', {
    timeout: 240_000,
  }, async () => {
    // p1's checks always fail (twice the same way: the line stops); p2's maker takes 8 s a chunk.
    const ids = ['p1', 'p2'];
    const { root } = line(ids, {
      maker: [{ sh: 'sleep $([ "{plan}" = p2 ] && echo 8 || echo 1)' }, MAKE],
      checks: [`node -e "process.exit(require('fs').existsSync('src/' + 'p1' + '-1.js') ? 1 : 0)"`],
      chunks: { p2: 2 },
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
    const paused = await d.waitForLog(/^daemon: plan p2: /, 200_000);
    expect(paused).toMatch(/stopped between steps|stopped before the goal check/);
    expect(planStatus(root, 'p2')).toBe('active');
    expect(planState(root, 'p2')?.status).toBe('running');
    // Nothing of p2 was dispatched after the line stopped.
    const since = Date.parse(stopped.since);
    expect(steps(root, 'p2', 'maker').every(([start]) => start < since)).toBe(true);

    fillWhys(root, stopped.incident);
    const resolved = resolve(root, stopped.incident, [], 'L1');
    expect(resolved.code, resolved.stderr).toBe(0);
    await d.waitForLog(/^daemon: resume plan p2$/, 60_000);
    await waitFor(
      () => planStatus(root, 'p2') === 'done',
      200_000,
      'p2 to finish after the resolve',
      d.stderr,
    );
    expect(git(root, 'log', '--no-merges', '--format=%s', `${base}..jidoka/p2`).split('\n')).toEqual([
      'jidoka(p2): chunk 2/2: Module 2',
      'jidoka(p2): chunk 1/2: Module 1',
    ]);
    expect(planState(root, 'p1')?.status).toBe('stopped');
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
  });

  it('kill -9 with two plans mid-step: the next daemon resumes both at their checkpoints and merges both', {
    timeout: 240_000,
  }, async () => {
    const ids = ['p1', 'p2'];
    // The makers wait for a file the test writes only after the crash.
    const { root, scriptFile } = line(ids, {
      maker: [{ sh: 'while [ ! -f "{scriptDir}/go" ]; do sleep 0.2; done' }, MAKE],
    });
    const base = git(root, 'rev-parse', 'main');
    approveAll(root, ids);
    const first = spawnDaemon(root);
    daemons.push(first);
    await waitFor(
      () =>
        ids.every(
          (id) => planState(root, id)?.step === 'maker' && typeof planState(root, id)?.activePid === 'number',
        ),
      200_000,
      'both makers to be running',
      first.stderr,
    );
    first.child.kill('SIGKILL');
    await first.exited;
    for (const id of ids) {
      expect(planStatus(root, id)).toBe('active');
      expect(planState(root, id)).toMatchObject({ status: 'running', chunk: 1, attempt: 1, step: 'maker' });
    }
    writeFileSync(join(dirname(scriptFile), 'go'), '');
    const second = spawnDaemon(root);
    daemons.push(second);
    await second.waitForLog(/^daemon: resume plan p\d$/, 60_000);
    await waitFor(
      () => ids.every((id) => typeof planState(root, id)?.mergedAt === 'string'),
      200_000,
      'both plans to be resumed, done and merged',
      second.stderr,
    );
    expect(
      second
        .messages()
        .filter((m) => /^daemon: resume plan p\d$/.test(m))
        .sort(),
    ).toEqual(['daemon: resume plan p1', 'daemon: resume plan p2']);
    for (const id of ids) {
      const attempts = planState(root, id)!.attempts as { chunk: number; attempt: number; outcome: string }[];
      // The crash did not use up an attempt: the resumed one is still attempt 1 (then the met goal's record).
      expect(attempts.map((a) => [a.chunk, a.attempt, a.outcome])).toEqual([
        [1, 1, 'accepted'],
        [2, 1, 'accepted'],
      ]);
    }
    expect(firstParent(root, base).sort()).toEqual(ids.map((id) => `Merge jidoka/${id}: Plan ${id}`));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
