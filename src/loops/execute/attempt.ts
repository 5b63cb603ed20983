import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildPrompt } from '../../agents/prompt.js';
import { type AgentRequest, type AgentResult, runAgent } from '../../agents/run-agent.js';
import { readCheckerVerdict } from '../../agents/verdict.js';
import { noProgress, stepTimeout } from '../../andon/breakers.js';
import { failureFingerprint } from '../../andon/fingerprint.js';
import { runGuards } from '../../andon/guards.js';
import { type RefSnapshot, repoIntegrity } from '../../andon/integrity.js';
import { clearYellow, raiseYellow } from '../../andon/line.js';
import { startWatchdog } from '../../andon/watchdog.js';
import type { Config, Role } from '../../config/schema.js';
import type { CheckResult, FileChange, Finding } from '../../core/types.js';
import { diffStat, diffWorktree, stagedDiff } from '../../git/diff.js';
import { gitAt } from '../../git/repo.js';
import type { Chunk, Plan } from '../../plans/types.js';
import { type CheckSpec, failingOutput, runChecks } from '../checks.js';
import { type RunRecord, recordStep, stepDir } from '../run-record.js';
import type { PlanState, Step } from './plan-state.js';

/**
 * One attempt at one chunk, as a blueprint: maker → checks → guards →
 * checker. Each step is a named call whose result is data; nothing here
 * decides what happens to the line or the plan (execute.ts does, from the
 * returned outcome). The only verdict that counts is the checker's report
 * file, and only after Jidoka's own checks and guards passed.
 */
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
  /** The budget breaker, given what this attempt spent so far: a finding refuses the next dispatch. */
  overBudget?: (spent: { costUsd: number; tokens: number }) => Finding | undefined;
}

export type AttemptOutcome =
  | { kind: 'accepted'; checks: CheckResult[]; costUsd: number; tokens: number; verdictReasons: string[] }
  | {
      kind: 'failed' | 'rejected' | 'blocked';
      reasons: string[];
      output: string;
      fingerprint: string | undefined;
      checks: CheckResult[];
      costUsd: number;
      tokens: number;
      findings: Finding[];
    }
  | {
      kind: 'abnormal';
      findings: Finding[];
      checks: CheckResult[];
      changes: FileChange[];
      diffStat: string;
      output: string;
      costUsd: number;
      tokens: number;
    }
  | { kind: 'interrupted'; costUsd: number; tokens: number };

