import { z } from 'zod';
import { pullLine, resolveIncident } from '../andon/resolve.js';
import type { Config } from '../config/schema.js';
import { whoAmI } from '../core/who.js';
import { transitionPlan } from '../plans/transition.js';

/**
 * What a person can do from the board, each through the same function the
 * CLI command calls (`jidoka plan approve|reject`, `jidoka andon
 * pull|resolve`), so a decision made on the board is recorded exactly as one
 * made in a terminal, with "(board)" after the name.
 */
const text = z.string().max(4000);
export const actionBodies = {
  reject: z.strictObject({ reason: text.optional() }),
  pull: z.strictObject({
    reason: text,
    category: z.string().max(64).optional(),
    plan: z.string().max(200).optional(),
  }),
  resolve: z.strictObject({
    rootCause: text,
    countermeasure: text,
    level: z.string().max(8),
    where: text.optional(),
    hypothesis: text.optional(),
  }),
};

export interface ActionContext {
  root: string;
  config: Config;
}

function by(root: string): string {
  return `${whoAmI(root)} (board)`;
}

export function decidePlan(ctx: ActionContext, id: string, to: 'approved' | 'rejected', reason?: string) {
  return transitionPlan({
    root: ctx.root,
    id,
    to,
    maxChunks: ctx.config.limits.maxChunksPerPlan,
    by: by(ctx.root),
    reason,
  });
}

export async function pullCord(ctx: ActionContext, body: z.output<typeof actionBodies.pull>) {
  const r = await pullLine({ root: ctx.root, config: ctx.config, ...body, by: by(ctx.root) });
  return { incident: r.incidentId };
}

export async function resolve(ctx: ActionContext, id: string, body: z.output<typeof actionBodies.resolve>) {
  const r = await resolveIncident({ root: ctx.root, config: ctx.config, id, ...body, by: by(ctx.root) });
  return { incident: id, line: r.line.state, restarted: r.restarted, standardAdded: r.standardAdded };
}
