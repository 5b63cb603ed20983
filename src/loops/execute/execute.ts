import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildPrompt } from '../../agents/prompt.js';
import { runAgent } from '../../agents/run-agent.js';
import { readGoalVerdict } from '../../agents/verdict.js';
import { budget, consecutiveFailures, repeatFailure } from '../../andon/breakers.js';
import { isTestFile } from '../../andon/guards.js';
import { repoIntegrity, snapshotRefs } from '../../andon/integrity.js';
import { assertLineRunning } from '../../andon/line.js';
import { replan } from '../../andon/replan.js';
import { recordManualRetry } from '../../andon/retries.js';
import { stopLine } from '../../andon/stop.js';
import { watchWorktree } from '../../andon/watchdog.js';
import type { Config, Role } from '../../config/schema.js';
import { JidokaError } from '../../core/errors.js';
import { readLedger } from '../../core/ledger.js';
import { acquireLock, pidAlive } from '../../core/lock.js';
import { jidokaPaths } from '../../core/paths.js';
import type { Category, CheckResult, Finding } from '../../core/types.js';
import { commitChunk, findChunkCommit, stageAll, writeTree } from '../../git/commit.js';
import { gitAt, hasCommits, mainBranch } from '../../git/repo.js';
import { ensureWorktree } from '../../git/worktree.js';
import { isApprovedContent } from '../../plans/approval.js';
import { findPlan, formatPlanProblem, markInvalid, setPlanStatus } from '../../plans/store.js';
import type { Plan } from '../../plans/types.js';
import { type CheckSpec, checkSpecs, failingOutput, runChecks } from '../checks.js';
import { finishRun, type RunRecord, recordStep, startRun, stepDir } from '../run-record.js';
import { type AttemptOutcome, finding, runAttempt } from './attempt.js';
import { type PlanState, readPlanState, type Step, writePlanState } from './plan-state.js';

/**
 * The execution loop for one plan, as a blueprint:
 *   refuse if the line is stopped → worktree → for each chunk: attempts
 *   (maker → checks → guards → checker) until accepted and committed, or the
 *   breakers stop the line → goal checks → goal-checker → done.
 * The state is checkpointed after every step, so `jidoka run <id>` after a
 * crash resumes at the interrupted chunk with its attempt count kept.
 */
export interface ExecuteOptions {
  root: string;
  config: Config;
  planId: string;
  logger: Logger;
  /** Kills the running step (its process group) at once: Ctrl-C, or the daemon's grace period ran out. */
  signal?: AbortSignal;
  /** Asked between steps: true means finish here, checkpointed (the daemon is shutting down). */
  draining?: () => boolean;
}

export interface ExecuteOutcome {
  plan: string;
  runId: string;
  status: 'done' | 'failed' | 'stopped' | 'interrupted';
  message: string;
  incident?: string;
  commits: string[];
}

export async function executePlan(opts: ExecuteOptions): Promise<ExecuteOutcome> {
  const { root, config } = opts;
  assertLineRunning(root, 'starts');
  requireRole(config, 'maker');
  requireRole(config, 'checker');
  const git = gitAt(root);
  if (!(await hasCommits(git))) {
    throw new JidokaError(
      'the repository has no commits yet, so there is no main branch to start a plan from',
      {
        exitCode: 2,
        hint: 'make a first commit (git add -A && git commit -m "initial"), then run again',
      },
    );
  }
  const plan = runnablePlan(root, config, opts.planId);
  const release = acquireLock(join(jidokaPaths(root).plansState, `${plan.id}.lock`), `jidoka run ${plan.id}`);
  const open: { watcher?: ReturnType<typeof watchWorktree> } = {};
  try {
    return await execute(opts, plan, git, open);
  } finally {
    await open.watcher?.close();
    release();
  }
}

