import { consecutiveFailures, repeatFailure } from '../../andon/breakers.js';
import { finding } from '../../andon/finding.js';
import { repoIntegrity, snapshotRefs } from '../../andon/integrity.js';
import { assertLineRunning } from '../../andon/line.js';
import { requireAgent } from '../../config/agents.js';
import { acquireLock } from '../../core/lock.js';
import type { Finding } from '../../core/types.js';
import { gitAt } from '../../git/repo.js';
import type { Chunk } from '../../plans/types.js';
import { assertSandboxReady } from '../../sandbox/bwrap.js';
import { checkSpecs } from '../checks.js';
import { type AttemptOutcome, runAttempt } from './attempt.js';
import { recordBaseline } from './baseline.js';
import { overBudget } from './budget.js';
import { approveCandidate, commitChunkOf, recoverChunk } from './commit.js';
import { failPlan, finish, interrupted, stop } from './end-run.js';
import { gitChangedSinceApproval, refuseRun } from './git-pin-check.js';
import { checkGoal, goalSpecs } from './goal.js';
import type { ExecuteOptions, ExecuteOutcome, PlanRun } from './plan-run.js';
import {
  addSpend,
  enterStep,
  failAttempt,
  metGoal,
  missGoal,
  recordAttempt,
  reopenLastChunk,
  setupPassed,
  writePlanState,
} from './plan-state.js';
import { planLockFile, prepareRun, requireFirstCommit, runnablePlan } from './prepare.js';
import { manifestDigest, runSetup } from './setup.js';

export type { ExecuteOptions, ExecuteOutcome } from './plan-run.js';

/** A step that may end the run: undefined means go on. */
type Next = ExecuteOutcome | undefined;

/**
 * The execution loop for one plan. The line must be running and the plan
 * approved for its current content; one run holds the plan's lock. The
 * state is checkpointed after every step, so `jidoka run <id>` after a crash
 * resumes at the interrupted chunk with its attempt count kept.
 */
export async function executePlan(opts: ExecuteOptions): Promise<ExecuteOutcome> {
  assertLineRunning(opts.root, 'starts');
  assertSandboxReady(opts.config.sandbox.mode);
  requireAgent(opts.config, 'maker');
  requireAgent(opts.config, 'checker');
  await requireFirstCommit(opts.root);
  const plan = runnablePlan(opts.root, opts.config, opts.planId);
  const release = acquireLock(planLockFile(opts.root, plan.id), `jidoka run ${plan.id}`);
  try {
    const changed = await gitChangedSinceApproval(opts.root, plan.id, opts.root);
    if (changed) return await refuseRun(opts, plan, changed);
    const p = await prepareRun(opts, plan);
    try {
      return await runPlan(p);
    } finally {
      await p.watcher.close();
    }
  } finally {
    release();
  }
}

/** Chunks in order, then the goal; a missed goal reopens the last chunk, until the breakers say stop. */
async function runPlan(p: PlanRun): Promise<ExecuteOutcome> {
  if (p.humanRetryStop) return stop(p, [p.humanRetryStop]);
  const changed = await gitChangedSinceApproval(p.opts.root, p.plan.id, p.worktree.path);
  if (changed) return stop(p, [changed]);
  const unready = await setUpWorktree(p, 'the dependency manifests changed since the last setup');
  if (unready) return stop(p, [unready]);
  await recordBaseline(p);
  for (;;) {
    for (let chunk = currentChunk(p); chunk; chunk = currentChunk(p)) {
      const end = await runChunk(p, chunk);
      if (end) return end;
    }
    const end = await runGoalPhase(p);
    if (end) return end;
  }
}

