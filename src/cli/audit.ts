import type { Command } from 'commander';
import { action } from './context.js';

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description(
      'run the audit loop now: collect signals, ask the auditor agent for plans, validate them (they land as proposed)',
    )
    .option('--dry-run', 'collect and print the signals; run no agent and write no plan')
    .option('--json', 'print the outcome as JSON')
    .action(
      action(async (ctx, opts: { dryRun?: boolean; json?: boolean }) => {
        const { wikiSignals } = await import('../daemon/hooks.js');
        const { runAudit } = await import('../loops/audit/audit.js');
        const { formatSignals } = await import('../loops/audit/signals.js');
        const root = ctx.root();
        const { config } = await ctx.config({ required: true });
        const outcome = await runAudit({
          root,
          config,
          logger: ctx.logger,
          dryRun: Boolean(opts.dryRun),
          wikiFindings: await wikiSignals(root, config),
        });
        if (opts.json) {
          ctx.json(outcome);
          return outcome.agentFailure ? 1 : 0;
        }
        if (opts.dryRun) {
          ctx.out(formatSignals(outcome.signals));
          return 0;
        }
        const lines = [`audit finished (record in ${outcome.runDir})`];
        if (outcome.agentFailure) lines.push(`the auditor failed: ${outcome.agentFailure}`);
        if (outcome.discarded?.length)
          lines.push(
            `the auditor changed ${outcome.discarded.length} file(s) in its scratch checkout, discarded (only plans reach the line): ${outcome.discarded.join(', ')}`,
          );
        lines.push(`proposed: ${outcome.proposed.join(', ') || 'none'}`);
        if (outcome.autoApproved.length)
          lines.push(`auto-approved (approval.auto, low risk): ${outcome.autoApproved.join(', ')}`);
        if (outcome.invalid.length)
          lines.push(`invalid (kept, marked status: invalid): ${outcome.invalid.join(', ')}`);
        if (outcome.overLimit.length)
          lines.push(
            `over limits.maxPlansPerAudit, kept only in the run record: ${outcome.overLimit.join(', ')}`,
          );
        lines.push('review them in plans/, then `jidoka plan approve <id>`');
        ctx.out(lines.join('\n'));
        return outcome.agentFailure ? 1 : 0;
      }),
    );
}
