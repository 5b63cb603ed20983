import type { Command } from 'commander';
import { action } from './context.js';

export function registerReview(program: Command): void {
  program
    .command('review <plan-id>')
    .description("show a plan's diff stat and full diff, each chunk's attempts, verdicts, checks and costs")
    .option('--json', 'print as JSON')
    .action(
      action(async (ctx, id: string, opts: { json?: boolean }) => {
        const { buildReview, formatReview } = await import('../review/review.js');
        const root = ctx.root();
        const { config } = await ctx.config();
        const review = await buildReview(root, config, id);
        if (opts.json) ctx.json(review);
        else ctx.out(formatReview(review));
        return 0;
      }),
    );
}
