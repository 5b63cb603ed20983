import { spendOf } from '../../agents/run-agent.js';
import { finding } from '../../andon/finding.js';
import { type DiagnoseStep, replan } from '../../andon/replan.js';
import { type StopInput, stopLine } from '../../andon/stop.js';
import type { Finding } from '../../core/types.js';
import { setPlanStatus } from '../../plans/store.js';
import { finishRun } from '../run-record.js';
import { recordAgentStep } from './agent-step.js';
import type { AttemptOutcome } from './attempt.js';
import type { ExecuteOutcome, PlanRun } from './plan-run.js';
import { addSpend, finishState, stopAttempt, writePlanState } from './plan-state.js';

/**
 * The ways a plan's run ends, each one named: finished (done, failed,
 * interrupted), the line stopped on this plan, or the plan sent back to
 * planning (Meta-Andon). Each writes the checkpoint, the plan's status and
 * the run record, so the loop only says which end it reached.
 */

type Abnormal = Extract<AttemptOutcome, { kind: 'abnormal' }>;

export function finish(
  p: PlanRun,
  status: ExecuteOutcome['status'],
  message: string,
  incident?: string,
): ExecuteOutcome {
  if (status !== 'interrupted') finishState(p.state, status);
  writePlanState(p.opts.root, p.state);
  if (status === 'done' || status === 'failed') setPlanStatus(p.plan.file, status);
  finishRun(p.opts.root, p.run, status, { message, ...(incident ? { incident } : {}) });
  return {
    plan: p.plan.id,
    runId: p.run.id,
    status,
    message,
    commits: p.commits,
    ...(incident ? { incident } : {}),
  };
}

/** Interrupted (Ctrl-C, the daemon's shutdown): checkpointed, and it says how it resumes. */
export function interrupted(p: PlanRun, where: string): ExecuteOutcome {
  return finish(
    p,
    'interrupted',
    `${where}; it resumes with \`jidoka run ${p.plan.id}\`, or when the daemon next starts`,
  );
}

/** Red: the line stops on the first red finding (or the first), with the attempt's facts when there are some. */
export async function stop(p: PlanRun, findings: Finding[], outcome?: Abnormal): Promise<ExecuteOutcome> {
  const main = findings.find((f) => f.line === 'red') ?? findings[0]!;
  const { incidentId, whys } = await stopLine(stopInput(p, main, outcome));
  recordDiagnose(p, whys?.step);
  stopAttempt(p.state, incidentId, p.run.id);
  return finish(p, 'stopped', `the line is stopped: ${main.message} (incident ${incidentId})`, incidentId);
}

/** Meta-Andon: the plan fails, the line stops, and the diagnose role is asked for a revised plan. */
export async function failPlan(p: PlanRun, why: string, findings?: Finding[]): Promise<ExecuteOutcome> {
  const { state, plan } = p;
  const f =
    findings?.[0] ??
    finding('consecutive_failures', 'repeat_failure', `${why}; the plan goes back to planning`, {
      attempts: state.attempts.length,
    });
  const last = [...state.attempts].reverse().find((a) => a.outcome !== 'accepted');
  const { incidentId, whys } = await stopLine({
    ...stopInput(p, f),
    failingChecks: [],
    logExcerpt: state.lastFailure
      ? `${state.lastFailure.reasons.join('\n')}\n\n${state.lastFailure.output}`
      : '',
    containment: [
      `plan ${plan.id} marked failed after ${state.consecutiveFailures} failed attempt(s) in a row; its branch ${p.worktree.branch} and worktree are kept`,
      ...(findings ?? []).slice(1).map((x) => `also: ${x.message}`),
    ],
  });
  if (last && !last.incident) last.incident = incidentId;
  recordDiagnose(p, whys?.step);
  // The re-plan runs before the run is finished, so its spend is in the run's record and ledger line.
  const revised = await replan({ root: p.opts.root, config: p.opts.config, plan, incidentId }).catch(
    (err: unknown) => {
      p.opts.logger.warn({ err }, `the diagnose role could not write a revised plan for ${plan.id}`);
      return undefined;
    },
  );
  recordDiagnose(p, revised?.step);
  return finish(p, 'failed', `plan ${plan.id} failed: ${why} (incident ${incidentId})`, incidentId);
}

/** A diagnose agent's step during this run: in the run record and the plan's spend, like every agent step. */
function recordDiagnose(p: PlanRun, step: DiagnoseStep | undefined): void {
  if (!step) return;
  recordAgentStep(p.run, { name: 'diagnose', dir: step.dir, started: step.started }, step.result);
  addSpend(p.state, spendOf(step.result));
}

/** What stopLine needs for a red stop on this plan's current chunk and attempt. */
function stopInput(p: PlanRun, f: Finding, outcome?: Abnormal): StopInput {
  const { state } = p;
  const wt = p.worktree.path;
  const rollback = f.action === 'rollback' || outcome?.findings.some((x) => x.action === 'rollback');
  return {
    root: p.opts.root,
    // The diagnose agent, when configured, drafts the Five Whys of every red stop.
    draftWhys: true,
    config: p.opts.config,
    finding: f,
    severity: 'red',
    plan: p.plan.id,
    chunk: state.chunk,
    attempt: state.attempt,
    worktree: wt,
    baseSha: state.chunkStartSha,
    ...(outcome
      ? {
          diffStat: outcome.diffStat,
          failingChecks: outcome.checks.filter((c) => !c.passed),
          logExcerpt: outcome.output,
        }
      : {}),
    ...(rollback ? { rollback: { worktree: wt, toSha: state.chunkStartSha } } : {}),
    containment:
      outcome && outcome.findings.length > 1
        ? outcome.findings.slice(1).map((x) => `also detected: ${x.message}`)
        : [],
  };
}