export async function runAttempt(ctx: AttemptContext): Promise<AttemptOutcome> {
  const spend = { costUsd: 0, tokens: 0 };
  const { state, chunk } = ctx;

  ctx.checkpoint('maker');
  const before = await refsBefore(ctx);
  const maker = await runMaker(ctx);
  addSpend(spend, maker.result);
  if (maker.interrupted) return { kind: 'interrupted', ...spend };
  const integrity = await integrityAfter(ctx, before);
  if (integrity) return abnormal(ctx, spend, [integrity]);
  if (maker.noProgress) {
    const idle = Date.now() - maker.lastProgressAt;
    return abnormal(ctx, spend, [noProgress('maker', idle, ctx.config.limits.noProgress)]);
  }
  if (maker.result.run.timedOut) {
    return abnormal(ctx, spend, [stepTimeout('maker', maker.result.run.durationMs, makerTimeout(ctx))]);
  }
  if (maker.result.failure) {
    const reasons = [`the maker failed: ${maker.result.failure}`];
    return {
      kind: 'failed',
      reasons,
      output: tailOf(maker.result),
      fingerprint: failureFingerprint([], maker.result.failure),
      checks: [],
      findings: [],
      ...spend,
    };
  }

  ctx.checkpoint('checks');
  const checksDir = stepDir(ctx.run, 'checks', chunk.number, state.attempt);
  const checks = await runChecks({
    cwd: ctx.worktree,
    specs: ctx.checkSpecs,
    stepDir: checksDir,
    maxOutputBytes: ctx.config.limits.maxOutputBytes,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (ctx.signal?.aborted) return { kind: 'interrupted', ...spend };
  recordChecks(ctx, checksDir, checks);

  ctx.checkpoint('guards');
  const { changes, patch, ignoredForceAdded } = await stagedDiff(ctx.worktree, state.chunkStartSha);
  const findings = runGuards({
    scope: ctx.plan.scope,
    changes,
    baseTestFiles: ctx.baseTestFiles,
    checkCommands: ctx.checkSpecs.map((s) => s.command),
    checks,
    ...(state.testTotal !== undefined ? { previousTestTotal: state.testTotal } : {}),
    ignoredForceAdded,
    makerExitCode: maker.result.run.exitCode,
    limits: ctx.config.limits,
  });
  writeFileSync(
    join(ctx.run.dir, `c${chunk.number}-a${state.attempt}-guards.json`),
    `${JSON.stringify({ changes: changes.map(({ addedLines, removedLines, ...c }) => c), findings }, null, 2)}\n`,
  );

  if (findings.some((f) => f.line === 'red')) return abnormal(ctx, spend, findings, checks, changes);
  const yellow = findings.filter((f) => f.line === 'yellow');
  if (yellow.length) raiseYellow(ctx.root, yellow.map((f) => f.message).join('; '), ctx.plan.id);
  else clearYellow(ctx.root, ctx.plan.id);
  const output = failingOutput(checks, ctx.config.limits.maxLogExcerptBytes);
  if (findings.length) {
    return {
      kind: 'blocked',
      reasons: findings.map((f) => f.message),
      output,
      fingerprint: failureFingerprint(checks, findings.map((f) => f.breaker).join(',')),
      checks,
      findings,
      ...spend,
    };
  }
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

  // The maker's reported spend can reach the budget: then the checker is not dispatched.
  const over = ctx.overBudget?.(spend);
  if (over) return abnormal(ctx, spend, [over], checks, changes);

  ctx.checkpoint('checker');
  const checker = await runChecker(ctx, checks, changes, bound(patch, ctx.config.limits.maxOutputBytes));
  addSpend(spend, checker.result);
  if (ctx.signal?.aborted) return { kind: 'interrupted', ...spend };
  if (checker.result.failure) {
    const reasons = [`the checker failed: ${checker.result.failure}`];
    return {
      kind: 'failed',
      reasons,
      output: '',
      fingerprint: failureFingerprint([], checker.result.failure),
      checks,
      findings: [],
      ...spend,
    };
  }
  const verdict = readCheckerVerdict(checker.result.reportFile);
  if (!verdict.ok) {
    // A malformed or missing verdict is a failure, never an approval.
    const reasons = [`the checker's report is unusable: ${verdict.error}`];
    return {
      kind: 'failed',
      reasons,
      output: '',
      fingerprint: failureFingerprint([], verdict.error),
      checks,
      findings: [],
      ...spend,
    };
  }
  if (verdict.decision !== 'approve') {
    const reasons = verdict.reasons.length
      ? verdict.reasons
      : ['the checker rejected the chunk without giving reasons'];
    return {
      kind: 'rejected',
      reasons,
      output: '',
      fingerprint: failureFingerprint([], `rejected: ${reasons.join(' ')}`),
      checks,
      findings: [],
      ...spend,
    };
  }
  // The checker is read-only: anything it changed after the guards looked would go into the commit unguarded.
  const touched = (await gitAt(ctx.worktree).raw(['status', '--porcelain']))
    .split('\n')
    .filter((l) => l.length > 3 && (l[1] !== ' ' || l.startsWith('??')))
    .join('\n');
  if (touched) {
    return abnormal(ctx, spend, [
      finding(
        'gate_tampering',
        'agent_error',
        `the checker changed the worktree after the guards ran (${touched.split('\n').length} path(s)); its approval does not count`,
        { status: touched.split('\n').slice(0, 20) },
      ),
    ]);
  }
  return { kind: 'accepted', checks, verdictReasons: verdict.reasons, ...spend };
}

async function runMaker(
  ctx: AttemptContext,
): Promise<{ result: AgentResult; interrupted: boolean; noProgress?: string; lastProgressAt: number }> {
  const { state, chunk, config } = ctx;
  const dir = stepDir(ctx.run, 'maker', chunk.number, state.attempt);
  const reasons = [...(state.lastFailure?.reasons ?? []), ...(ctx.extraReasons ?? [])];
  const prompt = buildPrompt({
    root: ctx.root,
    role: 'maker',
    plan: ctx.plan,
    chunk,
    attempt: state.attempt,
    tool: config.agents.maker!.adapter,
    ...(reasons.length
      ? { retry: { checkerReasons: reasons, failingOutput: state.lastFailure?.output ?? '' } }
      : {}),
  });
  const watchdogAbort = new AbortController();
  let tripped: string | undefined;
  let watchdog: { stop(): Promise<void>; lastChangeAt(): number } | undefined;
  let lastOutput = (): number => Date.now();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, watchdogAbort.signal]) : watchdogAbort.signal;
  const result = await agentStep(ctx, 'maker', dir, prompt, {
    signal,
    onStart: (handle) => {
      state.activePid = handle.pid;
      lastOutput = () => handle.lastActivityAt();
      ctx.checkpoint('maker');
      watchdog = startWatchdog({
        dir: ctx.worktree,
        noProgressMs: config.limits.noProgress,
        lastOutputAt: () => handle.lastActivityAt(),
        watch: ctx.watcher,
        onTrip: (reason) => {
          tripped = reason;
          watchdogAbort.abort(new Error(`no progress: ${reason}`));
        },
      });
    },
  });
  const lastProgressAt = Math.max(lastOutput(), watchdog?.lastChangeAt() ?? 0);
  await watchdog?.stop();
  state.activePid = undefined;
  return {
    result,
    interrupted: Boolean(ctx.signal?.aborted),
    lastProgressAt,
    ...(tripped ? { noProgress: tripped } : {}),
  };
}

