import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('run the loops as a service, in the foreground (for systemd or pm2)')
    .action(action(() => notYet('jidoka daemon')));
}