async function execute(
  opts: ExecuteOptions,
  plan: Plan,
  git: ReturnType<typeof gitAt>,
  open: { watcher?: ReturnType<typeof watchWorktree> },
): Promise<ExecuteOutcome> {
  const { root, config, logger } = opts;
  const main = await mainBranch(git, config.git.mainBranch);
  const wt = await ensureWorktree(root, plan.id, main);
  // One file watcher for the plan's worktree, read by every maker step's no-progress watchdog.
  const watcher = watchWorktree(wt.path);
  open.watcher = watcher;
  const previous = readPlanState(root, plan.id);
  let state: PlanState;
  let resumedFrom: RunRecord['resumedFrom'];
  let retryStop: Finding | undefined;
  if (previous && previous.status !== 'done') {
    state = previous;
    killLeftover(state);
    if (state.status === 'running') {
      resumedFrom = { chunk: state.chunk, attempt: state.attempt, step: state.step };
      logger.info(
        resumedFrom,
        `resuming plan ${plan.id} at chunk ${state.chunk}, attempt ${state.attempt} (${state.step})`,
      );
    } else {
      // A human re-runs a plan that failed or stopped: fresh attempts, counted as a manual retry.
      const last = [...state.attempts].reverse().find((a) => a.fingerprint);
      retryStop = recordManualRetry(
        root,
        plan.id,
        last?.fingerprint ?? 'unknown',
        config.limits.humanRetries,
      ).finding;
      state.status = 'running';
      state.attempt = 1;
      state.consecutiveFailures = 0;
      state.step = 'start';
    }
  } else {
    const head = (await gitAt(wt.path).raw(['rev-parse', 'HEAD'])).trim();
    state = {
      plan: plan.id,
      status: 'running',
      branch: wt.branch,
      worktree: wt.path,
      baseSha: wt.baseSha,
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
  setPlanStatus(plan.file, 'active');
  const run = startRun(root, plan.id, resumedFrom);
  state.runIds.push(run.id);
  writePlanState(root, state);
  const commits: string[] = [];
  const baseTestFiles = (await gitAt(wt.path).raw(['ls-tree', '-r', '--name-only', state.baseSha]))
    .split('\n')
    .filter((p) => p && isTestFile(p));
  const approvedGoalChecks = isApprovedContent(root, plan.id, plan.file) ? plan.goal.checks : [];

  const finish = (status: ExecuteOutcome['status'], message: string, incident?: string): ExecuteOutcome => {
    if (status !== 'interrupted')
      state.status = status === 'done' ? 'done' : status === 'failed' ? 'failed' : 'stopped';
    writePlanState(root, state);
    if (status === 'done') setPlanStatus(plan.file, 'done');
    if (status === 'failed') setPlanStatus(plan.file, 'failed');
    finishRun(root, run, status, { message, ...(incident ? { incident } : {}) });
    return { plan: plan.id, runId: run.id, status, message, commits, ...(incident ? { incident } : {}) };
  };

  if (retryStop) return await stop([retryStop]);

  /**
   * The budgets against the plan's spend plus `extra` (spent by the running
   * attempt). Today's spend is the finished runs in the ledger plus this run's
   * own, which the ledger has not seen yet.
   */
  const spendAtStart = state.spend.usd;
  function overBudget(extra = { costUsd: 0, tokens: 0 }): Finding | undefined {
    const planUsd = state.spend.usd + extra.costUsd;
    return budget(
      {
        planUsd,
        dayUsd: spentToday(root) + planUsd - spendAtStart,
        planTokens: state.spend.tokens + extra.tokens,
      },
      config.limits,
    );
  }

  // Only a resumed run can find its chunk already committed (a crash between commit and checkpoint).
  let resuming = resumedFrom !== undefined;
  for (;;) {
    // Chunks.
    while (state.chunk <= plan.chunks.length) {
      const chunk = plan.chunks[state.chunk - 1]!;
      const already = resuming
        ? await findChunkCommit(wt.path, state.chunkStartSha, plan.id, chunk.number)
        : undefined;
      resuming = false;
      if (already) {
        logger.info(
          `chunk ${chunk.number} was committed before the interruption (${already.slice(0, 8)}); moving on`,
        );
        advance(state, already);
        writePlanState(root, state);
        continue;
      }
      if (state.step === 'commit' && state.approvedTree && (await stageAll(wt.path)) === state.approvedTree) {
        commits.push(await commit(root, wt.path, plan, state, run));
        continue;
      }
      const specs = [
        ...checkSpecs(config.checks, config.limits.checkTimeout),
        ...(chunk.number === plan.chunks.length ? goalSpecs(approvedGoalChecks, config) : []),
      ];
      let accepted = false;
      // HEAD as Jidoka itself left it (just committed), so the integrity check needs no git call.
      let sinceCommit: string | undefined = commits[commits.length - 1];
      while (!accepted) {
        if (opts.draining?.())
          return finish(
            'interrupted',
            `stopped between steps at chunk ${chunk.number}, attempt ${state.attempt}; it resumes on the next start`,
          );
        if (state.attempt > config.limits.maxAttempts) {
          return await failPlan(`chunk ${chunk.number} failed ${config.limits.maxAttempts} attempt(s)`);
        }
        const over = overBudget();
        if (over) return await stop([over]);
        const integrity = await headMoved(wt.path, state, sinceCommit);
        if (integrity) return await stop([integrity]);
        sinceCommit = undefined;
        logger.info(
          `plan ${plan.id}: chunk ${chunk.number}/${plan.chunks.length} "${chunk.title}", attempt ${state.attempt}/${config.limits.maxAttempts}`,
        );
        const started = Date.now();
        const outcome = await runAttempt({
          root,
          config,
          plan,
          chunk,
          state,
          run,
          worktree: wt.path,
          checkSpecs: specs,
          baseTestFiles,
          logger,
          signal: opts.signal,
          watcher,
          mainBranch: main,
          overBudget,
          checkpoint: (step: Step) => {
            state.step = step;
            writePlanState(root, state);
          },
        });
        state.spend.usd += outcome.costUsd;
        state.spend.tokens += outcome.tokens;
        const durationMs = Date.now() - started;
        if (outcome.kind === 'interrupted') {
          recordAttempt(state, run, outcome, durationMs);
          return finish(
            'interrupted',
            `interrupted during chunk ${chunk.number}, attempt ${state.attempt}; ${resumeHint(plan.id)}`,
          );
        }
        if (outcome.kind === 'accepted') {
          state.step = 'commit';
          // The guards staged everything and the worktree is unchanged since (attempt.ts checks): commit that tree.
          state.approvedTree = await writeTree(wt.path);
          writePlanState(root, state);
          const total = outcome.checks.map((c) => c.tests?.total).find((n) => n !== undefined);
          if (total !== undefined) state.testTotal = total;
          recordAttempt(state, run, outcome, durationMs);
          commits.push(await commit(root, wt.path, plan, state, run));
          accepted = true;
          continue;
        }
        recordAttempt(state, run, outcome, durationMs);
        if (outcome.kind === 'abnormal') {
          state.consecutiveFailures++;
          return await stop(outcome.findings, outcome);
        }
        state.lastFailure = { reasons: outcome.reasons, output: outcome.output };
        state.consecutiveFailures++;
        state.attempt++;
        state.step = 'start';
        writePlanState(root, state);
        const tripped = failureBreakers();
        if (tripped) return tripped;
      }
    }

    if (opts.draining?.())
      return finish('interrupted', `stopped before the goal check; ${resumeHint(plan.id)}`);
    // The goal: objective checks first, then the goal-checker's verdict from its report file.
    state.step = 'goal';
    writePlanState(root, state);
    // Once per plan, before it can be called done: the object store of the worktree is sound (git fsck).
    const sound = await repoIntegrity({
      root,
      worktree: wt.path,
      mainBranch: main,
      before: await snapshotRefs({ root, worktree: wt.path, mainBranch: main }),
      fsck: true,
    });
    if (sound) return await stop([sound]);
    const spent = overBudget();
    if (spent) return await stop([spent]);
    const goal = await checkGoal(opts, plan, state, run, wt.path, approvedGoalChecks);
    if (opts.signal?.aborted)
      return finish('interrupted', `interrupted during the goal check; ${resumeHint(plan.id)}`);
    if (goal.met) {
      state.consecutiveFailures = 0;
      return finish(
        'done',
        `plan ${plan.id} is done: ${plan.chunks.length} chunk(s) committed on ${wt.branch}; review with \`jidoka review ${plan.id}\``,
      );
    }
    state.goalAttempt++;
    state.consecutiveFailures++;
    state.attempts.push({
      chunk: plan.chunks.length + 1,
      attempt: state.goalAttempt,
      runId: run.id,
      outcome: 'failed',
      reasons: goal.reasons,
      costUsd: 0,
      tokens: 0,
      durationMs: 0,
      checks: [],
      at: new Date().toISOString(),
    });
    if (state.goalAttempt >= config.limits.maxAttempts)
      return await failPlan(`the goal was not met after ${state.goalAttempt} goal check(s)`);
    const tripped = failureBreakers();
    if (tripped) return tripped;
    // Reopen the last chunk: the maker gets the goal-checker's evidence and fixes forward.
    state.chunk = plan.chunks.length;
    state.attempt = state.attempts.filter((a) => a.chunk === plan.chunks.length).length + 1;
    state.chunkStartSha = (await gitAt(wt.path).raw(['rev-parse', 'HEAD'])).trim();
    state.lastFailure = { reasons: ['the goal is not met yet:', ...goal.reasons], output: goal.output };
    state.step = 'start';
    writePlanState(root, state);
  }

  /** What stopLine needs for a red stop on this plan's current chunk and attempt. */
  function stopInput(f: Finding, outcome?: Extract<AttemptOutcome, { kind: 'abnormal' }>) {
    const rollback = f.action === 'rollback' || outcome?.findings.some((x) => x.action === 'rollback');
    return {
      root,
      // The diagnose agent, when configured, drafts the Five Whys of every red stop.
      draftWhys: true,
      config,
      finding: f,
      severity: 'red' as const,
      plan: plan.id,
      chunk: state.chunk,
      attempt: state.attempt,
      worktree: wt.path,
      baseSha: state.chunkStartSha,
      ...(outcome
        ? {
            diffStat: outcome.diffStat,
            failingChecks: outcome.checks.filter((c) => !c.passed),
            logExcerpt: outcome.output,
          }
        : {}),
      ...(rollback ? { rollback: { worktree: wt.path, toSha: state.chunkStartSha } } : {}),
      containment:
        outcome && outcome.findings.length > 1
          ? outcome.findings.slice(1).map((x) => `also detected: ${x.message}`)
          : [],
    };
  }

  async function stop(
    findings: Finding[],
    outcome?: Extract<AttemptOutcome, { kind: 'abnormal' }>,
  ): Promise<ExecuteOutcome> {
    const main = findings.find((f) => f.line === 'red') ?? findings[0]!;
    const { incidentId } = await stopLine(stopInput(main, outcome));
    const last = state.attempts[state.attempts.length - 1];
    if (last && last.runId === run.id && !last.incident) last.incident = incidentId;
    state.attempt++;
    state.step = 'start';
    return finish('stopped', `the line is stopped: ${main.message} (incident ${incidentId})`, incidentId);
  }

  /** After a failed attempt: repeat failures stop the line; too many failures in a row send the plan back to planning. */
  function failureBreakers(): Promise<ExecuteOutcome> | undefined {
    const fingerprints = state.attempts.filter((a) => a.fingerprint).map((a) => a.fingerprint!);
    const repeat = repeatFailure(fingerprints, config.limits.repeatFailure);
    const lastCategory = [...state.attempts].reverse().find((a) => a.outcome !== 'accepted')?.category;
    const inARow = consecutiveFailures(
      state.consecutiveFailures,
      config.limits.consecutiveFailures,
      lastCategory,
    );
    if (inARow) return failPlan(inARow.message, repeat ? [repeat, inARow] : [inARow]);
    if (repeat) return stop([repeat]);
    return undefined;
  }

  /** Meta-Andon: the plan fails, the line stops, and the diagnose role is asked for a revised plan. */
  async function failPlan(why: string, findings?: Finding[]): Promise<ExecuteOutcome> {
    const f =
      findings?.[0] ??
      finding('consecutive_failures', 'repeat_failure', `${why}; the plan goes back to planning`, {
        attempts: state.attempts.length,
      });
    const last = [...state.attempts].reverse().find((a) => a.outcome !== 'accepted');
    const { incidentId } = await stopLine({
      ...stopInput(f),
      failingChecks: [],
      logExcerpt: state.lastFailure
        ? `${state.lastFailure.reasons.join('\n')}\n\n${state.lastFailure.output}`
        : '',
      containment: [
        `plan ${plan.id} marked failed after ${state.consecutiveFailures} failed attempt(s) in a row; its branch ${wt.branch} and worktree are kept`,
        ...(findings ?? []).slice(1).map((x) => `also: ${x.message}`),
      ],
    });
    if (last && !last.incident) last.incident = incidentId;
    const outcome = finish('failed', `plan ${plan.id} failed: ${why} (incident ${incidentId})`, incidentId);
    await replan({ root, config, plan, incidentId }).catch((err: unknown) => {
      logger.warn({ err }, `the diagnose role could not write a revised plan for ${plan.id}`);
    });
    return outcome;
  }
}

async function commit(
  root: string,
  worktree: string,
  plan: Plan,
  state: PlanState,
  run: RunRecord,
): Promise<string> {
  const chunk = plan.chunks[state.chunk - 1]!;
  const fix = state.goalAttempt > 0 ? ' (goal fix)' : '';
  const sha = await commitChunk(worktree, {
    plan: plan.id,
    chunk: chunk.number,
    attempt: state.attempt,
    runId: run.id,
    subject: `jidoka(${plan.id}): chunk ${chunk.number}/${plan.chunks.length}: ${chunk.title}${fix}`,
  });
  const last = state.attempts[state.attempts.length - 1];
  if (last && last.chunk === chunk.number && last.outcome === 'accepted') last.commit = sha;
  advance(state, sha);
  writePlanState(root, state);
  return sha;
}

function advance(state: PlanState, sha: string): void {
  state.chunk++;
  state.attempt = 1;
  state.step = 'start';
  state.chunkStartSha = sha;
  state.approvedTree = undefined;
  state.lastFailure = undefined;
  state.consecutiveFailures = 0;
}

async function checkGoal(
  opts: ExecuteOptions,
  plan: Plan,
  state: PlanState,
  run: RunRecord,
  worktree: string,
  approvedChecks: string[],
): Promise<{ met: boolean; reasons: string[]; output: string }> {
  const { root, config } = opts;
  if (plan.goal.checks.length && !approvedChecks.length) {
    return {
      met: false,
      reasons: [
        `plan ${plan.id} changed since a human approved it, so its goal checks will not run; re-approve it with \`jidoka plan approve ${plan.id}\``,
      ],
      output: '',
    };
  }
  const dir = stepDir(run, 'goal-checks', plan.chunks.length + 1, state.goalAttempt + 1);
  const checks = await runChecks({
    cwd: worktree,
    specs: goalSpecs(approvedChecks, config),
    stepDir: dir,
    maxOutputBytes: config.limits.maxOutputBytes,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  recordStep(run, {
    name: 'goal-checks',
    dir,
    startedAt: new Date().toISOString(),
    durationMs: checks.reduce((n, c) => n + c.durationMs, 0),
    outcome: checks.every((c) => c.passed) ? 'passed' : 'failed',
  });
  const failed = checks.filter((c) => !c.passed);
  if (failed.length) {
    return {
      met: false,
      reasons: failed.map((c) => `goal check \`${c.command}\` exited ${c.exitCode ?? c.signal}`),
      output: failingOutput(checks, config.limits.maxLogExcerptBytes),
    };
  }
  const agent = config.agents.goal;
  if (!agent) return { met: true, reasons: ['goal checks passed (no goal agent configured)'], output: '' };
  const goalDir = stepDir(run, 'goal', plan.chunks.length + 1, state.goalAttempt + 1);
  const reportFile = join(goalDir, 'report.json');
  const diff = await gitAt(worktree).raw(['diff', '--stat', state.baseSha, 'HEAD']);
  const prompt = buildPrompt({ root, role: 'goal', plan, diff, checks, reportFile, tool: agent.adapter });
  const started = Date.now();
  const result = await runAgent({
    role: 'goal',
    agent,
    prompt,
    cwd: worktree,
    stepDir: goalDir,
    plan: plan.id,
    timeoutMs: agent.timeout ?? config.limits.agentTimeout,
    maxOutputBytes: config.limits.maxOutputBytes,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  state.spend.usd += result.parsed.costUsd ?? 0;
  state.spend.tokens += result.parsed.usage?.totalTokens ?? 0;
  recordStep(run, {
    name: 'goal',
    dir: goalDir,
    detail: { processMs: result.run.durationMs, exitCode: result.run.exitCode },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome: result.failure ? `failed: ${result.failure}` : 'finished',
    ...(result.parsed.costUsd !== undefined ? { costUsd: result.parsed.costUsd } : {}),
  });
  if (result.failure)
    return { met: false, reasons: [`the goal-checker failed: ${result.failure}`], output: '' };
  const verdict = readGoalVerdict(result.reportFile);
  if (!verdict.ok)
    return { met: false, reasons: [`the goal-checker's report is unusable: ${verdict.error}`], output: '' };
  return { met: verdict.met, reasons: verdict.evidence, output: '' };
}

function resumeHint(planId: string): string {
  return `it resumes with \`jidoka run ${planId}\`, or when the daemon next starts`;
}

function goalSpecs(commands: string[], config: Config): CheckSpec[] {
  return commands.map((command) => ({
    name: `goal: ${command}`,
    command,
    timeoutMs: config.limits.checkTimeout,
  }));
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

function recordAttempt(
  state: PlanState,
  run: RunRecord,
  o: AttemptOutcome,
  durationMs: number,
  incident?: string,
): void {
  const checks: CheckResult[] = 'checks' in o ? o.checks : [];
  state.attempts.push({
    chunk: state.chunk,
    attempt: state.attempt,
    runId: run.id,
    outcome: o.kind === 'abnormal' ? 'stopped' : o.kind,
    reasons:
      o.kind === 'accepted'
        ? o.verdictReasons
        : o.kind === 'interrupted'
          ? []
          : o.kind === 'abnormal'
            ? o.findings.map((f) => f.message)
            : o.reasons,
    ...(o.kind === 'failed' || o.kind === 'rejected' || o.kind === 'blocked'
      ? o.fingerprint
        ? { fingerprint: o.fingerprint }
        : {}
      : {}),
    costUsd: o.costUsd,
    tokens: o.tokens,
    durationMs,
    checks: checks.map((c) => ({
      name: c.name,
      passed: c.passed,
      exitCode: c.exitCode,
      durationMs: c.durationMs,
    })),
    ...(o.kind === 'accepted'
      ? { verdict: { decision: 'approve', reasons: o.verdictReasons } }
      : o.kind === 'rejected'
        ? { verdict: { decision: 'reject', reasons: o.reasons } }
        : {}),
    ...(incident ? { incident } : {}),
    ...(failureCategory(o) ? { category: failureCategory(o) } : {}),
    at: new Date().toISOString(),
  });
}

/** HEAD of the plan branch must be where Jidoka left it; anything else was done behind its back. */
async function headMoved(worktree: string, state: PlanState, known?: string): Promise<Finding | undefined> {
  const head = known ?? (await gitAt(worktree).raw(['rev-parse', 'HEAD'])).trim();
  if (head === state.chunkStartSha) return undefined;
  return finding(
    'repo_integrity',
    'repo_integrity',
    `HEAD of ${state.branch} moved behind Jidoka's back (expected ${state.chunkStartSha.slice(0, 8)}, found ${head.slice(0, 8)})`,
    { expected: state.chunkStartSha, found: head },
  );
}

/** An agent a crash left running would keep writing into the worktree: end its process group first. */
function killLeftover(state: PlanState): void {
  const pid = state.activePid;
  if (!pid || !pidAlive(pid)) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
  state.activePid = undefined;
}

function spentToday(root: string): number {
  const today = new Date().toISOString().slice(0, 10);
  return readLedger(root)
    .filter((e) => e.event === 'run.finished' && e.at.startsWith(today))
    .reduce((n, e) => n + (typeof e.costUsd === 'number' ? e.costUsd : 0), 0);
}

function requireRole(config: Config, role: Role): void {
  if (!config.agents[role]) {
    throw new JidokaError(`no agent is configured for the ${role} role`, {
      exitCode: 2,
      hint: `add agents.${role} to jidoka.yaml, e.g. ${role}: { adapter: claude, model: sonnet }`,
    });
  }
}

function runnablePlan(root: string, config: Config, id: string): Plan {
  const entry = findPlan(root, id, config.limits.maxChunksPerPlan);
  if (!entry.plan) {
    markInvalid(entry.file, entry.problems);
    throw new JidokaError(
      `plan ${id} is invalid (marked status: invalid):\n${entry.problems.map(formatPlanProblem).join('\n')}`,
      { exitCode: 1 },
    );
  }
  const status = entry.plan.status;
  if ((status === 'approved' || status === 'active') && !isApprovedContent(root, id, entry.file)) {
    throw new JidokaError(`plan ${id} says ${status}, but no human approved its current content`, {
      exitCode: 1,
      hint: `read it, then \`jidoka plan approve ${id}\` (an edit after approval needs a new approval)`,
    });
  }
  if (status !== 'approved' && status !== 'active') {
    const hint =
      status === 'proposed' || status === 'failed' || status === 'rejected'
        ? `a human approves it first: \`jidoka plan approve ${id}\``
        : status === 'done'
          ? `it is done; review it with \`jidoka review ${id}\``
          : `fix it and set status: proposed`;
    throw new JidokaError(`plan ${id} is ${status}; only approved plans run`, { exitCode: 1, hint });
  }
  return entry.plan;
}
