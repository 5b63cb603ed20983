import type { Command } from 'commander';
import { JidokaError } from '../core/errors.js';
import { action, type CliContext } from './context.js';

export function registerRun(program: Command): void {
  program
    .command('run [plan-id]')
    .description(
      'run the execution loop for one approved plan now (resumes an interrupted run), or the next approved plan with --next',
    )
    .option('--next', 'take the oldest approved plan')
    .option('--json', 'print the outcome as JSON')
    .action(
      action((ctx, id: string | undefined, opts: { next?: boolean; json?: boolean }) => run(ctx, id, opts)),
    );
}

async function run(
  ctx: CliContext,
  id: string | undefined,
  opts: { next?: boolean; json?: boolean },
): Promise<number> {
  const root = ctx.root();
  const { config } = await ctx.config({ required: true });
  if (id && opts.next) throw new JidokaError('give a plan id or --next, not both', { exitCode: 2 });
  if (!id && !opts.next)
    throw new JidokaError('name a plan, or use --next', {
      exitCode: 2,
      hint: 'jidoka plan list shows the plans',
    });
  const planId = id ?? (await nextPlan(root, config.limits.maxChunksPerPlan));
  if (!planId) {
    // Nothing waiting is not a failure: `jidoka run --next` from cron should stay quiet and green.
    ctx.out(
      'no approved plan is waiting (`jidoka plan list` shows the plans; a human approves one with `jidoka plan approve <id>`)',
    );
    return 0;
  }

  const { executePlan } = await import('../loops/execute/execute.js');
  const { autoMerge } = await import('../merge/merge.js');

  // Ctrl-C / SIGTERM: stop the running step (its process group is killed), checkpoint, exit; `jidoka run` resumes.
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    ctx.logger.warn(`${sig}: stopping the running step; the plan resumes with \`jidoka run ${planId}\``);
    abort.abort(new Error(sig));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const outcome = await executePlan({ root, config, planId, logger: ctx.logger, signal: abort.signal });
    const merged = outcome.status === 'done' ? await autoMerge(root, config, planId) : undefined;
    if (opts.json) ctx.json({ ...outcome, ...(merged ? { merged } : {}) });
    else {
      ctx.out(outcome.message);
      if (merged) ctx.out(`merged automatically (merge.mode: auto, risk: low): ${merged.slice(0, 12)}`);
    }
    return outcome.status === 'done' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The plan the daemon would take next: an interrupted one first, then the oldest approved by a human. */
export async function nextPlan(root: string, maxChunks: number): Promise<string | undefined> {
  const { surveyPlans } = await import('../daemon/next-plan.js');
  return surveyPlans(root, maxChunks).ready[0]?.id;
}
