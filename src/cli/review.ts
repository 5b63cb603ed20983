import type { Command } from 'commander';
import { buildReview, formatReview } from '../loops/review.js';
import { action } from './context.js';

export function registerReview(program: Command): void {
  program
    .command('review <plan-id>')
    .description("show a plan's diff stat and full diff, each chunk's attempts, verdicts, checks and costs")
    .option('--json', 'print as JSON')
    .action(
      action(async (ctx, id: string, opts: { json?: boolean }) => {
        const review = await buildReview(ctx.root(), ctx.config().config, id);
        if (opts.json) ctx.json(review);
        else ctx.out(formatReview(review));
        return 0;
      }),
    );
}
