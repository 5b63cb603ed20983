import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerService(program: Command): void {
  program
    .command('service <kind>')
    .description('write a systemd unit or a pm2 ecosystem file for the daemon (kind: systemd | pm2)')
    .option('--stdout', 'print instead of writing the file')
    .action(action(() => notYet('jidoka service')));
}
