import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportedTotal } from '../../andon/guards.js';
import { writeJsonAtomic } from '../../core/atomic-write.js';
import { jidokaPaths } from '../../core/paths.js';
import type { Category, CheckResult } from '../../core/types.js';
import type { AttemptOutcome, Denials } from './attempt.js';
import type { GoalResult } from './goal.js';

/**
 * The execution loop's checkpoint for one plan, `.jidoka/state/plans/<id>.json`,
 * written atomically after every step. It is what survives a crash or kill -9:
 * the chunk and attempt in progress, the step reached, the failures so far
 * (they feed the breakers, which count across restarts) and the spend.
 *
 * Every change of the state goes through one of the named transitions below,
 * so the loop reads as "what happened", and this file as "what that means".
 */

/** Where in an attempt (or the goal phase) the plan is: a resume starts the step again. */
export type Step = 'start' | 'maker' | 'checks' | 'guards' | 'checker' | 'commit' | 'goal';

export interface AttemptRecord {
  chunk: number;
  attempt: number;
  runId: string;
  /** The attempt outcome (agents/LANGUAGE.md); records written before 0.2 say `stopped` for `abnormal`. */
  outcome: AttemptOutcome['kind'] | 'stopped';
  /** A goal check's record (chunk `chunks + 1`; `accepted` when the goal was met), not a chunk's attempt. */
  goal?: true;
  reasons: string[];
  fingerprint?: string;
  costUsd: number;
  tokens: number;
  durationMs: number;
  checks: { name: string; passed: boolean; exitCode: number | null; durationMs: number }[];
  /** The checker's verdict (`approve`, `reject`), or the goal-checker's (`met`, `not met`) with its evidence. */
  verdict?: { decision: string; reasons: string[] };
  /** Tool uses each agent's CLI refused in this attempt (a finding the review shows and counts). */
  permissionDenials?: Denials;
  commit?: string;
  incident?: string;
  /** The failure's category (checks, agent, a breaker's), for incidents opened by a run of failures. */
  category?: Category;
  at: string;
}

/**
 * The merged result of a done plan with main at `mainSha`: `ready` (the
 * checks passed; `jidoka merge` moves main), `merged`, or why it failed
 * (`conflict`, `failed`: a check failed on the merged tree). A result for
 * another main or branch tip is stale: the queue checks the plan again.
 */
export interface MergeCheck {
  status: 'ready' | 'merged' | 'conflict' | 'failed';
  main: string;
  mainSha: string;
  branchSha: string;
  /** The merge commit whose tree passed (ready, merged). */
  commit?: string;
  reason?: string;
  /** The conflicted files (conflict). */
  files?: string[];
  failedChecks?: string[];
  output?: string;
  at: string;
}

export interface PlanState {
  plan: string;
  status: 'running' | 'done' | 'failed' | 'stopped';
  branch: string;
  worktree: string;
  /** The main-branch commit the plan started from. */
  baseSha: string;
  /** The chunk being worked on (1-based); chunks before it are committed. */
  chunk: number;
  /** The attempt in progress on that chunk (1-based), kept across restarts. */
  attempt: number;
  step: Step;
  /** The plan-branch commit the current chunk started from. */
  chunkStartSha: string;
  /** The goal phase: attempts made at the goal check. */
  goalAttempt: number;
  /** Failed attempts in a row on this plan, across chunks and restarts (Meta-Andon). */
  consecutiveFailures: number;
  /** The last failure, carried into the next attempt's prompt. */
  lastFailure?: { reasons: string[]; output: string };
  /** Digest of the dependency manifests when `worktree.setup` last passed; a different one runs it again. */
  setupDigest?: string;
  /** Test count of the last accepted state, for the spec-drift count check. */
  testTotal?: number;
  spend: { usd: number; tokens: number };
  /** Process group of the agent running now; a resume kills it if a crash left it behind. */
  activePid?: number | undefined;
  /** Tree the checker approved, so a crash between approval and commit can commit without re-running agents. */
  approvedTree?: string | undefined;
  mergedAt?: string;
  mergeCommit?: string;
  /** The merge queue's last step for this done plan: its branch merged with main and checked (src/merge/queue.ts). */
  mergeCheck?: MergeCheck;
  attempts: AttemptRecord[];
  runIds: string[];
  updatedAt: string;
}

