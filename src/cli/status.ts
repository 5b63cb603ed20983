import type { Command } from 'commander';
import { collectStatus, formatStatus } from '../loops/status.js';
import { action } from './context.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('line state, daemon, queue, running steps, incidents, standards added and spend')
    .option('--json', 'print the status as JSON')
    .action(
      action((ctx, opts: { json?: boolean }) => {
        const status = collectStatus(ctx.root(), ctx.config().config);
        if (opts.json) ctx.json(status);
        else ctx.out(formatStatus(status));
        return status.andon.line.state === 'stopped' ? 1 : 0;
      }),
    );
}
