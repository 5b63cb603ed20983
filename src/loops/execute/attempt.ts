import type { Logger } from 'pino';
import { type AgentResult, spendOf } from '../../agents/run-agent.js';
import { noProgress, stepTimeout } from '../../andon/breakers.js';
import { failureFingerprint } from '../../andon/fingerprint.js';
import { clearYellow, raiseYellow } from '../../andon/line.js';
import type { Config } from '../../config/schema.js';
import { clipEnd, clipStart } from '../../core/text.js';
import type { CheckResult, FileChange, Finding } from '../../core/types.js';
import { diffStat, diffWorktree } from '../../git/diff.js';
import type { Chunk, Plan } from '../../plans/types.js';
import { type CheckSpec, failingOutput, runChecks } from '../checks.js';
import { type RunRecord, recordStep, stepDir } from '../run-record.js';
import { runChecker } from './checker.js';
import {
  type Candidate,
  changedSinceFreeze,
  freezeCandidate,
  type Guarded,
  guardAttempt,
  treeChanged,
} from './guard-step.js';
import { runHeldOut } from './held-out.js';
import { type MakerStep, runMaker } from './maker.js';
import { outsideChanged, outsideSnapshot, stepScope } from './outside-check.js';
import type { PlanState, Step } from './plan-state.js';
import { refsBefore, refsMoved } from './refs-check.js';

/** What one attempt needs from the loop; the attempt changes nothing but the checkpointed step. */
export interface AttemptContext {
  root: string;
  config: Config;
  plan: Plan;
  chunk: Chunk;
  state: PlanState;
  run: RunRecord;
  worktree: string;
  checkSpecs: CheckSpec[];
  baseTestFiles: string[];
  logger: Logger;
  signal: AbortSignal | undefined;
  /** The main branch's name, for the repo-integrity check around the maker. */
  mainBranch: string;
  /** The plan's worktree watcher (file changes count as progress). */
  watcher: { lastChangeAt(): number };
  /** Persist the state with the step reached (a checkpoint). */
  checkpoint(step: Step): void;
  /** Extra text for the maker, e.g. the goal-checker's evidence on a goal-fix attempt. */
  extraReasons?: string[];
  /** The budget breaker (and, on a worker, the daemon's), given what this attempt spent so far: a finding refuses the next dispatch. */
  overBudget?: (spent: Spend) => Promise<Finding | undefined>;
  /** Worktree setup again when the maker changed a dependency manifest: a finding when it fails. */
  refreshSetup?: () => Promise<Finding | undefined>;
}

/** Tool uses an agent's CLI refused, by the step that was refused (e.g. the maker could not run `npm test`). */
export type Denials = Partial<Record<'maker' | 'checker' | 'goal', string[]>>;

/** What the attempt's agents spent, and what their CLIs refused them: carried by every outcome. */
type Spend = { costUsd: number; tokens: number; permissionDenials?: Denials };

/**
 * How an attempt ended (the kinds are defined in agents/LANGUAGE.md):
 * accepted (checks green, guards quiet, the checker approved); failed (the
 * maker or checker failed, or the checks did); rejected (the checker said
 * no); blocked (a guard held the chunk back without stopping the line);
 * abnormal (a red finding: the line must stop); interrupted (a signal).
 */
export type AttemptOutcome =
  | ({
      kind: 'accepted';
      checks: CheckResult[];
      /** The frozen candidate the checks ran on and the checker approved: exactly what is committed. */
      tree: string;
      verdictReasons: string[];
    } & Spend)
  | ({
      kind: 'failed' | 'rejected' | 'blocked';
      reasons: string[];
      output: string;
      fingerprint: string | undefined;
      checks: CheckResult[];
      findings: Finding[];
    } & Spend)
  | ({
      kind: 'abnormal';
      findings: Finding[];
      checks: CheckResult[];
      changes: FileChange[];
      diffStat: string;
      output: string;
    } & Spend)
  | ({ kind: 'interrupted' } & Spend);

/**
 * One attempt at one chunk: maker → checks → guards → checker. Each step
 * is a named call whose result is data; nothing here decides what happens to
 * the line or the plan (execute.ts does, from the returned outcome). The
 * only verdict that counts is the checker's report file, and only after
 * Jidoka's own checks and guards passed.
 */