function file(root: string, planId: string): string {
  return join(jidokaPaths(root).plansState, `${planId}.json`);
}

export function readPlanState(root: string, planId: string): PlanState | undefined {
  const f = file(root, planId);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as PlanState;
}

export function writePlanState(root: string, state: PlanState): void {
  state.updatedAt = new Date().toISOString();
  writeJsonAtomic(file(root, state.plan), state);
}

/** A plan's first run: chunk 1, attempt 1, starting from the worktree's HEAD. */
export function newPlanState(
  planId: string,
  worktree: { path: string; branch: string; baseSha: string },
  head: string,
): PlanState {
  return {
    plan: planId,
    status: 'running',
    branch: worktree.branch,
    worktree: worktree.path,
    baseSha: worktree.baseSha,
    chunk: 1,
    attempt: 1,
    step: 'start',
    chunkStartSha: head,
    goalAttempt: 0,
    consecutiveFailures: 0,
    spend: { usd: 0, tokens: 0 },
    attempts: [],
    runIds: [],
    updatedAt: '',
  };
}

/** A human runs a failed or stopped plan again: fresh attempts at the same chunk. */
export function restartByHuman(state: PlanState): void {
  state.status = 'running';
  state.attempt = 1;
  state.consecutiveFailures = 0;
  state.step = 'start';
}

/** The chunk checks' test count at the plan's base: the first chunk is compared with it. */
export function setBaseline(state: PlanState, total: number): void {
  state.testTotal ??= total;
}

/** Worktree setup passed for these dependency manifests. */
export function setupPassed(state: PlanState, digest: string): void {
  state.setupDigest = digest;
}

export function enterStep(state: PlanState, step: Step): void {
  state.step = step;
}

export function addSpend(state: PlanState, spent: { costUsd: number; tokens: number }): void {
  state.spend.usd += spent.costUsd;
  state.spend.tokens += spent.tokens;
}

/** The checker approved: remember the tree, so a crash before the commit commits it without agents. */
export function approveTree(state: PlanState, tree: string, checks: CheckResult[]): void {
  state.step = 'commit';
  state.approvedTree = tree;
  const total = reportedTotal(checks);
  if (total !== undefined) state.testTotal = total;
}

/** The chunk is committed at `sha`: the next chunk starts there, with a clean slate. */
export function advanceChunk(state: PlanState, sha: string): void {
  state.chunk++;
  state.attempt = 1;
  state.step = 'start';
  state.chunkStartSha = sha;
  state.approvedTree = undefined;
  state.lastFailure = undefined;
  state.consecutiveFailures = 0;
}

/** An attempt failed, was rejected or blocked: the next attempt gets its reasons. */
export function failAttempt(state: PlanState, failure: { reasons: string[]; output: string }): void {
  state.lastFailure = failure;
  state.consecutiveFailures++;
  state.attempt++;
  state.step = 'start';
}

/** The line stopped on this plan: the attempt is used up, and a resume starts the next one. */
export function stopAttempt(state: PlanState, incidentId: string, runId: string): void {
  const last = state.attempts[state.attempts.length - 1];
  if (last && last.runId === runId && !last.incident) last.incident = incidentId;
  state.attempt++;
  state.step = 'start';
}

/** The goal was met: the goal-checker's verdict, its evidence and its spend, for the review. */
export function metGoal(state: PlanState, chunks: number, runId: string, goal: GoalResult, ms: number): void {
  state.attempts.push(goalAttempt(state.goalAttempt + 1, chunks, runId, goal, ms));
}

