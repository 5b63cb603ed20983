import type { Command } from 'commander';
import { formatScaffold, scaffold } from '../init/scaffold.js';
import { action } from './context.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      'scaffold jidoka.yaml, agents/, .agents/, skills/, plans/ and wiki/ into this git repository',
    )
    .option('--force', 'overwrite files that already exist')
    .action(
      action((ctx, opts: { force?: boolean }) => {
        const root = ctx.root();
        ctx.out(formatScaffold(root, scaffold(root, { force: opts.force === true })));
        return 0;
      }),
    );
}
