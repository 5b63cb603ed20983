import type { Command } from 'commander';
import { action } from './context.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('line state, daemon, queue, running steps, incidents, standards added and spend')
    .option('--json', 'print the status as JSON')
    .action(
      action(async (ctx, opts: { json?: boolean }) => {
        const { collectStatus, formatStatus } = await import('../status/status.js');
        const root = ctx.root();
        const { config } = await ctx.config();
        const status = collectStatus(root, config);
        if (opts.json) ctx.json(status);
        else ctx.out(formatStatus(status));
        return status.andon.line.state === 'stopped' ? 1 : 0;
      }),
    );
}
