import type { Command } from 'commander';
import { action, notYet } from './context.js';

export function registerWiki(program: Command): void {
  const wiki = program.command('wiki').description('the wiki: the repository memory, linted');
  wiki
    .command('lint [path]')
    .description('lint wiki/ (links, anchors, index, frontmatter, staleness, coverage, facts)')
    .option('--json', 'print findings as JSON')
    .option('--fix', 'regenerate index.md and fix what is mechanical')
    .action(action(() => notYet('jidoka wiki lint')));
}
