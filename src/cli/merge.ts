import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerMerge(program: Command): void {
  program
    .command('merge <plan-id>')
    .description('merge a reviewed plan into the main branch, or open a draft PR with --pr')
    .option('--pr', 'push the plan branch and open a draft pull request with gh')
    .action(action(() => notYet('jidoka merge')));
}
