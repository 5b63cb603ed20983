import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerRun(program: Command): void {
  program
    .command('run [plan-id]')
    .description('run the execution loop for one approved plan now (or the next approved plan with --next)')
    .option('--next', 'take the oldest approved plan')
    .action(action(() => notYet('jidoka run')));
}