/** The goal was not met: one goal attempt used, one more failure in a row. */
export function missGoal(
  state: PlanState,
  chunks: number,
  runId: string,
  goal: GoalResult,
  ms: number,
): void {
  state.goalAttempt++;
  state.consecutiveFailures++;
  state.attempts.push(goalAttempt(state.goalAttempt, chunks, runId, goal, ms));
}

/** The record of one goal check: it counts as the attempt `chunks + 1`, as the review reads it. */
function goalAttempt(
  attempt: number,
  chunks: number,
  runId: string,
  goal: GoalResult,
  durationMs: number,
): AttemptRecord {
  return {
    chunk: chunks + 1,
    attempt,
    runId,
    goal: true,
    outcome: goal.met ? 'accepted' : 'failed',
    reasons: goal.reasons,
    costUsd: goal.costUsd,
    tokens: goal.tokens,
    durationMs,
    checks: goal.checks.map(checkFacts),
    ...(goal.verdict
      ? { verdict: { decision: goal.verdict.met ? 'met' : 'not met', reasons: goal.verdict.evidence } }
      : {}),
    ...(goal.permissionDenials ? { permissionDenials: { goal: goal.permissionDenials } } : {}),
    at: new Date().toISOString(),
  };
}

/** After a missed goal the maker fixes forward on the last chunk, from HEAD, with the goal-checker's evidence. */
export function reopenLastChunk(
  state: PlanState,
  chunks: number,
  head: string,
  failure: { reasons: string[]; output: string },
): void {
  state.chunk = chunks;
  state.attempt = state.attempts.filter((a) => a.chunk === chunks).length + 1;
  state.chunkStartSha = head;
  state.lastFailure = failure;
  state.step = 'start';
}

export function finishState(state: PlanState, status: 'done' | 'failed' | 'stopped'): void {
  state.status = status;
  if (status === 'done') state.consecutiveFailures = 0;
}

/** The record of one attempt, as `jidoka review` and the breakers read it. */
export function recordAttempt(state: PlanState, runId: string, o: AttemptOutcome, durationMs: number): void {
  const checks: CheckResult[] = 'checks' in o ? o.checks : [];
  const category = failureCategory(o);
  state.attempts.push({
    chunk: state.chunk,
    attempt: state.attempt,
    runId,
    outcome: o.kind,
    reasons: attemptReasons(o),
    ...('fingerprint' in o && o.fingerprint ? { fingerprint: o.fingerprint } : {}),
    costUsd: o.costUsd,
    tokens: o.tokens,
    durationMs,
    checks: checks.map(checkFacts),
    ...(o.kind === 'accepted'
      ? { verdict: { decision: 'approve', reasons: o.verdictReasons } }
      : o.kind === 'rejected'
        ? { verdict: { decision: 'reject', reasons: o.reasons } }
        : {}),
    ...(o.permissionDenials ? { permissionDenials: o.permissionDenials } : {}),
    ...(category ? { category } : {}),
    at: new Date().toISOString(),
  });
}

/** What the record keeps of a check: the output stays in the run's step folder. */
function checkFacts(c: CheckResult): AttemptRecord['checks'][number] {
  return { name: c.name, passed: c.passed, exitCode: c.exitCode, durationMs: c.durationMs };
}

function attemptReasons(o: AttemptOutcome): string[] {
  switch (o.kind) {
    case 'accepted':
      return o.verdictReasons;
    case 'interrupted':
      return [];
    case 'abnormal':
      return o.findings.map((f) => f.message);
    default:
      return o.reasons;
  }
}

/** What kind of failure an attempt was, for the incident a run of failures opens (undefined: a checker's rejection). */
function failureCategory(o: AttemptOutcome): Category | undefined {
  if (o.kind === 'blocked' || o.kind === 'abnormal') return o.findings[0]?.category;
  if (o.kind !== 'failed') return undefined;
  const failing = o.checks.filter((c) => !c.passed);
  if (!failing.length) return 'agent_error';
  return failing.some((c) => (c.tests?.failed ?? 0) > 0 || c.tests?.failing.length)
    ? 'test_fail'
    : 'build_fail';
}
