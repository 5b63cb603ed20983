import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPrompt } from '../../agents/prompt.js';
import type { AgentResult } from '../../agents/run-agent.js';
import { readCheckerVerdict } from '../../agents/verdict.js';
import { finding } from '../../andon/finding.js';
import { requireAgent } from '../../config/agents.js';
import type { CheckResult, Finding } from '../../core/types.js';
import { stepDir } from '../run-record.js';
import { agentStep } from './agent-step.js';
import type { AttemptContext } from './attempt.js';
import { type Candidate, changedSinceFreeze } from './guard-step.js';

/** What the checker's step came to: an approval, or the reason it does not count. */
export type CheckerVerdict =
  | { kind: 'approved'; reasons: string[] }
  | { kind: 'rejected'; reasons: string[] }
  | { kind: 'failed'; reason: string; fingerprint: string }
  | { kind: 'tampered'; finding: Finding };

/**
 * The checker step: a different agent reads the chunk, the diff the guards
 * saw, Jidoka's check results and the tool uses the maker's CLI refused, and
 * writes its verdict to a report file.
 * Only that file counts (agents/verdict.ts reads it strictly); the checker
 * is read-only, so a worktree it changed voids its approval.
 */
export async function runChecker(
  ctx: AttemptContext,
  checks: CheckResult[],
  candidate: Candidate,
  diff: string,
  makerDenials: string[],
): Promise<{ result: AgentResult; verdict: CheckerVerdict }> {
  const { changes } = candidate;
  const { state, chunk } = ctx;
  const dir = stepDir(ctx.run, 'checker', chunk.number, state.attempt);
  writeFileSync(join(dir, 'diff.patch'), diff);
  const prompt = buildPrompt({
    root: ctx.root,
    role: 'checker',
    plan: ctx.plan,
    chunk,
    attempt: state.attempt,
    diff: diff || `(no textual diff; ${changes.length} file(s) changed)`,
    checks,
    makerDenials,
    reportFile: join(dir, 'report.json'),
    tool: requireAgent(ctx.config, 'checker').adapter,
  });
  const result = await agentStep(ctx, 'checker', dir, prompt, ctx.signal ? { signal: ctx.signal } : {});
  return { result, verdict: await judgeChecker(ctx, result, candidate.tree) };
}

async function judgeChecker(ctx: AttemptContext, result: AgentResult, tree: string): Promise<CheckerVerdict> {
  if (result.failure)
    return { kind: 'failed', reason: `the checker failed: ${result.failure}`, fingerprint: result.failure };
  const verdict = readCheckerVerdict(result.reportFile);
  // A malformed or missing verdict is a failure, never an approval.
  if (!verdict.ok)
    return {
      kind: 'failed',
      reason: `the checker's report is unusable: ${verdict.error}`,
      fingerprint: verdict.error,
    };
  if (verdict.decision !== 'approve')
    return {
      kind: 'rejected',
      reasons: verdict.reasons.length
        ? verdict.reasons
        : ['the checker rejected the chunk without giving reasons'],
    };
  // The checker is read-only: anything it changed would go into the commit unguarded.
  const touched = await changedSinceFreeze(ctx.worktree, tree);
  if (touched.length)
    return {
      kind: 'tampered',
      finding: finding(
        'gate_tampering',
        'agent_error',
        `the checker changed the worktree after the guards ran (${touched.length} path(s)); its approval does not count`,
        { status: touched.slice(0, 20) },
      ),
    };
  return { kind: 'approved', reasons: verdict.reasons };
}
