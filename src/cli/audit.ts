import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('run the audit loop now: collect signals, ask the auditor agent for plans, validate them')
    .option('--dry-run', 'collect and print the signals; run no agent and write no plan')
    .action(action(() => notYet('jidoka audit')));
}
