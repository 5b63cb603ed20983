import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { budget } from '../andon/breakers.js';
import { finding } from '../andon/finding.js';
import { readLine } from '../andon/line.js';
import { stopLine } from '../andon/stop.js';
import type { Config } from '../config/schema.js';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { describeError } from '../core/errors.js';
import { appendLedger, spentToday } from '../core/ledger.js';
import { jidokaPaths } from '../core/paths.js';
import type { Finding } from '../core/types.js';
import { moveOwnRefs } from '../git/own-moves.js';
import { runGit } from '../git/run.js';
import { planBranch, planWorktreePath } from '../git/worktree.js';
import type { GateAnswer } from '../loops/execute/plan-run.js';
import { type PlanState, writePlanState } from '../loops/execute/plan-state.js';
import { approvalOf, isApprovedContent } from '../plans/approval.js';
import { findPlan, setPlanStatus } from '../plans/store.js';
import type { EndMessage, GateMessage, StartAnswer, StartMessage, StepMessage } from './messages.js';

/**
 * The daemon's side of every step a worker runs: the one authority. A worker
 * asks before each agent step and reports when its run ends; the answers
 * come from the same parts the local loop uses (the line file, the human
 * approvals, the budget breaker over the ledger's day tally, stopLine), so a
 * plan on a worker meets its budgets and breakers at the same boundaries as
 * one on this machine. One worker holds a plan at a time (its token, given
 * at start): a job delivered twice leaves the second holder running and the
 * first drained at its next step. Reports are applied once per run id.
 */
export interface Authority {
  answer(msg: StepMessage): Promise<StartAnswer | GateAnswer | { ok: boolean }>;
  /** What the plans running on workers spent since they started (the ledger has not seen it yet). */
  spendingUsd(): number;
  /** The plan's job is gone (completed, failed): whoever held it holds it no more. */
  release(plan: string): void;
  /** A plan stalled twice: the line stops (red, env_tooling), it is not retried silently. */
  stalledTwice(plan: string, reason: string): Promise<void>;
}

interface Holder {
  token: string;
  worker: string;
  /** The plan's spend when this worker took it: the day budget adds what it spent since. */
  startUsd: number;
  state?: PlanState;
}

/** The last checkpoint a worker reported for a plan, with the approval it ran under. */
interface Reported {
  hash: string;
  state: PlanState;
  /** The plan's spend the ledger has counted (the runs whose end the daemon applied). */
  accounted?: { usd: number; tokens: number };
}