/** The refs as Jidoka left them before the maker: its worktree HEAD and branch are known; main is read. */
async function refsBefore(ctx: AttemptContext): Promise<RefSnapshot> {
  const main = (
    await gitAt(ctx.root).raw(['rev-parse', '--verify', '--quiet', `refs/heads/${ctx.mainBranch}`])
  ).trim();
  return {
    worktreeHead: ctx.state.chunkStartSha,
    worktreeBranch: ctx.state.branch,
    ...(main ? { main } : {}),
  };
}

/**
 * Did the maker move HEAD, leave its branch, move main, or leave a lock
 * behind? One git call decides the common case (nothing moved); only a
 * difference pays for the full check with ancestry.
 */
async function integrityAfter(ctx: AttemptContext, before: RefSnapshot): Promise<Finding | undefined> {
  const out = (
    await gitAt(ctx.worktree).raw([
      'rev-parse',
      'HEAD',
      '--symbolic-full-name',
      'HEAD',
      `refs/heads/${ctx.mainBranch}`,
    ])
  ).split('\n');
  const [head, branch, main] = out.map((l) => l.trim());
  const gitDir = (await readGitDir(ctx.worktree)) ?? '';
  const locks = [join(gitDir, 'index.lock'), join(ctx.root, '.git', 'index.lock')].some((p) => existsSync(p));
  if (
    head === before.worktreeHead &&
    branch === `refs/heads/${before.worktreeBranch}` &&
    main === before.main &&
    !locks
  )
    return undefined;
  return repoIntegrity({ root: ctx.root, worktree: ctx.worktree, mainBranch: ctx.mainBranch, before });
}

