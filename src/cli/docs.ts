import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerDocs(program: Command): void {
  const docs = program.command('docs').description('the documentation loop');
  docs
    .command('sync')
    .description('update stale wiki pages from the commits since the last sync, regenerate the index, lint')
    .option('--dry-run', 'print what would be updated and why; change nothing')
    .action(action(() => notYet('jidoka docs sync')));
}
