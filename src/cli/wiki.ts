import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../core/errors.js';
import { action } from './context.js';

interface LintFlags {
  json?: boolean;
  fix?: boolean;
  cache?: boolean;
}

export function registerWiki(program: Command): void {
  const wiki = program.command('wiki').description('the wiki: the repository memory, linted');
  wiki
    .command('lint [path]')
    .description(
      'lint wiki/ (links, anchors, index, frontmatter, staleness, coverage, facts); [path]: a page or folder of wiki/ to report on, or another wiki folder to lint',
    )
    .option('--json', 'print findings as JSON (shape documented in wiki/00_SCHEMA.md)')
    .option(
      '--fix',
      'regenerate index.md and fix what is mechanical (never when more than limits.wikiAutoFixMaxIssues issues)',
    )
    .option('--no-cache', 'ignore and do not write .jidoka/cache/')
    .addHelpText(
      'after',
      '\nExit codes: 0 no errors (warnings allowed), 1 errors found, 2 usage or configuration error.',
    )
    .action(
      action(async (ctx, path: string | undefined, flags: LintFlags) => {
        const { lintWiki, prefetchWiki } = await import('../wiki/lint.js');
        const root = ctx.root();
        const wikiHome = resolve(ctx.paths().wikiDir);
        let wikiDir: string | undefined;
        let paths: string[] | undefined;
        if (path) {
          const abs = resolve(ctx.cwd, path);
          if (!existsSync(abs))
            throw usageError(`${path} does not exist`, 'pass a page or folder of wiki/, or omit it');
          const inWiki = !relative(wikiHome, abs).startsWith('..');
          if (inWiki) paths = [abs];
          else if (statSync(abs).isDirectory()) wikiDir = abs;
          else
            throw usageError(
              `${path} is not inside ${relative(root, wikiHome) || 'wiki'}/`,
              'pass a page or folder of the wiki',
            );
        }
        const useCache = flags.cache !== false;
        // Started before the config is read: on a large wiki the scout and git work run meanwhile.
        const prefetch = prefetchWiki(root, { wikiDir, useCache });
        const { config } = await ctx.config();
        const { formatReport, reportJson } = await import('../wiki/format.js');
        const report = await lintWiki({ root, config, wikiDir, paths, fix: flags.fix, useCache, prefetch });
        if (flags.json) ctx.json(reportJson(report));
        else ctx.out(formatReport(report));
        return report.counts.errors > 0 ? 1 : 0;
      }),
    );
}
