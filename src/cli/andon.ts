import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerAndon(program: Command): void {
  const andon = program.command('andon').description('the line: incidents, stops and restarts');
  andon
    .command('list')
    .description('list incidents')
    .option('--json', 'print as JSON')
    .action(action(() => notYet('jidoka andon list')));
  andon
    .command('show <id>')
    .description('show one incident')
    .option('--json', 'print as JSON')
    .action(action(() => notYet('jidoka andon show')));
  andon
    .command('pull')
    .description('stop the line by hand')
    .requiredOption('--reason <text>', 'why the line is stopped')
    .action(action(() => notYet('jidoka andon pull')));
  andon
    .command('resolve <id>')
    .description('resolve an incident and restart the line')
    .option('--root-cause <text>', 'the root cause found')
    .option('--countermeasure <text>', 'what prevents a recurrence')
    .option('--level <L>', 'L1 poka-yoke | L2 auto-detect | L3 standard | L4 alert')
    .option('--hypothesis <text>', 'written hypothesis, required after repeated manual retries')
    .action(action(() => notYet('jidoka andon resolve')));
}