/** Attempts at one chunk until one is accepted and committed, or the run ends. */
async function runChunk(p: PlanRun, chunk: Chunk): Promise<Next> {
  const recovered = await recoverChunk(p, chunk);
  if (recovered === 'recovered') return undefined;
  if (recovered !== 'no') return stop(p, [recovered]);
  const specs = [
    ...checkSpecs(p.opts.config.checks, p.opts.config.limits.checkTimeout),
    ...(chunk.number === p.plan.chunks.length ? goalSpecs(p.approvedGoalChecks, p.opts.config) : []),
  ];
  // HEAD as Jidoka itself left it (just committed), so the first integrity check needs no git call.
  let knownHead = p.commits.at(-1);
  for (;;) {
    const refused = await beforeAttempt(p, chunk, knownHead);
    if (refused) return refused;
    knownHead = undefined;
    const started = Date.now();
    const outcome = await attempt(p, chunk, specs);
    addSpend(p.state, outcome);
    if (outcome.kind === 'accepted') approveCandidate(p, outcome.tree, outcome.checks);
    recordAttempt(p.state, p.run.id, outcome, Date.now() - started);
    switch (outcome.kind) {
      case 'accepted': {
        const changed = await commitChunkOf(p);
        return changed ? stop(p, [changed]) : undefined;
      }
      case 'interrupted':
        return interrupted(p, `interrupted during chunk ${chunk.number}, attempt ${p.state.attempt}`);
      case 'abnormal':
        p.state.consecutiveFailures++;
        return stop(p, outcome.findings, outcome);
      default: {
        failAttempt(p.state, { reasons: outcome.reasons, output: outcome.output });
        writePlanState(p.opts.root, p.state);
        const tripped = await failureBreakers(p);
        if (tripped) return tripped;
      }
    }
  }
}

/** Before each attempt: draining, the attempt limit, the budget, and HEAD where Jidoka left it. */
async function beforeAttempt(p: PlanRun, chunk: Chunk, knownHead: string | undefined): Promise<Next> {
  const { state, opts } = p;
  const max = opts.config.limits.maxAttempts;
  if (opts.draining?.())
    return finish(
      p,
      'interrupted',
      `stopped between steps at chunk ${chunk.number}, attempt ${state.attempt}; it resumes on the next start`,
    );
  if (state.attempt > max) return failPlan(p, `chunk ${chunk.number} failed ${max} attempt(s)`);
  const over = overBudget(p);
  if (over) return stop(p, [over]);
  const moved = await headMoved(p, knownHead);
  if (moved) return stop(p, [moved]);
  return askGate(p, 'maker');
}

/** On a worker, the daemon's word before an agent step: go on, drain here (checkpointed), or stop the line. */
async function askGate(p: PlanRun, step: 'maker' | 'goal'): Promise<Next> {
  const answer = await p.opts.gate?.({
    step,
    state: p.state,
    runId: p.run.id,
    spent: { costUsd: 0, tokens: 0 },
  });
  if (!answer || answer.go) return undefined;
  return 'drain' in answer ? finish(p, 'interrupted', answer.drain) : stop(p, [answer.stop]);
}

/** Before the checker: the budget with the maker's spend, and on a worker the daemon's budget too (a drain waits for the next boundary, as locally). */
async function checkerBudget(
  p: PlanRun,
  spent: { costUsd: number; tokens: number },
): Promise<Finding | undefined> {
  const over = overBudget(p, spent);
  if (over || !p.opts.gate) return over;
  const answer = await p.opts.gate({ step: 'checker', state: p.state, runId: p.run.id, spent });
  return !answer.go && 'stop' in answer ? answer.stop : undefined;
}

function attempt(p: PlanRun, chunk: Chunk, specs: ReturnType<typeof checkSpecs>): Promise<AttemptOutcome> {
  const { opts, state, plan } = p;
  opts.logger.info(
    `plan ${plan.id}: chunk ${chunk.number}/${plan.chunks.length} "${chunk.title}", attempt ${state.attempt}/${opts.config.limits.maxAttempts}`,
  );
  return runAttempt({
    root: opts.root,
    config: opts.config,
    plan,
    chunk,
    state,
    run: p.run,
    worktree: p.worktree.path,
    checkSpecs: specs,
    baseTestFiles: p.baseTestFiles,
    logger: opts.logger,
    signal: opts.signal,
    watcher: p.watcher,
    mainBranch: p.mainBranch,
    overBudget: (spent) => checkerBudget(p, spent),
    refreshSetup: () => setUpWorktree(p, 'the maker changed a dependency manifest or lockfile'),
    checkpoint: (step) => {
      enterStep(state, step);
      writePlanState(opts.root, state);
    },
  });
}

/**
 * The goal phase, once every chunk is committed: the object store is sound,
 * the budget allows, then the goal checks and the goal-checker. A miss
 * reopens the last chunk so the maker fixes forward with the evidence.
 */
