import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('line state, queue, running steps, incidents and spend')
    .option('--json', 'print the status as JSON')
    .action(action(() => notYet('jidoka status')));
}