/** A linked worktree's `.git` is a file naming its git dir. */
async function readGitDir(worktree: string): Promise<string | undefined> {
  try {
    const text = await readFile(join(worktree, '.git'), 'utf8');
    return /^gitdir: (.+)$/m.exec(text)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

function makerTimeout(ctx: AttemptContext): number {
  return ctx.config.agents.maker!.timeout ?? ctx.config.limits.agentTimeout;
}

/** One agent step of this attempt: the request every chunk role shares, recorded in the run. */
async function agentStep(
  ctx: AttemptContext,
  role: 'maker' | 'checker',
  dir: string,
  prompt: string,
  extra: Pick<AgentRequest, 'signal' | 'onStart'>,
): Promise<AgentResult> {
  const agent = ctx.config.agents[role]!;
  const started = Date.now();
  const result = await runAgent({
    role,
    agent,
    prompt,
    cwd: ctx.worktree,
    stepDir: dir,
    plan: ctx.plan.id,
    chunk: ctx.chunk.number,
    attempt: ctx.state.attempt,
    timeoutMs: agent.timeout ?? ctx.config.limits.agentTimeout,
    maxOutputBytes: ctx.config.limits.maxOutputBytes,
    ...extra,
  });
  recordAgentStep(ctx, role, dir, started, result);
  return result;
}

async function runChecker(
  ctx: AttemptContext,
  checks: CheckResult[],
  changes: FileChange[],
  diff: string,
): Promise<{ result: AgentResult }> {
  const { state, chunk, config } = ctx;
  const dir = stepDir(ctx.run, 'checker', chunk.number, state.attempt);
  writeFileSync(join(dir, 'diff.patch'), diff);
  const prompt = buildPrompt({
    root: ctx.root,
    role: 'checker',
    plan: ctx.plan,
    chunk,
    attempt: state.attempt,
    diff: diff || `(no textual diff; ${changes.length} file(s) changed)`,
    checks,
    reportFile: join(dir, 'report.json'),
    tool: config.agents.checker!.adapter,
  });
  const result = await agentStep(ctx, 'checker', dir, prompt, ctx.signal ? { signal: ctx.signal } : {});
  return { result };
}

/** The diff a checker reads is bounded; the full patch stays in the worktree's history. */
function bound(text: string, maxBytes: number): string {
  return Buffer.byteLength(text) > maxBytes
    ? `${Buffer.from(text).subarray(0, maxBytes).toString('utf8')}\n[... diff cut at ${maxBytes} bytes ...]\n`
    : text;
}

async function abnormal(
  ctx: AttemptContext,
  spend: { costUsd: number; tokens: number },
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

export function finding(
  breaker: Finding['breaker'],
  category: Finding['category'],
  message: string,
  evidence: Record<string, unknown>,
  line: Finding['line'] = 'red',
): Finding {
  return { breaker, category, confidence: 1, action: 'fail_attempt', line, message, evidence };
}

function addSpend(spend: { costUsd: number; tokens: number }, r: AgentResult): void {
  spend.costUsd += r.parsed.costUsd ?? 0;
  spend.tokens += r.parsed.usage?.totalTokens ?? 0;
}

function tailOf(r: AgentResult): string {
  const text = `${r.run.stdout}\n${r.run.stderr}`.trim();
  return text.length > 4000 ? text.slice(-4000) : text;
}

function recordAgentStep(
  ctx: AttemptContext,
  role: Role,
  dir: string,
  started: number,
  r: AgentResult,
): void {
  recordStep(ctx.run, {
    name: role,
    chunk: ctx.chunk.number,
    attempt: ctx.state.attempt,
    dir,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome: r.failure ? `failed: ${r.failure}` : 'finished',
    ...(r.parsed.costUsd !== undefined ? { costUsd: r.parsed.costUsd } : {}),
    ...(r.parsed.usage ? { tokens: r.parsed.usage.totalTokens } : {}),
    detail: {
      exitCode: r.run.exitCode,
      timedOut: r.run.timedOut,
      processMs: r.run.durationMs,
      sessionId: r.parsed.sessionId,
      turns: r.parsed.turns,
    },
  });
}

function recordChecks(ctx: AttemptContext, dir: string, checks: CheckResult[]): void {
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
}
