import { type AgentRequest, type AgentResult, runAgent } from '../../agents/run-agent.js';
import { agentTimeoutMs, requireAgent } from '../../config/agents.js';
import { recordStep } from '../run-record.js';
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
  recordStep(ctx.run, {
    name: role,
    chunk: ctx.chunk.number,
    attempt: ctx.state.attempt,
    dir,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome: result.failure ? `failed: ${result.failure}` : 'finished',
    ...(result.parsed.costUsd !== undefined ? { costUsd: result.parsed.costUsd } : {}),
    ...(result.parsed.usage ? { tokens: result.parsed.usage.totalTokens } : {}),
    detail: {
      exitCode: result.run.exitCode,
      timedOut: result.run.timedOut,
      processMs: result.run.durationMs,
      sessionId: result.parsed.sessionId,
      turns: result.parsed.turns,
    },
  });
  return result;
}

/** What an agent step cost, in the shape the budgets and the attempt's spend use. */
export function spendOf(r: AgentResult): { costUsd: number; tokens: number } {
  return { costUsd: r.parsed.costUsd ?? 0, tokens: r.parsed.usage?.totalTokens ?? 0 };
}
