import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { parseFrontmatter } from '../../src/core/frontmatter.js';
import { recordApproval } from '../../src/plans/approval.js';
import { planFile, setPlanStatus } from '../../src/plans/store.js';
import { fillWhysText } from '../andon/helpers.js';
import { type LineSetup, setupLine } from '../support/line.js';
import { spawnedPid } from '../support/process.js';
import { type CliResult, git, runCli } from '../support/repo.js';

/**
 * What every breaker test needs: a line with scripted agents, a run through
 * the real `jidoka run`, and the assertions the Andon acceptance criterion
 * names (line state, incident page and category, work under refs/andon/<id>,
 * main untouched, no agent process left).
 */

/** A one-chunk plan (fast), scoped to src/ and tests/ unless told otherwise. */
export function onePlan(id: string, opts: { scope?: string[]; status?: string; goalCheck?: string } = {}) {
  const scope = opts.scope ?? ['src/**', 'tests/**'];
  return `---
id: ${id}
title: Add module a
status: ${opts.status ?? 'proposed'}
risk: low
skill: tdd
scope:
${scope.map((s) => `  - ${s}`).join('\n')}
goal:
  statement: module a exists
  checks:
    - ${opts.goalCheck ?? `node -e "require('./src/a.js')"`}
created: 2026-11-21
---
## Context

A one-chunk plan for breaker tests.

## Chunk 1: Module a

Create src/a.js exporting "a".
`;
}

export interface Line {
  root: string;
  planId: string;
  scriptFile: string;
  /** main's sha after setup, before any run. */
  mainBefore: string;
  /** Where SPAWN_CHILD writes its pid. */
  pidFile: string;
}

/**
 * A line with one plan (approved) plus a second approved plan `other`, which
 * every red stop must refuse to start. Agents default to maker, checker and
 * goal only, so no diagnose agent is called unless a test asks for one.
 */
export function line(setup: Partial<LineSetup> & { script: LineSetup['script'] }): Line {
  const planId = setup.planId ?? 'p1';
  const { root, scriptFile } = setupLine({
    roles: ['maker', 'checker', 'goal'],
    plan: onePlan(planId),
    ...setup,
    planId,
    files: { 'plans/other.md': onePlan('other', { status: 'approved' }), ...(setup.files ?? {}) },
  });
  // Approved in-process (what `jidoka plan approve` records), to spare a CLI start per test.
  const file = planFile(root, planId);
  setPlanStatus(file, 'approved');
  recordApproval(root, planId, file, 'Test User <test@example.invalid>');
  return {
    root,
    planId,
    scriptFile,
    mainBefore: git(root, 'rev-parse', 'main'),
    pidFile: join(dirname(scriptFile), 'child.pid'),
  };
}

/**
 * A human approving the plan again, now: what `jidoka plan approve` records,
 * including the git configuration and hooks as they are (src/git/pin.ts).
 */
export function approveAgain(l: { root: string; planId: string }): void {
  recordApproval(l.root, l.planId, planFile(l.root, l.planId), 'Test User <test@example.invalid>');
}

export interface RunOutcome extends CliResult {
  json: { status: string; message: string; incident?: string; commits?: string[] };
}

