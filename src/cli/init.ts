import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description(
      'scaffold jidoka.yaml, agents/, .agents/, skills/, plans/ and wiki/ into this git repository',
    )
    .option('--force', 'overwrite files that already exist')
    .action(action(() => notYet('jidoka init')));
}
