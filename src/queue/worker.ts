import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { type Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { readLine, restartLine } from '../andon/line.js';
import { loadConfig } from '../config/load.js';
import { queueRedisUrl } from '../config/queue-url.js';
import type { Config } from '../config/schema.js';
import { describeError, JidokaError } from '../core/errors.js';
import { acquireLock } from '../core/lock.js';
import { jidokaPaths } from '../core/paths.js';
import { BREAKERS, type BreakerId } from '../core/types.js';
import { moveOwnRefs } from '../git/own-moves.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';
import { runGit } from '../git/run.js';
import { listWorktrees, planBranch, planWorktreePath, removeWorktree } from '../git/worktree.js';
import { configureCheckSlots } from '../loops/check-slots.js';
import { executePlan } from '../loops/execute/execute.js';
import type { ExecuteOutcome, GateAnswer, StepGate } from '../loops/execute/plan-run.js';
import { type PlanState, readPlanState, writePlanState } from '../loops/execute/plan-state.js';
import { readRun } from '../loops/run-record.js';
import { recordApproval } from '../plans/approval.js';
import { approvalHashOf, planFile } from '../plans/store.js';
import { approvalSigned, openAnswer, trustedKey } from './approval-key.js';
import { PLANS, PREFIX, redactUrl, redisConnections, STEPS } from './connection.js';
import {
  type EndMessage,
  type PlanJob,
  planJobSchema,
  type StartAnswer,
  type StepMessage,
} from './messages.js';

export interface QueueWorker {
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  /** Take no new job; the running plan stops at its next step boundary. A second call kills its step. */
  stop(reason: string): void;
}

/** What a plan job's run returns (the job's return value). */
export interface JobResult {
  plan: string;
  status: ExecuteOutcome['status'];
  message: string;
}

/**
 * `jidoka worker`: takes plan jobs from the queue and runs each one's
 * execution loop in this clone, in its own worktree and sandbox as
 * everywhere. Before anything runs it checks the job itself: the payload
 * parses, the daemon's key signed the approval, and the text is the
 * approved content. Then it fetches, asks the daemon to start (and gets
 * the last checkpoint, to resume from), and runs the loop with a step gate
 * that pushes the plan branch and asks the daemon before every agent step.
 * The run's end is reported once; a line stop made here is handed to the
 * daemon, which holds the one line, and cleared here.
 */
export function startQueueWorker(
  root: string,
  logger: Logger,
  opts: { name?: string; concurrency?: number } = {},
): QueueWorker {
  const config = loadConfig(root, { required: true }).config;
  const url = queueRedisUrl(config);
  if (!url)
    throw new JidokaError(
      'jidoka worker needs queue.redis in jidoka.yaml or $JIDOKA_QUEUE_REDIS (the Redis the daemon dispatches to)',
      {
        exitCode: 2,
        hint: 'set queue: { redis: "redis://host:6379" }, the same as on the daemon',
      },
    );
  const key = trustedKey(root, config.queue.approvalKey);
  const release = acquireLock(join(jidokaPaths(root).dir, 'worker.lock'), 'the jidoka worker for this clone');
  const name = opts.name ?? `${hostname()}-${process.pid}`;
  const who = `worker ${name}`;
  const redis = redisConnections(url, logger, who);
  const steps = new Queue(STEPS, { connection: redis.connect(), prefix: PREFIX });
  const answers = new QueueEvents(STEPS, { connection: redis.connect(), prefix: PREFIX });
  let stopping = false;
  const abort = new AbortController();

  /** One question to the daemon, answered through the job's return value; asked again (same job id) until it answers. */
  const ask = async <T>(msg: StepMessage, jobId: string): Promise<T> => {
    const deadline = Date.now() + config.queue.stepTimeout;
    let waiting = false;
    for (;;) {
      try {
        const job = await within(
          steps.add(msg.kind, msg, { jobId, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } }),
          5000,
        );
        const value = await within(job.waitUntilFinished(answers, 5000), 6000);
        const answer = openAnswer(key, jobId, value) as T | undefined;
        if (answer === undefined)
          throw new JidokaError(
            `the answer to plan ${msg.plan}'s ${msg.kind} (job ${jobId}) is not signed by the daemon's key (queue.approvalKey): someone else wrote it into the Redis; not acting on it`,
          );
        if (waiting) logger.info(`${who}: plan ${msg.plan}: the daemon answers again`);
        return answer;
      } catch (err) {
        const text = describeError(err);
        if (!/timed out|timeout/i.test(text)) throw err; // the daemon answered with an error
        if (Date.now() > deadline)
          throw new JidokaError(
            `the daemon did not answer plan ${msg.plan}'s ${msg.kind} within queue.stepTimeout`,
          );
        if (!waiting)
          logger.warn(
            `${who}: plan ${msg.plan}: waiting for the daemon's answer (${msg.kind}); is it running, is Redis reachable?`,
          );
        waiting = true;
      }
    }
  };

  const runJob = async (job: Job): Promise<JobResult> => {
    const pj = checkJob(job.data, key);
    logger.info(`${who}: took plan ${pj.plan} (job ${job.id})`);
    await syncMain(root, config);
    const token = randomUUID();
    let seq = 0;
    const base = { plan: pj.plan, token, worker: name };
    const started = await ask<StartAnswer>(
      { kind: 'start', ...base, hash: pj.approval.hash },
      `${token}-${seq++}`,
    );
    if (!started.ok && 'refuse' in started)
      throw new UnrecoverableError(`refused by the daemon: ${started.refuse}`);
    if (!started.ok) {
      logger.info(`${who}: plan ${pj.plan}: ${started.drain}`);
      return { plan: pj.plan, status: 'interrupted', message: started.drain };
    }
    await adoptCheckpoint(root, config, pj.plan, started.checkpoint);
    const file = planFile(root, pj.plan);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, pj.planText);
    recordApproval(
      root,
      pj.plan,
      file,
      `${pj.approval.by} (approved ${pj.approval.at}, signed by the daemon)`,
    );

    let pushed: string | undefined;
    // `known`: the branch tip as the checkpoint says (the last commit is the chunk's start), so most gates spawn no git.
    const push = async (known?: string) => {
      const ref = `refs/heads/${planBranch(pj.plan)}`;
      if (known && known === pushed) return;
      const sha = known ?? (await revParse(gitAt(root), ref));
      if (!sha || sha === pushed) return;
      await runGit(root, ['push', '--quiet', '--force', config.queue.remote, `${sha}:${ref}`]);
      pushed = sha;
    };
    const gateMs: number[] = [];
    const answerMs: number[] = [];
    const gate: StepGate = async ({ step, state, runId, spent }) => {
      const asked = performance.now();
      try {
        // Nothing committed yet, the branch is main's commit: no push (a resume elsewhere branches from it again).
        if (state.chunkStartSha !== state.baseSha) await push(state.chunkStartSha);
        const pushedAt = performance.now();
        const answer = await ask<GateAnswer>(
          { kind: 'gate', ...base, step, runId, spent, state },
          `${token}-${seq++}`,
        );
        if (!answer.go && 'drain' in answer) logger.info(`${who}: plan ${pj.plan}: ${answer.drain}`);
        gateMs.push(performance.now() - asked);
        answerMs.push(performance.now() - pushedAt);
        return answer;
      } catch (err) {
        return {
          go: false,
          drain: `no word from the daemon before the ${step} step (${describeError(err)}); stopping here, checkpointed`,
        };
      }
    };
    configureCheckSlots(config.limits.maxParallelChecks);
    const outcome = await executePlan({
      root,
      config,
      planId: pj.plan,
      logger,
      signal: abort.signal,
      draining: () => stopping,
      gate,
    });
    await push().catch((err: unknown) =>
      logger.error(
        `${who}: could not push ${planBranch(pj.plan)} to ${config.queue.remote}: ${describeError(err)}`,
      ),
    );
    await reportEnd(outcome, base, `${token}-${seq++}`);
    const gates = { gates: gateMs.length, medianMs: medianOf(gateMs), answerMedianMs: medianOf(answerMs) };
    logger.info(
      gates,
      `${who}: plan ${pj.plan}: ${gates.gates} step gate(s) asked of the daemon, median ${gates.medianMs} ms (the daemon's answer ${gates.answerMedianMs} ms, the rest pushing the branch)`,
    );
    return { plan: pj.plan, status: outcome.status, message: outcome.message };
  };

  const reportEnd = async (
    outcome: ExecuteOutcome,
    base: { plan: string; token: string; worker: string },
    jobId: string,
  ) => {
    const state = readPlanState(root, outcome.plan);
    if (!state) return;
    const run = readRun(root, outcome.runId);
    const line = readLine(root);
    const stoppedHere =
      outcome.incident !== undefined && line.state === 'stopped' && line.incident === outcome.incident;
    const msg: EndMessage = {
      kind: 'end',
      ...base,
      outcome: {
        status: outcome.status,
        message: outcome.message,
        runId: outcome.runId,
        ...(outcome.incident ? { incident: outcome.incident } : {}),
      },
      run: { costUsd: run?.costUsd ?? 0, tokens: run?.tokens ?? 0 },
      state,
      ...(stoppedHere
        ? {
            stopped: {
              breaker: breakerOf(outcome.incident!),
              category: line.category ?? 'env_tooling',
              reason: line.reason ?? outcome.message,
              incident: outcome.incident!,
            },
          }
        : {}),
    };
    try {
      const applied = await ask<{ ok: boolean }>(msg, jobId);
      // The daemon holds the one line now; this clone's copy of the stop would only block its next job.
      if (applied.ok && stoppedHere)
        restartLine(
          root,
          `${who} (the daemon holds the line; incident ${outcome.incident} stopped it there)`,
        );
    } catch (err) {
      logger.error(
        `${who}: plan ${outcome.plan}: could not report the run's end to the daemon: ${describeError(err)}`,
      );
    }
  };

  const plans = new Worker(PLANS, runJob, {
    connection: redis.connect(),
    prefix: PREFIX,
    concurrency: opts.concurrency ?? 1,
    lockDuration: config.queue.lockDuration,
    stalledInterval: config.queue.stalledInterval,
    maxStalledCount: 1,
    autorun: true,
  });
  // Errors are logged once per outage by the connections; unheard, they would end the process.
  plans.on('error', () => {});
  steps.on('error', () => {});
  answers.on('error', () => {});
  plans.on('failed', (job, err) => {
    if (job && err instanceof UnrecoverableError) logger.warn(`${who}: ${err.message}`);
    else if (job) logger.error(`${who}: plan job ${job.id} failed: ${describeError(err)}`);
  });
  void plans.waitUntilReady().then(
    () => logger.info(`${who}: waiting for plans from ${redactUrl(url)} (in ${root})`),
    () => {},
  );

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  return {
    done,
    stop(reason) {
      if (stopping) {
        logger.warn(`${who}: ${reason} again; killing the running step`);
        abort.abort(new Error(reason));
        return;
      }
      stopping = true;
      logger.info(`${who}: ${reason}; taking no new plan, the running one stops at its next step`);
      // As the daemon does: the running step gets daemon.gracePeriod, then it is killed (checkpointed, resumed elsewhere).
      const grace = setTimeout(
        () => abort.abort(new Error(`${reason}: the grace period ran out`)),
        config.daemon.gracePeriod,
      );
      grace.unref();
      void plans
        .close()
        .then(() => Promise.allSettled([steps.close(), answers.close()]))
        .then(() => {
          redis.closeAll();
          release();
          logger.info(`${who}: stopped`);
          resolveDone();
        });
    },
  };
}

