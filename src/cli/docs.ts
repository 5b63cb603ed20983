import type { Command } from 'commander';
import { action } from './context.js';

export function registerDocs(program: Command): void {
  const docs = program.command('docs').description('the documentation loop');
  docs
    .command('sync')
    .description(
      'update stale wiki pages from the commits since the last sync (docs agent in a worktree), regenerate the index, append the log, lint, commit on jidoka/docs-<date> (or main with docs.commit: main)',
    )
    .option('--dry-run', 'print what would be updated and why; change nothing')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 synced, up to date, or dry run; 1 the docs agent failed or the wiki needs a human (more than limits.wikiAutoFixMaxIssues lint issues); 2 usage or configuration error.',
    )
    .action(
      action(async (ctx, flags: { dryRun?: boolean; json?: boolean }) => {
        const { syncDocs } = await import('../loops/document/document.js');
        const root = ctx.root();
        const { config } = await ctx.config();
        const result = await syncDocs({
          root,
          config,
          dryRun: flags.dryRun,
          say: (line) => ctx.logger.info(line),
        });
        if (flags.json) ctx.json(result);
        else ctx.out(result.message);
        return result.status === 'agent-failed' || result.status === 'needs-human' ? 1 : 0;
      }),
    );
}