export function createAuthority(opts: {
  root: string;
  logger: Logger;
  config: () => Config;
  /** What the plans this daemon runs itself spent since they started. */
  localUsd: () => number;
}): Authority {
  const { root, logger } = opts;
  const holders = new Map<string, Holder>();
  const appliedRuns = new Set<string>();
  const reportedFile = (plan: string) => join(jidokaPaths(root).dir, 'queue', 'plans', `${plan}.json`);
  const readReported = (plan: string): Reported | undefined => {
    const f = reportedFile(plan);
    if (!existsSync(f)) return undefined;
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as Reported;
    } catch {
      return undefined;
    }
  };
  const report = (plan: string, state: PlanState, accounted = readReported(plan)?.accounted) => {
    const hash = approvalOf(root, plan)?.hash ?? '';
    writeJsonAtomic(reportedFile(plan), {
      hash,
      state,
      ...(accounted ? { accounted } : {}),
    } satisfies Reported);
  };
  /** What of this spend the ledger has counted: none when the state is a fresh one (less spent than counted). */
  const counted = (plan: string, spend: { usd: number; tokens: number }) => {
    const a = readReported(plan)?.accounted;
    return a && a.usd <= spend.usd && a.tokens <= spend.tokens ? a : { usd: 0, tokens: 0 };
  };
  const spendingUsd = (except?: string) => {
    let sum = 0;
    for (const [plan, h] of holders)
      if (plan !== except) sum += Math.max(0, (h.state?.spend.usd ?? 0) - h.startUsd);
    return sum;
  };
  const stoppedWhy = (): string | undefined => {
    try {
      const line = readLine(root);
      if (line.state !== 'stopped') return undefined;
      return `the line is stopped (incident ${line.incident ?? '-'}); the plan stops here, checkpointed, and goes on after \`jidoka andon resolve\``;
    } catch {
      return 'the line state file is damaged; nothing runs until it is fixed';
    }
  };
  const approved = (plan: string, hash?: string): boolean => {
    try {
      const entry = findPlan(root, plan, opts.config().limits.maxChunksPerPlan);
      const a = approvalOf(root, plan);
      return (
        isApprovedContent(root, plan, entry.file) &&
        (hash === undefined || a?.hash === hash) &&
        (entry.plan?.status === 'approved' || entry.plan?.status === 'active')
      );
    } catch {
      return false;
    }
  };

  const start = (m: StartMessage): StartAnswer => {
    const stopped = stoppedWhy();
    if (stopped) return { ok: false, drain: stopped };
    if (!approved(m.plan, m.hash))
      return {
        ok: false,
        refuse: `the daemon has no human approval of this content of plan ${m.plan} (it was edited, rejected or never approved)`,
      };
    const last = readReported(m.plan);
    const checkpoint =
      last && last.hash === m.hash && last.state.status === 'running' ? last.state : undefined;
    const previous = holders.get(m.plan);
    if (previous && previous.token !== m.token)
      logger.warn(
        `daemon: plan ${m.plan} was delivered again, now to worker ${m.worker}; ${previous.worker} stops at its next step`,
      );
    holders.set(m.plan, {
      token: m.token,
      worker: m.worker,
      // A run lost with its worker (kill -9) never reported its end: its spend counts as in flight until the next end.
      startUsd: checkpoint ? counted(m.plan, checkpoint.spend).usd : 0,
      ...(checkpoint ? { state: checkpoint } : {}),
    });
    logger.info(
      checkpoint
        ? `daemon: plan ${m.plan} resumes on worker ${m.worker} at chunk ${checkpoint.chunk}, attempt ${checkpoint.attempt}`
        : `daemon: plan ${m.plan} starts on worker ${m.worker}`,
    );
    return checkpoint ? { ok: true, checkpoint } : { ok: true };
  };

  const gate = (m: GateMessage): GateAnswer => {
    let h = holders.get(m.plan);
    if (!h) {
      // The daemon restarted while the worker ran: the first worker to report holds the plan again.
      h = { token: m.token, worker: m.worker, startUsd: counted(m.plan, m.state.spend).usd };
      holders.set(m.plan, h);
    }
    if (h.token !== m.token)
      return {
        go: false,
        drain: `worker ${h.worker} holds plan ${m.plan} now (its job was delivered again); this run ends here`,
      };
    h.state = m.state;
    report(m.plan, m.state);
    const stopped = stoppedWhy();
    if (stopped) return { go: false, drain: stopped };
    if (!approved(m.plan))
      return {
        go: false,
        drain: `plan ${m.plan}'s content is no longer what a human approved on the daemon; it stops here`,
      };
    const limits = opts.config().limits;
    const planUsd = m.state.spend.usd + m.spent.costUsd;
    const over: Finding | undefined = budget(
      {
        planUsd,
        dayUsd: spentToday(root).usd + opts.localUsd() + spendingUsd(m.plan) + planUsd - h.startUsd,
        planTokens: m.state.spend.tokens + m.spent.tokens,
      },
      limits,
    );
    return over ? { go: false, stop: over } : { go: true };
  };

  const end = async (m: EndMessage): Promise<{ ok: boolean }> => {
    const h = holders.get(m.plan);
    if (h && h.token !== m.token) {
      logger.info(
        `daemon: plan ${m.plan}: the end reported by ${m.worker} is ignored; ${h.worker} holds it now`,
      );
      return { ok: false };
    }
    if (appliedRuns.has(m.outcome.runId)) return { ok: true };
    appliedRuns.add(m.outcome.runId);
    holders.delete(m.plan);
    // The ledger gets every dollar once: this run's, and a lost run's (its worker died before its end) with it.
    const before = counted(m.plan, m.state.spend);
    report(m.plan, m.state, { usd: m.state.spend.usd, tokens: m.state.spend.tokens });
    appendLedger(root, 'run.finished', {
      run: m.outcome.runId,
      plan: m.plan,
      outcome: m.outcome.status,
      costUsd: m.state.spend.usd - before.usd,
      tokens: m.state.spend.tokens - before.tokens,
      runCostUsd: m.run.costUsd,
      worker: m.worker,
      message: m.outcome.message,
    });
    logger.info(`daemon: plan ${m.plan} on worker ${m.worker}: ${m.outcome.message}`);
    if (m.outcome.status === 'done') await takeDone(m);
    else if (m.outcome.status === 'stopped' || m.outcome.status === 'failed') await stopFor(m);
    return { ok: true };
  };

  /** A done plan: its pushed branch fetched here, its checkpoint and status as a local run leaves them, for the merge queue. */
  const takeDone = async (m: EndMessage) => {
    const branch = planBranch(m.plan);
    const ref = `refs/heads/${branch}`;
    const remote = opts.config().queue.remote;
    try {
      await moveOwnRefs(root, [ref], () => runGit(root, ['fetch', '--quiet', remote, `+${ref}:${ref}`]));
    } catch (err) {
      logger.error(
        `daemon: plan ${m.plan} is done on worker ${m.worker}, but its branch could not be fetched from ${remote}: ${describeError(err)}`,
      );
      return;
    }
    writePlanState(root, { ...m.state, worktree: planWorktreePath(root, m.plan), activePid: undefined });
    setPlanStatus(findPlan(root, m.plan).file, 'done');
  };

  /** The worker stopped the line there: it stops here, the one line every worker asks. */
  const stopFor = async (m: EndMessage) => {
    const s = m.stopped;
    const f = s
      ? finding(s.breaker, s.category, s.reason)
      : finding(
          'manual',
          'env_tooling',
          `plan ${m.plan} ended ${m.outcome.status} on worker ${m.worker}: ${m.outcome.message}`,
        );
    await stopLine({
      root,
      config: opts.config(),
      finding: f,
      severity: 'red',
      plan: m.plan,
      chunk: m.state.chunk,
      attempt: m.state.attempt,
      containment: [
        `Stopped on worker ${m.worker}${s ? `, its incident ${s.incident}` : ''}: the worktree, the preserved work (refs/andon/*) and the Five Whys draft are on that machine.`,
        ...(m.outcome.status === 'failed' ? [`plan ${m.plan} failed there: ${m.outcome.message}`] : []),
      ],
    });
    if (m.outcome.status === 'failed') setPlanStatus(findPlan(root, m.plan).file, 'failed');
  };

  return {
    async answer(msg) {
      if (msg.kind === 'start') return start(msg);
      if (msg.kind === 'gate') return gate(msg);
      return end(msg);
    },
    spendingUsd: () => spendingUsd(),
    release: (plan) => {
      holders.delete(plan);
    },
    async stalledTwice(plan, reason) {
      holders.delete(plan);
      const last = readReported(plan)?.state;
      await stopLine({
        root,
        config: opts.config(),
        finding: finding(
          'worker_stalled',
          'env_tooling',
          `plan ${plan} stalled twice (${reason}): the workers that ran it stopped answering; it is not retried silently`,
        ),
        severity: 'red',
        plan,
        ...(last ? { chunk: last.chunk, attempt: last.attempt } : {}),
        containment: [
          `The plan's last checkpoint is in .jidoka/queue/plans/${plan}.json; after \`jidoka andon resolve\` it is dispatched again from there.`,
        ],
      });
    },
  };
}