/**
 * The job as a worker accepts it, or refused (never retried): it parses as
 * a plan job, the daemon's key signed its approval, and the text is the
 * content that approval names. A job someone else wrote into the Redis,
 * for a plan no human approved, stops here, before any git or agent runs.
 */
export function checkJob(data: unknown, key: ReturnType<typeof trustedKey>): PlanJob {
  const parsed = planJobSchema.safeParse(data);
  if (!parsed.success)
    throw new UnrecoverableError(
      `refused a job that is not a plan job: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ')}`,
    );
  const pj = parsed.data;
  if (!approvalSigned(key, pj.plan, pj.approval, pj.signature))
    throw new UnrecoverableError(
      `refused plan ${pj.plan}: its approval is not signed by the daemon's key (queue.approvalKey); no daemon dispatched this job`,
    );
  if (approvalHashOf(pj.planText) !== pj.approval.hash)
    throw new UnrecoverableError(`refused plan ${pj.plan}: its text is not the content a human approved`);
  return pj;
}

/** This clone's main as the remote has it (the daemon pushes its main before it dispatches). */
async function syncMain(root: string, config: Config): Promise<void> {
  const remote = config.queue.remote;
  await runGit(root, ['fetch', '--quiet', remote]);
  const main = await mainBranch(gitAt(root), config.git.mainBranch);
  const theirs = await revParse(gitAt(root), `refs/remotes/${remote}/${main}`);
  if (!theirs) return;
  const checkedOut = (await listWorktrees(root)).find((w) => w.branch === main && !w.prunable);
  if (checkedOut) await runGit(checkedOut.path, ['merge', '--ff-only', '--quiet', theirs]);
  else await runGit(root, ['update-ref', `refs/heads/${main}`, theirs]);
}

