import { type AgentRequest, type AgentResult, runAgent, spendOf } from '../../agents/run-agent.js';
import { agentTimeoutMs, requireAgent } from '../../config/agents.js';
import { type RunRecord, recordStep } from '../run-record.js';
import type { AttemptContext } from './attempt.js';

/**
 * One agent step of an attempt (maker or checker): the request every chunk
 * role shares, run through the one runner in the plan's worktree, and
 * recorded in the run with its spend, exit and session.
 */
export async function agentStep(
  ctx: AttemptContext,
  role: 'maker' | 'checker',
  dir: string,
  prompt: string,
  extra: Pick<AgentRequest, 'signal' | 'onStart'>,
): Promise<AgentResult> {
  const agent = requireAgent(ctx.config, role);
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
    timeoutMs: agentTimeoutMs(ctx.config, agent),
    maxOutputBytes: ctx.config.limits.maxOutputBytes,
    ...extra,
  });
  recordAgentStep(
    ctx.run,
    { name: role, dir, started, chunk: ctx.chunk.number, attempt: ctx.state.attempt },
    result,
  );
  return result;
}

/**
 * Every agent step of a run (maker, checker, goal-checker, diagnose) is
 * recorded here, the one way: its spend (what the run's total, the ledger
 * and `jidoka status` add up), exit, session and the tool uses its CLI
 * refused.
 */
export function recordAgentStep(
  run: RunRecord,
  step: { name: string; dir: string; started: number; chunk?: number; attempt?: number },
  result: AgentResult,
): void {
  const spent = spendOf(result);
  const denials = result.parsed.permissionDenials ?? [];
  recordStep(run, {
    name: step.name,
    ...(step.chunk !== undefined ? { chunk: step.chunk } : {}),
    ...(step.attempt !== undefined ? { attempt: step.attempt } : {}),
    dir: step.dir,
    startedAt: new Date(step.started).toISOString(),
    durationMs: Date.now() - step.started,
    outcome: result.failure ? `failed: ${result.failure}` : 'finished',
    costUsd: spent.costUsd,
    tokens: spent.tokens,
    ...(denials.length ? { permissionDenials: denials } : {}),
    detail: {
      exitCode: result.run.exitCode,
      timedOut: result.run.timedOut,
      processMs: result.run.durationMs,
      sessionId: result.parsed.sessionId,
      turns: result.parsed.turns,
    },
  });
}
