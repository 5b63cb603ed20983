import type { Command } from 'commander';
import { describeError } from '../core/errors.js';
import { action, type CliContext } from './context.js';

export function registerMerge(program: Command): void {
  program
    .command('merge <plan-id>')
    .description(
      'merge a done plan into the main branch (the branch stays, the worktree goes), or open a draft PR with --pr',
    )
    .option('--pr', 'push the plan branch and open a draft pull request with gh instead')
    .option('--json', 'print the result as JSON')
    .action(action((ctx, id: string, opts: { pr?: boolean; json?: boolean }) => merge(ctx, id, opts)));
}

async function merge(ctx: CliContext, id: string, opts: { pr?: boolean; json?: boolean }): Promise<number> {
  const { mergePlan, openPullRequest } = await import('../merge/merge.js');
  const { docsAfterMerge } = await import('../daemon/hooks.js');
  const { isStale, readLock } = await import('../core/lock.js');
  const { whoAmI } = await import('../core/who.js');
  const root = ctx.root();
  const { config } = await ctx.config({ required: true });
  if (opts.pr) {
    const url = await openPullRequest(root, config, id);
    if (opts.json) ctx.json({ plan: id, pr: url });
    else ctx.out(`opened a draft PR: ${url}`);
    return 0;
  }
  const result = await mergePlan(root, config, id, whoAmI(root));
  if (!opts.json) {
    ctx.out(`merged ${result.branch} into ${result.main} (${result.mergeCommit.slice(0, 12)})`);
    if (result.worktreeRemoved)
      ctx.out(`removed the worktree .jidoka/worktrees/${id}; the branch ${result.branch} stays`);
  }
  // The documentation loop follows every merge: here, unless a daemon is running (it sees main move and runs it).
  const daemon = readLock(ctx.paths().lock);
  const docs =
    daemon && !isStale(daemon)
      ? 'the running daemon will update the wiki'
      : await docsAfterMerge(root, config, ctx.logger).catch(
          (err: unknown) =>
            `the merge is done, but the wiki was not updated: ${describeError(err)}; run \`jidoka docs sync\``,
        );
  if (opts.json) ctx.json({ ...result, docs: docs ?? null });
  else if (docs) ctx.out(`docs: ${docs}`);
  return 0;
}