export async function runAttempt(ctx: AttemptContext): Promise<AttemptOutcome> {
  const spend: Spend = { costUsd: 0, tokens: 0 };
  ctx.checkpoint('maker');
  const before = await refsBefore(ctx);
  const scope = stepScope(ctx.root, ctx.config, ctx.plan.id);
  const outside = await outsideSnapshot(scope);
  const maker = await runMaker(ctx);
  tally(spend, 'maker', maker.result);
  if (maker.interrupted) return { kind: 'interrupted', ...spend };
  // The plan's own refs first (their finding says exactly what moved), then everything else outside.
  const moved = await refsMoved(ctx, before);
  if (moved) return abnormal(ctx, spend, [moved]);
  const afterMaker = await outsideChanged(scope, outside, 'the maker step');
  if (afterMaker.finding) return abnormal(ctx, spend, [afterMaker.finding]);
  const makerEnd = await judgeMaker(ctx, maker, spend);
  if (makerEnd) return makerEnd;

  ctx.checkpoint('checks');
  const unready = await ctx.refreshSetup?.();
  if (unready) return abnormal(ctx, spend, [unready]);
  const frozen = await freezeCandidate(ctx);
  if (frozen.kind === 'over_limits') return overLimits(frozen.findings, spend);
  const { candidate } = frozen;
  const checks = await runChunkChecks(ctx);
  if (ctx.signal?.aborted) return { kind: 'interrupted', ...spend };
  const afterChecks = await outsideChanged(scope, afterMaker.after, 'the checks (code the maker wrote)');
  if (afterChecks.finding) return abnormal(ctx, spend, [afterChecks.finding], checks, candidate.changes);
  const drifted = await changedSinceFreeze(ctx.worktree, candidate.tree);
  if (drifted.length)
    return abnormal(ctx, spend, [treeChanged('the checks ran', drifted)], checks, candidate.changes);

  ctx.checkpoint('guards');
  const guarded = await guardAttempt(ctx, candidate, checks, maker.result.run.exitCode);
  const guardEnd = await judgeGuards(ctx, guarded, candidate, checks, spend);
  if (guardEnd) return guardEnd;
  const heldOut = await runHeldOut(ctx, candidate);
  if (ctx.signal?.aborted) return { kind: 'interrupted', ...spend };
  if (heldOut?.finding) return abnormal(ctx, spend, [heldOut.finding], checks, candidate.changes);
  // Base tests failing in a file a human approved changing: evidence for the checker and the review.
  const judged = heldOut?.approved.length ? [...checks, ...heldOut.checks] : checks;
  // The maker's reported spend can reach the budget: then the checker is not dispatched.
  const over = await ctx.overBudget?.(spend);
  if (over) return abnormal(ctx, spend, [over], checks, candidate.changes);

  ctx.checkpoint('checker');
  const beforeChecker = await outsideSnapshot(scope);
  const diff = clipStart(
    candidate.patch,
    ctx.config.limits.maxOutputBytes,
    'the full patch is in the worktree',
  );
  const checker = await runChecker(ctx, judged, candidate, diff, spend.permissionDenials?.maker ?? []);
  tally(spend, 'checker', checker.result);
  if (ctx.signal?.aborted) return { kind: 'interrupted', ...spend };
  const afterChecker = await outsideChanged(scope, beforeChecker, 'the checker step');
  if (afterChecker.finding) return abnormal(ctx, spend, [afterChecker.finding], checks, candidate.changes);
  const { verdict } = checker;
  switch (verdict.kind) {
    case 'approved':
      return {
        kind: 'accepted',
        checks: judged,
        tree: candidate.tree,
        verdictReasons: verdict.reasons,
        ...spend,
      };
    case 'rejected':
      return unaccepted(
        'rejected',
        verdict.reasons,
        '',
        `rejected: ${verdict.reasons.join(' ')}`,
        checks,
        spend,
      );
    case 'failed':
      return unaccepted('failed', [verdict.reason], '', verdict.fingerprint, checks, spend);
    case 'tampered':
      return abnormal(ctx, spend, [verdict.finding]);
  }
}

/** After the maker: the watchdog, its timeout, its exit. */
async function judgeMaker(
  ctx: AttemptContext,
  maker: MakerStep,
  spend: Spend,
): Promise<AttemptOutcome | undefined> {
  const { run, failure } = maker.result;
  if (maker.noProgress) {
    const idle = Date.now() - maker.lastProgressAt;
    return abnormal(ctx, spend, [noProgress('maker', idle, ctx.config.limits.noProgress)]);
  }
  if (run.timedOut) return abnormal(ctx, spend, [stepTimeout('maker', run.durationMs, maker.timeoutMs)]);
  if (failure)
    return unaccepted(
      'failed',
      [`the maker failed: ${failure}`],
      transcriptTail(maker.result),
      failure,
      [],
      spend,
    );
  return undefined;
}

