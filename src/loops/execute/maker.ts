import { buildPrompt } from '../../agents/prompt.js';
import type { AgentResult } from '../../agents/run-agent.js';
import { startWatchdog } from '../../andon/watchdog.js';
import { agentTimeoutMs, requireAgent } from '../../config/agents.js';
import { stepDir } from '../run-record.js';
import { agentStep } from './agent-step.js';
import type { AttemptContext } from './attempt.js';

export interface MakerStep {
  result: AgentResult;
  /** The attempt's signal fired (Ctrl-C, the daemon's grace period): nothing of this step is judged. */
  interrupted: boolean;
  /** Why the no-progress watchdog killed the maker, when it did. */
  noProgress?: string;
  lastProgressAt: number;
  timeoutMs: number;
}

/**
 * The maker step: the prompt (the chunk, its skill, and the reasons of the
 * last failure), the agent in the worktree, and the no-progress watchdog
 * wired to it: no file change in the worktree and no agent output for
 * `limits.noProgress` kills the maker's process group.
 */
export async function runMaker(ctx: AttemptContext): Promise<MakerStep> {
  const { state, chunk, config } = ctx;
  const agent = requireAgent(config, 'maker');
  const dir = stepDir(ctx.run, 'maker', chunk.number, state.attempt);
  const reasons = [...(state.lastFailure?.reasons ?? []), ...(ctx.extraReasons ?? [])];
  const prompt = buildPrompt({
    root: ctx.root,
    role: 'maker',
    plan: ctx.plan,
    chunk,
    attempt: state.attempt,
    tool: agent.adapter,
    ...(reasons.length
      ? { retry: { checkerReasons: reasons, failingOutput: state.lastFailure?.output ?? '' } }
      : {}),
  });
  const watchdogAbort = new AbortController();
  let tripped: string | undefined;
  let watchdog: { stop(): Promise<void>; lastChangeAt(): number } | undefined;
  let lastOutput = (): number => Date.now();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, watchdogAbort.signal]) : watchdogAbort.signal;
  const result = await agentStep(ctx, 'maker', dir, prompt, {
    signal,
    onStart: (handle) => {
      // The pid is checkpointed, so a resume after a crash can kill a maker left behind.
      state.activePid = handle.pid;
      lastOutput = () => handle.lastActivityAt();
      ctx.checkpoint('maker');
      watchdog = startWatchdog({
        dir: ctx.worktree,
        noProgressMs: config.limits.noProgress,
        lastOutputAt: () => handle.lastActivityAt(),
        watch: ctx.watcher,
        onTrip: (reason) => {
          tripped = reason;
          watchdogAbort.abort(new Error(`no progress: ${reason}`));
        },
      });
    },
  });
  const lastProgressAt = Math.max(lastOutput(), watchdog?.lastChangeAt() ?? 0);
  await watchdog?.stop();
  state.activePid = undefined;
  return {
    result,
    interrupted: Boolean(ctx.signal?.aborted),
    lastProgressAt,
    timeoutMs: agentTimeoutMs(config, agent),
    ...(tripped ? { noProgress: tripped } : {}),
  };
}
