import { join } from 'node:path';
import { buildPrompt } from '../../agents/prompt.js';
import { runAgent, spendOf } from '../../agents/run-agent.js';
import { readGoalVerdict } from '../../agents/verdict.js';
import { agentTimeoutMs } from '../../config/agents.js';
import type { Config } from '../../config/schema.js';
import type { CheckResult, Finding } from '../../core/types.js';
import { gitAt } from '../../git/repo.js';
import { type CheckSpec, failingOutput, runChecks } from '../checks.js';
import { recordStep, stepDir } from '../run-record.js';
import { recordAgentStep } from './agent-step.js';
import { outsideChanged, outsideSnapshot, stepScope } from './outside-check.js';
import type { PlanRun } from './plan-run.js';

export interface GoalResult {
  met: boolean;
  reasons: string[];
  output: string;
  /** The goal checks Jidoka ran (none when the plan changed since its approval). */
  checks: CheckResult[];
  /** The goal-checker's verdict as its report said it, when it gave a usable one. */
  verdict?: { met: boolean; evidence: string[] };
  /** The tool uses the goal-checker's CLI refused: shown with its verdict. */
  permissionDenials?: string[];
  /** What the goal-checker spent (zero when it did not run). */
  costUsd: number;
  tokens: number;
  /** Something outside the goal steps' writable paths changed: the line stops, whatever the verdict. */
  outside?: Finding;
}

const NOTHING_SPENT = { checks: [], costUsd: 0, tokens: 0 };

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
      ...NOTHING_SPENT,
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
      ...NOTHING_SPENT,
      checks,
    };
  }
  if (!p.opts.config.agents.goal)
    return {
      met: true,
      reasons: ['goal checks passed (no goal agent configured)'],
      output: '',
      ...NOTHING_SPENT,
      checks,
    };
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

async function runGoalChecks(p: PlanRun): Promise<CheckResult[]> {
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

async function runGoalChecker(p: PlanRun, checks: CheckResult[]): Promise<GoalResult> {
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
  const at = { chunk: plan.chunks.length + 1, attempt: state.goalAttempt + 1 };
  recordAgentStep(p.run, { name: 'goal', dir, started, ...at }, result);
  const denials = result.parsed.permissionDenials ?? [];
  const spent = { checks, ...spendOf(result), ...(denials.length ? { permissionDenials: denials } : {}) };
  if (result.failure)
    return { met: false, reasons: [`the goal-checker failed: ${result.failure}`], output: '', ...spent };
  const verdict = readGoalVerdict(result.reportFile);
  if (!verdict.ok)
    return {
      met: false,
      reasons: [`the goal-checker's report is unusable: ${verdict.error}`],
      output: '',
      ...spent,
    };
  return {
    met: verdict.met,
    reasons: verdict.evidence,
    output: '',
    verdict: { met: verdict.met, evidence: verdict.evidence },
    ...spent,
  };
}