/** After the guards: red stops, yellow warns, any finding blocks; failing checks fail the attempt. */
async function judgeGuards(
  ctx: AttemptContext,
  { findings }: Guarded,
  { changes }: Candidate,
  checks: CheckResult[],
  spend: Spend,
): Promise<AttemptOutcome | undefined> {
  if (findings.some((f) => f.line === 'red')) return abnormal(ctx, spend, findings, checks, changes);
  const yellow = findings.filter((f) => f.line === 'yellow');
  if (yellow.length) raiseYellow(ctx.root, yellow.map((f) => f.message).join('; '), ctx.plan.id);
  else clearYellow(ctx.root, ctx.plan.id);
  const output = failingOutput(checks, ctx.config.limits.maxLogExcerptBytes);
  if (findings.length)
    return {
      kind: 'blocked',
      reasons: findings.map((f) => f.message),
      output,
      fingerprint: failureFingerprint(checks, findings.map((f) => f.breaker).join(',')),
      checks,
      findings,
      ...spend,
    };
  if (checks.some((c) => !c.passed)) {
    const names = checks.filter((c) => !c.passed).map((c) => `\`${c.command}\``);
    return {
      kind: 'failed',
      reasons: [`checks failed: ${names.join(', ')}`],
      output,
      fingerprint: failureFingerprint(checks),
      checks,
      findings: [],
      ...spend,
    };
  }
  return undefined;
}

/** The configured checks (and on the last chunk the goal checks), run by Jidoka, recorded with their test counts. */
async function runChunkChecks(ctx: AttemptContext): Promise<CheckResult[]> {
  const dir = stepDir(ctx.run, 'checks', ctx.chunk.number, ctx.state.attempt);
  const checks = await runChecks({
    cwd: ctx.worktree,
    specs: ctx.checkSpecs,
    stepDir: dir,
    maxOutputBytes: ctx.config.limits.maxOutputBytes,
    sandbox: ctx.config.sandbox,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (ctx.signal?.aborted) return checks;
  recordStep(ctx.run, {
    name: 'checks',
    chunk: ctx.chunk.number,
    attempt: ctx.state.attempt,
    dir,
    startedAt: new Date().toISOString(),
    durationMs: checks.reduce((n, c) => n + c.durationMs, 0),
    outcome: checks.every((c) => c.passed) ? 'passed' : 'failed',
    detail: {
      checks: checks.map((c) => ({
        name: c.name,
        command: c.command,
        exitCode: c.exitCode,
        passed: c.passed,
        tests: c.tests,
      })),
    },
  });
  return checks;
}

/** The candidate breaks a tree limit (a huge file, a symlink out of the repository): blocked, nothing checked. */
function overLimits(findings: Finding[], spend: Spend): AttemptOutcome {
  return {
    kind: 'blocked',
    reasons: findings.map((f) => f.message),
    output: '',
    fingerprint: failureFingerprint([], findings.map((f) => f.breaker).join(',')),
    checks: [],
    findings,
    ...spend,
  };
}

/** A failed or rejected attempt whose reason is one agent's: no guard findings, fingerprinted by the reason. */
function unaccepted(
  kind: 'failed' | 'rejected',
  reasons: string[],
  output: string,
  fingerprintOf: string,
  checks: CheckResult[],
  spend: Spend,
): AttemptOutcome {
  return {
    kind,
    reasons,
    output,
    fingerprint: failureFingerprint([], fingerprintOf),
    checks,
    findings: [],
    ...spend,
  };
}

/** A red finding: the facts the incident needs (the change, its stat, the failing output). */
async function abnormal(
  ctx: AttemptContext,
  spend: Spend,
  findings: Finding[],
  checks: CheckResult[] = [],
  changes?: FileChange[],
): Promise<AttemptOutcome> {
  const all = changes ?? (await diffWorktree(ctx.worktree, ctx.state.chunkStartSha).catch(() => []));
  return {
    kind: 'abnormal',
    findings,
    checks,
    changes: all,
    diffStat: await diffStat(ctx.worktree, ctx.state.chunkStartSha).catch(() => ''),
    output: failingOutput(checks, ctx.config.limits.maxLogExcerptBytes),
    ...spend,
  };
}

/** One agent step's spend and refused tool uses, added to the attempt's. */
function tally(spend: Spend, step: 'maker' | 'checker', r: AgentResult): void {
  const more = spendOf(r);
  spend.costUsd += more.costUsd;
  spend.tokens += more.tokens;
  const denied = r.parsed.permissionDenials ?? [];
  if (denied.length) spend.permissionDenials = { ...spend.permissionDenials, [step]: denied };
}

/** The end of what the agent printed, where its error is. */
function transcriptTail(r: AgentResult): string {
  return clipEnd(`${r.run.stdout}\n${r.run.stderr}`.trim(), 4000);
}
