import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGuards } from '../../andon/guards.js';
import type { CheckResult, FileChange, Finding } from '../../core/types.js';
import { stagedDiff } from '../../git/diff.js';
import type { AttemptContext } from './attempt.js';

export interface Guarded {
  changes: FileChange[];
  patch: string;
  findings: Finding[];
}

/**
 * The guards over what the maker changed since the chunk started: the diff
 * is staged once and shared with the checker (so the guards and the checker
 * see the same change), and the findings are kept in the run record.
 */
export async function guardAttempt(
  ctx: AttemptContext,
  checks: CheckResult[],
  makerExitCode: number | null,
): Promise<Guarded> {
  const { state, chunk } = ctx;
  const { changes, patch, ignoredForceAdded } = await stagedDiff(ctx.worktree, state.chunkStartSha);
  const findings = runGuards({
    scope: ctx.plan.scope,
    changes,
    baseTestFiles: ctx.baseTestFiles,
    checkCommands: ctx.checkSpecs.map((s) => s.command),
    checks,
    ...(state.testTotal !== undefined ? { previousTestTotal: state.testTotal } : {}),
    ignoredForceAdded,
    makerExitCode,
    limits: ctx.config.limits,
  });
  writeFileSync(
    join(ctx.run.dir, `c${chunk.number}-a${state.attempt}-guards.json`),
    `${JSON.stringify({ changes: changes.map(({ addedLines, removedLines, ...c }) => c), findings }, null, 2)}\n`,
  );
  return { changes, patch, findings };
}
