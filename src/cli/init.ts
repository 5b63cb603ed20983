import type { Command } from 'commander';
import { action } from './context.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      'scaffold jidoka.yaml, agents/, .agents/, skills/, plans/ and wiki/ into this git repository',
    )
    .option('--force', 'overwrite files that already exist')
    .action(
      action(async (ctx, opts: { force?: boolean }) => {
        const { formatScaffold, scaffold } = await import('../init/scaffold.js');
        const root = ctx.root();
        ctx.out(formatScaffold(root, scaffold(root, { force: opts.force === true })));
        return 0;
      }),
    );
}
