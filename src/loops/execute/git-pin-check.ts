import { finding } from '../../andon/finding.js';
import { stopLine } from '../../andon/stop.js';
import type { Finding } from '../../core/types.js';
import { gitPinChanges } from '../../git/pin.js';
import type { Plan } from '../../plans/types.js';
import { finishRun, startRun } from '../run-record.js';
import type { ExecuteOptions, ExecuteOutcome } from './plan-run.js';

/**
 * Before Jidoka's first git command on a plan's work: is the git
 * configuration the one pinned when a human approved the plan (src/git/pin.ts)?
 * Checked in the main checkout before the worktree is made (`git worktree
 * add` checks files out, which runs filters), and in the plan's worktree
 * (its own config.worktree). Any difference refuses the run: a change a
 * human made is accepted by approving the plan again.
 */
export async function gitChangedSinceApproval(
  root: string,
  planId: string,
  dir: string,
): Promise<Finding | undefined> {
  const changes = await gitPinChanges(root, planId, dir);
  if (!changes.length) return undefined;
  return finding(
    'repo_integrity',
    'repo_integrity',
    `the git configuration differs from the one pinned when plan ${planId} was approved, so Jidoka's git will not run on its work: ${changes.slice(0, 5).join('; ')}${changes.length > 5 ? '; …' : ''}. If the change is yours, approve the plan again (\`jidoka plan approve ${planId}\`); if not, remove it first`,
    { gitConfigChanged: changes, checkedIn: dir },
  );
}

/** The line stops before the plan's worktree exists: an incident and a run record, no step. */
export async function refuseRun(opts: ExecuteOptions, plan: Plan, f: Finding): Promise<ExecuteOutcome> {
  const run = startRun(opts.root, plan.id);
  const { incidentId } = await stopLine({
    root: opts.root,
    config: opts.config,
    finding: f,
    severity: 'red',
    plan: plan.id,
    containment: [`no git command ran on plan ${plan.id}'s work; its worktree was not made or touched`],
  });
  const message = `the line is stopped: ${f.message} (incident ${incidentId})`;
  finishRun(opts.root, run, 'stopped', { message, incident: incidentId });
  return { plan: plan.id, runId: run.id, status: 'stopped', message, incident: incidentId, commits: [] };
}