/**
 * Where the plan stands, as the daemon says: its last reported checkpoint
 * (the branch fetched at the pushed commit it names, the worktree made
 * afresh here), or a fresh start. This clone's own copy wins only when it
 * is the same run and not older: the same worker resuming its own work.
 */
async function adoptCheckpoint(
  root: string,
  config: Config,
  plan: string,
  checkpoint: PlanState | undefined,
): Promise<void> {
  const local = readPlanState(root, plan);
  const worktree = planWorktreePath(root, plan);
  if (
    checkpoint &&
    local &&
    local.runIds.at(-1) === checkpoint.runIds.at(-1) &&
    local.updatedAt >= checkpoint.updatedAt &&
    existsSync(worktree)
  )
    return;
  const ref = `refs/heads/${planBranch(plan)}`;
  // The attempt it held is run again from the checkpoint, so what is in it goes (forced).
  if (existsSync(worktree)) await removeWorktree(root, worktree);
  await runGit(root, ['worktree', 'prune']);
  const stateFile = join(jidokaPaths(root).plansState, `${plan}.json`);
  if (!checkpoint) {
    rmSync(stateFile, { force: true });
    if (await revParse(gitAt(root), ref))
      await moveOwnRefs(root, [ref], () => runGit(root, ['update-ref', '-d', ref]));
    return;
  }
  // No branch on the remote yet: nothing was committed, the plan starts again from its base.
  const fresh = checkpoint.chunkStartSha === checkpoint.baseSha;
  await moveOwnRefs(root, [ref], () =>
    fresh
      ? runGit(root, ['update-ref', ref, checkpoint.baseSha])
      : runGit(root, ['fetch', '--quiet', config.queue.remote, `+${ref}:${ref}`]),
  );
  writePlanState(root, {
    ...checkpoint,
    worktree,
    activePid: undefined,
    // Made on the other machine: the tree object and the installed dependencies are not here.
    approvedTree: undefined,
    setupDigest: undefined,
  });
}

/** The breaker an incident id names (`INC-<stamp>-<breaker>[-n]`). */
function breakerOf(incident: string): BreakerId {
  const name = incident.replace(/^INC-\d{8}-\d{6}-/, '').replace(/-\d+$/, '');
  return (BREAKERS as readonly string[]).includes(name) ? (name as BreakerId) : 'manual';
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)] ?? 0);
}

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
