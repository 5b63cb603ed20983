import type { Command } from 'commander';
import { action } from './context.js';

export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .description(
      "the line's lean figures: first-pass yield per station, lead and cycle time, andon rate, time to restore, cost per chunk, work in progress",
    )
    .option('--json', 'print the figures as JSON (stable; wiki/20_SYSTEM/metrics.md)')
    .option('--since <duration>', 'only what happened in the last <duration>, e.g. 7d, 12h')
    .action(
      action(async (ctx, opts: { json?: boolean; since?: string }) => {
        const { parseDuration } = await import('../core/duration.js');
        const { JidokaError } = await import('../core/errors.js');
        let sinceMs: number | undefined;
        if (opts.since !== undefined) {
          const ms = parseDuration(opts.since);
          if (ms === undefined)
            throw new JidokaError(`--since ${opts.since}: not a duration`, {
              hint: 'give a number with a unit: 30m, 12h, 7d',
            });
          sinceMs = Date.now() - ms;
        }
        const { computeMetrics } = await import('../metrics/metrics.js');
        const { formatMetrics } = await import('../metrics/format.js');
        const { config } = await ctx.config();
        const metrics = await computeMetrics(ctx.root(), {
          maxChunks: config.limits.maxChunksPerPlan,
          ...(sinceMs !== undefined ? { sinceMs } : {}),
        });
        if (opts.json) ctx.json(metrics);
        else ctx.out(formatMetrics(metrics));
        return 0;
      }),
    );
}
