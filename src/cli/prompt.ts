import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerPrompt(program: Command): void {
  program
    .command('prompt <role> <plan-id>')
    .description('print exactly the prompt that would be sent to <role> for <plan-id>')
    .option('--chunk <n>', 'chunk number (default: the next chunk to run)')
    .action(action(() => notYet('jidoka prompt')));
}
