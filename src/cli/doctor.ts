import type { Command } from 'commander';
import { action } from './context.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check git, agent CLIs, config, wiki and plans folders, .jidoka/ state, locks and worktrees')
    .option('--json', 'print the report as JSON: { ok, checks: [{ id, status, message, hint?, details? }] }')
    .option(
      '--probe',
      "also run each configured role's CLI once with a trivial prompt, sandboxed in a fresh worktree (spends a little)",
    )
    .addHelpText('after', '\nExit codes: 0 healthy (warnings allowed), 1 a check failed.')
    .action(
      action(async (ctx, opts: { json?: boolean; probe?: boolean }) => {
        const { runDoctor } = await import('../doctor/doctor.js');
        const { formatReport } = await import('../doctor/report.js');
        const report = await runDoctor(ctx.cwd, { probe: Boolean(opts.probe) });
        if (opts.json) ctx.json(report);
        else ctx.out(formatReport(report, ctx.cwd));
        return report.ok ? 0 : 1;
      }),
    );
}
