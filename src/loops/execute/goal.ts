import { join } from 'node:path';
import { buildPrompt } from '../../agents/prompt.js';
import { runAgent } from '../../agents/run-agent.js';
import { readGoalVerdict } from '../../agents/verdict.js';
import { agentTimeoutMs } from '../../config/agents.js';
import type { Config } from '../../config/schema.js';
import type { Finding } from '../../core/types.js';
import { gitAt } from '../../git/repo.js';
import { type CheckSpec, failingOutput, runChecks } from '../checks.js';
import { recordStep, stepDir } from '../run-record.js';
import { outsideChanged, outsideSnapshot, stepScope } from './outside-check.js';
import type { PlanRun } from './plan-run.js';
import { addSpend } from './plan-state.js';

export interface GoalResult {
  met: boolean;
  reasons: string[];
  output: string;
  /** Something outside the goal steps' writable paths changed: the line stops, whatever the verdict. */
  outside?: Finding;
}

/**
 * Is the plan's goal met? Objective checks first (the plan's goal checks,
 * run by Jidoka, only while the plan is what a human approved), then the
 * goal-checker's verdict, read only from its report file. Without a goal
 * agent, passing checks are the goal.
 */
export async function checkGoal(p: PlanRun): Promise<GoalResult> {
  const { plan } = p;
  if (plan.goal.checks.length && !p.approvedGoalChecks.length) {
    return {
      met: false,
      reasons: [
        `plan ${plan.id} changed since a human approved it, so its goal checks will not run; re-approve it with \`jidoka plan approve ${plan.id}\``,
      ],
      output: '',
    };
  }
  const scope = stepScope(p.opts.root, p.opts.config, plan.id);
  const before = await outsideSnapshot(scope);
  const result = await goalSteps(p);
  const { finding } = await outsideChanged(scope, before, 'the goal checks or the goal-checker');
  return finding ? { ...result, met: false, outside: finding } : result;
}

async function goalSteps(p: PlanRun): Promise<GoalResult> {
  const checks = await runGoalChecks(p);
  const failed = checks.filter((c) => !c.passed);
  if (failed.length) {
    return {
      met: false,
      reasons: failed.map((c) => `goal check \`${c.command}\` exited ${c.exitCode ?? c.signal}`),
      output: failingOutput(checks, p.opts.config.limits.maxLogExcerptBytes),
    };
  }
  if (!p.opts.config.agents.goal)
    return { met: true, reasons: ['goal checks passed (no goal agent configured)'], output: '' };
  return runGoalChecker(p, checks);
}

/** The goal checks as check specs: run with the configured checks on the last chunk, and in the goal phase. */
export function goalSpecs(commands: string[], config: Config): CheckSpec[] {
  return commands.map((command) => ({
    name: `goal: ${command}`,
    command,
    timeoutMs: config.limits.checkTimeout,
    goal: true as const,
  }));
}

async function runGoalChecks(p: PlanRun) {
  const { config, signal } = p.opts;
  const dir = stepDir(p.run, 'goal-checks', p.plan.chunks.length + 1, p.state.goalAttempt + 1);
  const checks = await runChecks({
    cwd: p.worktree.path,
    specs: goalSpecs(p.approvedGoalChecks, config),
    stepDir: dir,
    maxOutputBytes: config.limits.maxOutputBytes,
    sandbox: config.sandbox,
    ...(signal ? { signal } : {}),
  });
  recordStep(p.run, {
    name: 'goal-checks',
    dir,
    startedAt: new Date().toISOString(),
    durationMs: checks.reduce((n, c) => n + c.durationMs, 0),
    outcome: checks.every((c) => c.passed) ? 'passed' : 'failed',
  });
  return checks;
}

async function runGoalChecker(
  p: PlanRun,
  checks: Awaited<ReturnType<typeof runGoalChecks>>,
): Promise<GoalResult> {
  const { config, signal, root } = p.opts;
  const { plan, state } = p;
  const agent = config.agents.goal!;
  const dir = stepDir(p.run, 'goal', plan.chunks.length + 1, state.goalAttempt + 1);
  const reportFile = join(dir, 'report.json');
  const diff = await gitAt(p.worktree.path).raw(['diff', '--stat', state.baseSha, 'HEAD']);
  const prompt = buildPrompt({ root, role: 'goal', plan, diff, checks, reportFile, tool: agent.adapter });
  const started = Date.now();
  const result = await runAgent({
    role: 'goal',
    agent,
    prompt,
    cwd: p.worktree.path,
    stepDir: dir,
    plan: plan.id,
    timeoutMs: agentTimeoutMs(config, agent),
    maxOutputBytes: config.limits.maxOutputBytes,
    ...(signal ? { signal } : {}),
  });
  addSpend(state, { costUsd: result.parsed.costUsd ?? 0, tokens: result.parsed.usage?.totalTokens ?? 0 });
  recordStep(p.run, {
    name: 'goal',
    dir,
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
