import { readFileSync } from 'node:fs';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { queueRedisUrl } from '../config/queue-url.js';
import type { Config } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { gitAt, mainBranch } from '../git/repo.js';
import { runGit } from '../git/run.js';
import { approvalOf, isApprovedContent } from '../plans/approval.js';
import { findPlan } from '../plans/store.js';
import { daemonSigningKey, signAnswer, signApproval } from './approval-key.js';
import { createAuthority } from './authority.js';
import { PLANS, PREFIX, type QueueHealth, redactUrl, redisConnections, STEPS } from './connection.js';
import { type PlanJob, stepMessageSchema } from './messages.js';

/** The daemon's end of the queue: plans out as jobs, steps answered as they come. */
export interface Dispatcher {
  /** Hand plan `id` to the workers; a no-op while its job waits or runs (the job id is plan and approval). */
  dispatch(id: string): void;
  /** The plans the workers have now. */
  ids(): Set<string>;
  /** What the plans on workers spent since they started, for the day budget of the plans run here. */
  spendingUsd(): number;
  health: QueueHealth;
  close(): Promise<void>;
}

/** A plan's job id: the plan and its approved content, so adding the same approval twice adds nothing. */
export function planJobId(plan: string, hash: string): string {
  return `plan-${plan}-${hash.slice(0, 16)}`;
}

function planOfJob(jobId: string | undefined): string | undefined {
  return jobId?.match(/^plan-(.+)-[0-9a-f]{16}$/)?.[1];
}

/**
 * With `queue.redis` set, the daemon dispatches approved plans as BullMQ
 * jobs on the `plans` queue (each signed with the daemon's key) and answers
 * the workers' step messages on the `steps` queue through the authority.
 * It follows the jobs through QueueEvents: a job that ends frees its plan
 * for the next scan; one that stalled twice stops the line; one a worker
 * refused is logged and not offered again until something on disk changes.
 * When Redis comes back after an outage every plan in flight is added
 * again: a Redis that restarted empty has lost its jobs, and one that kept
 * them ignores the second add.
 */
export function startDispatcher(opts: {
  root: string;
  logger: Logger;
  config: () => Config;
  /** Scan the plans again (a job ended). */
  rescan: () => void;
  /** A worker refused the plan, or its run threw: not offered again until something on disk changes. */
  refuse: (id: string) => void;
  localUsd: () => number;
}): Dispatcher {
  const { root, logger } = opts;
  const url = queueRedisUrl(opts.config());
  const redis = redisConnections(url, logger, 'daemon');
  const key = daemonSigningKey(root);
  const authority = createAuthority({ root, logger, config: opts.config, localUsd: opts.localUsd });
  const inFlight = new Map<string, { jobId: string; job: PlanJob }>();
  const plans = new Queue<PlanJob>(PLANS, { connection: redis.connect(), prefix: PREFIX });
  const events = new QueueEvents(PLANS, { connection: redis.connect(), prefix: PREFIX });
  // Signed for the job it answers: a return value someone else wrote into the Redis is refused by the worker.
  const steps = new Worker(
    STEPS,
    async (job) => signAnswer(key, job.id ?? '', await authority.answer(stepMessageSchema.parse(job.data))),
    { connection: redis.connect(), prefix: PREFIX, concurrency: 16 },
  );
  // Errors are logged once per outage by the connections; unheard, they would end the process.
  plans.on('error', () => {});
  events.on('error', () => {});
  steps.on('error', () => {});

  const add = (id: string) => {
    const entry = inFlight.get(id);
    if (!entry) return;
    void plans
      .add('plan', entry.job, { jobId: entry.jobId, removeOnComplete: true, removeOnFail: false })
      .catch((err: unknown) => logger.error(`daemon: could not queue plan ${id}: ${describeError(err)}`));
  };
  const ended = (jobId: string) => {
    const plan = planOfJob(jobId);
    if (!plan || inFlight.get(plan)?.jobId !== jobId) return undefined;
    inFlight.delete(plan);
    authority.release(plan);
    return plan;
  };
  events.on('completed', ({ jobId }) => {
    if (ended(jobId)) opts.rescan();
  });
  events.on('stalled', ({ jobId }) => {
    const plan = planOfJob(jobId);
    if (plan)
      logger.warn(
        `daemon: plan ${plan} stalled: its worker stopped answering; the queue gives it to another worker, from its last checkpoint`,
      );
  });
  const failed = async (jobId: string, reason: string) => {
    const plan = planOfJob(jobId) ?? jobId;
    inFlight.delete(plan);
    authority.release(plan);
    if (/stalled more than allowable limit/.test(reason)) await authority.stalledTwice(plan, reason);
    else {
      logger.warn(`daemon: plan ${plan} was refused or failed on a worker: ${reason}`);
      opts.refuse(plan);
    }
    await plans.remove(jobId).catch(() => {});
    opts.rescan();
  };
  events.on('failed', ({ jobId, failedReason }) => {
    void failed(jobId, failedReason).catch((err: unknown) =>
      logger.error(`daemon: could not handle the failed job ${jobId}: ${describeError(err)}`),
    );
  });
  redis.health.onBack(() => {
    for (const id of inFlight.keys()) add(id);
  });
  // Jobs that failed while no daemon listened are handled now.
  void plans
    .getJobs(['failed'])
    .then(async (jobs) => {
      for (const job of jobs) if (job.id) await failed(job.id, job.failedReason ?? 'unknown');
    })
    .catch(() => {});
  logger.info(`daemon: dispatching plans to workers through ${redactUrl(url)}`);

  return {
    dispatch(id) {
      if (inFlight.has(id)) return;
      const entry = findPlan(root, id, opts.config().limits.maxChunksPerPlan);
      const approval = approvalOf(root, id);
      if (!approval || !isApprovedContent(root, id, entry.file)) return;
      const job: PlanJob = {
        plan: id,
        planText: readFileSync(entry.file, 'utf8'),
        approval,
        signature: signApproval(key, id, approval),
      };
      inFlight.set(id, { jobId: planJobId(id, approval.hash), job });
      void publishMain(root, opts.config(), logger).then(() => {
        add(id);
        logger.info(`daemon: plan ${id} queued for the workers`);
      });
    },
    ids: () => new Set(inFlight.keys()),
    spendingUsd: () => authority.spendingUsd(),
    health: redis.health,
    async close() {
      await Promise.allSettled([steps.close(), events.close(), plans.close()]);
      redis.closeAll();
    },
  };
}

/** The workers branch from the remote's main: the daemon's main is the truth, so it goes there first. */
async function publishMain(root: string, config: Config, logger: Logger): Promise<void> {
  try {
    const main = await mainBranch(gitAt(root), config.git.mainBranch);
    await runGit(root, ['push', '--quiet', config.queue.remote, `refs/heads/${main}:refs/heads/${main}`]);
  } catch (err) {
    logger.warn(
      `daemon: could not push main to ${config.queue.remote} before dispatching (the workers start from the remote's main): ${describeError(err)}`,
    );
  }
}
