import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerReview(program: Command): void {
  program
    .command('review <plan-id>')
    .description('show the diff, verdicts, checks and costs of a finished plan')
    .option('--json', 'print as JSON')
    .action(action(() => notYet('jidoka review')));
}
