import type { Command } from 'commander';
import { ROLES, type Role } from '../config/roles.js';
import { usageError } from '../core/errors.js';
import { action } from './context.js';

/** `goal-checker` is what the role file is called; accept it for `goal`. */
const ROLE_ALIASES: Record<string, Role> = { 'goal-checker': 'goal' };

export function registerPrompt(program: Command): void {
  program
    .command('prompt <role> <plan-id>')
    .description(
      `print exactly the prompt that would be sent to <role> (${ROLES.join(', ')}) for <plan-id>; for the checker and goal-checker, the diff and check results are inserted at run time`,
    )
    .option('--chunk <n>', 'chunk number', '1')
    .action(
      action(async (ctx, roleArg: string, planId: string, opts: { chunk: string }) => {
        const role = ROLE_ALIASES[roleArg] ?? roleArg;
        if (!(ROLES as readonly string[]).includes(role))
          throw usageError(`unknown role ${JSON.stringify(roleArg)}`, `use one of: ${ROLES.join(', ')}`);
        const { buildPrompt } = await import('../agents/prompt.js');
        const { loadPlan } = await import('../plans/store.js');
        const root = ctx.root();
        const { config } = await ctx.config();
        const plan = loadPlan(root, planId, config.limits.maxChunksPerPlan);
        const n = Number(opts.chunk);
        const chunk = plan.chunks.find((c) => c.number === n);
        if (!Number.isInteger(n) || !chunk)
          throw usageError(
            `plan ${plan.id} has no chunk ${JSON.stringify(opts.chunk)}`,
            `it has chunks 1 to ${plan.chunks.length}; pass --chunk <n>`,
          );
        const agent = config.agents[role as Role];
        ctx.out(
          buildPrompt({
            root,
            role: role as Role,
            plan,
            chunk,
            attempt: 1,
            ...(agent ? { tool: agent.adapter } : {}),
          }),
        );
        return 0;
      }),
    );
}