async function runGoalPhase(p: PlanRun): Promise<Next> {
  const { opts, state, plan } = p;
  if (opts.draining?.()) return interrupted(p, 'stopped before the goal check');
  enterStep(state, 'goal');
  writePlanState(opts.root, state);
  const unsound = await objectStoreUnsound(p);
  if (unsound) return stop(p, [unsound]);
  const over = overBudget(p);
  if (over) return stop(p, [over]);
  const gated = await askGate(p, 'goal');
  if (gated) return gated;
  const started = Date.now();
  const goal = await checkGoal(p);
  addSpend(state, goal);
  if (goal.outside) return stop(p, [goal.outside]);
  if (opts.signal?.aborted) return interrupted(p, 'interrupted during the goal check');
  if (goal.met) {
    metGoal(state, plan.chunks.length, p.run.id, goal, Date.now() - started);
    return finish(
      p,
      'done',
      `plan ${plan.id} is done: ${plan.chunks.length} chunk(s) committed on ${p.worktree.branch}; review with \`jidoka review ${plan.id}\``,
    );
  }
  missGoal(state, plan.chunks.length, p.run.id, goal, Date.now() - started);
  if (state.goalAttempt >= opts.config.limits.maxAttempts)
    return failPlan(p, `the goal was not met after ${state.goalAttempt} goal check(s)`);
  const tripped = await failureBreakers(p);
  if (tripped) return tripped;
  const head = (await gitAt(p.worktree.path).raw(['rev-parse', 'HEAD'])).trim();
  reopenLastChunk(state, plan.chunks.length, head, {
    reasons: ['the goal is not met yet:', ...goal.reasons],
    output: goal.output,
  });
  writePlanState(opts.root, state);
  return undefined;
}

/** After a failed attempt: repeat failures stop the line; too many failures in a row send the plan back to planning. */
function failureBreakers(p: PlanRun): Promise<ExecuteOutcome> | undefined {
  const { state, opts } = p;
  const fingerprints = state.attempts.filter((a) => a.fingerprint).map((a) => a.fingerprint!);
  const repeat = repeatFailure(fingerprints, opts.config.limits.repeatFailure);
  const lastCategory = [...state.attempts].reverse().find((a) => a.outcome !== 'accepted')?.category;
  const inARow = consecutiveFailures(
    state.consecutiveFailures,
    opts.config.limits.consecutiveFailures,
    lastCategory,
  );
  if (inARow) return failPlan(p, inARow.message, repeat ? [repeat, inARow] : [inARow]);
  if (repeat) return stop(p, [repeat]);
  return undefined;
}

/** `worktree.setup` when the dependency manifests differ from those it last ran for (or it never ran). */
async function setUpWorktree(p: PlanRun, reason: string): Promise<Finding | undefined> {
  const { opts, state } = p;
  if (!opts.config.worktree.setup.length) return undefined;
  const digest = await manifestDigest(p.worktree.path);
  if (state.setupDigest === digest) return undefined;
  const failed = await runSetup({
    config: opts.config,
    root: opts.root,
    worktree: p.worktree.path,
    digest,
    // Only an install no agent could have touched is stored for other worktrees.
    fresh: state.setupDigest === undefined && !p.worktree.reused && state.attempts.length === 0,
    run: p.run,
    chunk: state.chunk,
    attempt: state.attempt,
    reason: state.setupDigest === undefined ? 'a new worktree' : reason,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (failed) return failed;
  setupPassed(state, digest);
  writePlanState(opts.root, state);
  return undefined;
}

function currentChunk(p: PlanRun): Chunk | undefined {
  return p.plan.chunks[p.state.chunk - 1];
}

/** HEAD of the plan branch must be where Jidoka left it; anything else was done behind its back. */
async function headMoved(p: PlanRun, known?: string): Promise<Finding | undefined> {
  const { state } = p;
  const head = known ?? (await gitAt(p.worktree.path).raw(['rev-parse', 'HEAD'])).trim();
  if (head === state.chunkStartSha) return undefined;
  return finding(
    'repo_integrity',
    'repo_integrity',
    `HEAD of ${state.branch} moved behind Jidoka's back (expected ${state.chunkStartSha.slice(0, 8)}, found ${head.slice(0, 8)})`,
    { expected: state.chunkStartSha, found: head },
  );
}

/** Once per plan, before it can be called done: the worktree's object store is sound (git fsck). */
async function objectStoreUnsound(p: PlanRun): Promise<Finding | undefined> {
  const at = { root: p.opts.root, worktree: p.worktree.path, mainBranch: p.mainBranch };
  return repoIntegrity({ ...at, before: await snapshotRefs(at), fsck: true });
}
