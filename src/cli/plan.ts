import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerPlan(program: Command): void {
  const plan = program.command('plan').description('list, show, validate, approve or reject plans in plans/');
  plan
    .command('list')
    .description('list plans with status and risk')
    .option('--json', 'print as JSON')
    .action(action(() => notYet('jidoka plan list')));
  plan
    .command('show <plan-id>')
    .description('show one plan')
    .option('--json', 'print as JSON')
    .action(action(() => notYet('jidoka plan show')));
  plan
    .command('validate [plan-id]')
    .description('validate plans; invalid ones are marked status: invalid and kept')
    .option('--json', 'print as JSON')
    .action(action(() => notYet('jidoka plan validate')));
  plan
    .command('approve <plan-id>')
    .description('approve a proposed plan for execution')
    .option('--json', 'print as JSON')
    .action(action(() => notYet('jidoka plan approve')));
  plan
    .command('reject <plan-id>')
    .description('reject a proposed plan')
    .option('--reason <text>', 'why')
    .option('--json', 'print as JSON')
    .action(action(() => notYet('jidoka plan reject')));
}
