import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check git, agent CLIs, config, wiki and plans folders, .jidoka/ state, locks and worktrees')
    .option('--json', 'print the report as JSON')
    .action(action(() => notYet('jidoka doctor')));
}