export function run(root: string, planId: string): RunOutcome {
  const r = runCli(root, ['run', planId, '--json']);
  let json: RunOutcome['json'];
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`jidoka run ${planId} printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, json };
}

export function status(root: string): {
  andon: {
    line: { state: string; incident?: string; category?: string; yellow?: { reason: string } };
    openIncidents: { id: string; category: string }[];
  };
  spend: { plans: { plan: string; usd: number; tokens: number }[] };
} {
  const r = runCli(root, ['status', '--json']);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`jidoka status --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

export function frontmatterOf(file: string): Record<string, unknown> {
  return parseFrontmatter(readFileSync(file, 'utf8')).data as Record<string, unknown>;
}

export function incidentFile(root: string, id: string): string {
  return join(root, 'wiki', '90_LOG', 'incidents', `${id}.md`);
}

/**
 * A red stop as the acceptance criterion states it: the run says stopped
 * (or failed), the line is stopped on this incident, the A3 page exists with
 * the category, the work is under refs/andon/<id>, main did not move, and
 * another approved plan is refused naming the incident. Returns the id.
 */
export function expectRedStop(
  l: Line,
  r: RunOutcome,
  want: { category: string; detector?: string; outcome?: 'stopped' | 'failed'; mainMoved?: boolean },
): string {
  expect(r.code, r.stderr + r.stdout).toBe(1);
  expect(r.json.status).toBe(want.outcome ?? 'stopped');
  const id = r.json.incident!;
  expect(id, r.json.message).toMatch(/^INC-/);
  const s = status(l.root);
  expect(s.andon.line).toMatchObject({ state: 'stopped', incident: id });
  const file = incidentFile(l.root, id);
  expect(existsSync(file), file).toBe(true);
  const fm = frontmatterOf(file);
  expect(fm).toMatchObject({
    id,
    severity: 'red',
    category: want.category,
    preserved_ref: `refs/andon/${id}`,
  });
  if (want.detector) expect(fm.detector).toBe(want.detector);
  expect(git(l.root, 'for-each-ref', '--format=%(refname)', `refs/andon/${id}`)).toBe(`refs/andon/${id}`);
  if (!want.mainMoved) expect(git(l.root, 'rev-parse', 'main')).toBe(l.mainBefore);
  const other = runCli(l.root, ['run', 'other']);
  expect(other.code).toBe(1);
  expect(other.stderr).toContain(`the line is stopped by incident ${id}`);
  return id;
}

/** The plan finished: done, line not stopped, main untouched, the chunk committed on the plan branch. */
export function expectDone(l: Line, r: RunOutcome): void {
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.json.status).toBe('done');
  expect(status(l.root).andon.line.state).toBe('running');
  expect(git(l.root, 'rev-parse', 'main')).toBe(l.mainBefore);
  expect(git(l.root, 'rev-list', '--count', `main..jidoka/${l.planId}`)).not.toBe('0');
}

/** `git show <ref>:<path>`, or undefined when the path is not in that tree. */
export function showAt(root: string, ref: string, path: string): string | undefined {
  try {
    return git(root, 'show', `${ref}:${path}`);
  } catch {
    return undefined;
  }
}

/** The worktree of the plan. */
export function worktree(l: Line): string {
  return join(l.root, '.jidoka', 'worktrees', l.planId);
}

/** The pid the maker's spawned child wrote, asserting it was written. */
/** The child's host pid, undefined once no process carries its tag (see spawnedPid). */
export function childPid(l: Line): number | undefined {
  expect(existsSync(l.pidFile), 'the maker spawned a child and wrote its pid').toBe(true);
  return spawnedPid(l.pidFile);
}

/**
 * A child that would outlive the maker (same process group). Its pid goes to
 * the fake agent's own folder (writable from the sandbox): outside the
 * worktree, so it is not part of the diff, and per repository.
 */
export const SPAWN_CHILD = { spawnChild: true, pidFile: '{scriptDir}/child.pid' };

/** Fill the Five Whys as a person would, so the incident can be resolved. */
export function fillWhys(root: string, id: string): void {
  const file = incidentFile(root, id);
  writeFileSync(file, fillWhysText(readFileSync(file, 'utf8')));
}

export function resolve(root: string, id: string, extra: string[] = [], level = 'L2'): CliResult {
  return runCli(root, [
    'andon',
    'resolve',
    id,
    '--root-cause',
    'The maker was not told which files the chunk may touch.',
    '--countermeasure',
    'State the scope in the chunk text and check it before finishing.',
    '--level',
    level,
    ...extra,
  ]);
}

/** Fake-agent call counts per role. */
export function calls(l: Line): Record<string, number> {
  const f = `${l.scriptFile}.calls.json`;
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : {};
}

export { alive } from '../support/process.js';
