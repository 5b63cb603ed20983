import type { Command } from 'commander';
import type { PlanEntry } from '../plans/store.js';
import type { Decision } from '../plans/transition.js';
import { action, type CliContext } from './context.js';
import { table } from './table.js';

export function registerPlan(program: Command): void {
  const plan = program.command('plan').description('list, show, validate, approve or reject plans in plans/');
  plan
    .command('list')
    .description('list plans with status, risk and chunk count')
    .option('--json', 'print as JSON')
    .action(action((ctx, opts: { json?: boolean }) => list(ctx, opts)));
  plan
    .command('show <plan-id>')
    .description('show one plan: goal, scope, chunks, and any validation problems')
    .option('--json', 'print as JSON')
    .action(action((ctx, id: string, opts: { json?: boolean }) => show(ctx, id, opts)));
  plan
    .command('validate [plan-id]')
    .description(
      'validate one or all plans; a failing plan is marked status: invalid with its reasons and kept',
    )
    .option('--json', 'print as JSON')
    .action(action((ctx, id: string | undefined, opts: { json?: boolean }) => validate(ctx, id, opts)));
  plan
    .command('approve <plan-id>')
    .description('approve a proposed (or rejected/failed) plan so the execution loop may run it')
    .option('--json', 'print as JSON')
    .action(action((ctx, id: string, opts: { json?: boolean }) => transition(ctx, id, 'approved', opts)));
  plan
    .command('reject <plan-id>')
    .description('reject a plan; it is kept with status: rejected')
    .option('--reason <text>', 'why, recorded in the ledger')
    .option('--json', 'print as JSON')
    .action(
      action((ctx, id: string, opts: { json?: boolean; reason?: string }) =>
        transition(ctx, id, 'rejected', opts),
      ),
    );
}

async function maxChunks(ctx: CliContext): Promise<number> {
  return (await ctx.config()).config.limits.maxChunksPerPlan;
}

/** The stable JSON form of a plan entry (documented in wiki/20_SYSTEM/plans.md, "JSON"). */
export function planJson(e: PlanEntry) {
  return {
    id: e.id,
    file: e.relFile,
    status: e.status ?? null,
    valid: e.problems.length === 0,
    risk: e.plan?.risk ?? null,
    title: e.plan?.title ?? null,
    skill: e.plan?.skill ?? null,
    scope: e.plan?.scope ?? [],
    goal: e.plan?.goal ?? null,
    chunks: (e.plan?.chunks ?? []).map((c) => ({ number: c.number, title: c.title, line: c.line })),
    problems: e.problems,
  };
}

async function list(ctx: CliContext, opts: { json?: boolean }): Promise<number> {
  const { listPlans } = await import('../plans/store.js');
  const plans = listPlans(ctx.root(), await maxChunks(ctx));
  if (opts.json) {
    ctx.json({ plans: plans.map(planJson) });
    return 0;
  }
  if (!plans.length) {
    ctx.out('no plans in plans/ (write one from plans/TEMPLATE.md, or run `jidoka audit`)');
    return 0;
  }
  const rows = plans.map((p) => [
    p.id,
    p.status ?? '?',
    p.plan?.risk ?? '-',
    p.plan ? String(p.plan.chunks.length) : '-',
    p.plan ? p.plan.title : `${p.problems.length} problem(s): jidoka plan validate ${p.id}`,
  ]);
  ctx.out(table([['ID', 'STATUS', 'RISK', 'CHUNKS', 'TITLE'], ...rows]));
  return 0;
}

async function show(ctx: CliContext, id: string, opts: { json?: boolean }): Promise<number> {
  const { findPlan, formatPlanProblem } = await import('../plans/store.js');
  const e = findPlan(ctx.root(), id, await maxChunks(ctx));
  if (opts.json) {
    ctx.json(planJson(e));
    return e.problems.length ? 1 : 0;
  }
  const out: string[] = [];
  if (e.plan) {
    const p = e.plan;
    out.push(
      `${p.id}: ${p.title}`,
      `  status ${p.status} · risk ${p.risk}${p.skill ? ` · skill ${p.skill}` : ''} · ${e.relFile}`,
    );
    out.push(`  goal   ${p.goal.statement}`);
    for (const c of p.goal.checks) out.push(`         check: ${c}`);
    out.push(`  scope  ${p.scope.join(', ')}`, '  chunks');
    for (const c of p.chunks) out.push(`    ${c.number}. ${c.title}`);
  } else {
    out.push(`${e.id}: invalid (${e.relFile})`);
    out.push(...e.problems.map(formatPlanProblem));
  }
  ctx.out(out.join('\n'));
  return e.problems.length ? 1 : 0;
}

async function validate(ctx: CliContext, id: string | undefined, opts: { json?: boolean }): Promise<number> {
  const { findPlan, formatPlanProblem, listPlans, markInvalid } = await import('../plans/store.js');
  const root = ctx.root();
  const max = await maxChunks(ctx);
  const entries = id ? [findPlan(root, id, max)] : listPlans(root, max);
  for (const e of entries) if (e.problems.length) markInvalid(e.file, e.problems);
  const bad = entries.filter((e) => e.problems.length);
  if (opts.json) {
    ctx.json({
      ok: bad.length === 0,
      plans: entries.map((e) => ({
        id: e.id,
        file: e.relFile,
        valid: !e.problems.length,
        problems: e.problems,
      })),
    });
    return bad.length ? 1 : 0;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (!e.problems.length) {
      const note =
        e.status === 'invalid' ? ' (still status: invalid; set status: proposed to queue it again)' : '';
      out.push(`✓ ${e.relFile}${note}`);
    } else {
      out.push(`✗ ${e.relFile}: marked status: invalid (the plan is kept)`);
      out.push(...e.problems.map(formatPlanProblem));
    }
  }
  if (!entries.length) out.push('no plans to validate');
  else out.push(`${entries.length} plan(s), ${bad.length} invalid`);
  ctx.out(out.join('\n'));
  return bad.length ? 1 : 0;
}

async function transition(
  ctx: CliContext,
  id: string,
  to: Decision,
  opts: { json?: boolean; reason?: string },
): Promise<number> {
  const { transitionPlan } = await import('../plans/transition.js');
  const { whoAmI } = await import('../core/who.js');
  const root = ctx.root();
  const r = transitionPlan({
    root,
    id,
    to,
    maxChunks: await maxChunks(ctx),
    by: whoAmI(root),
    reason: opts.reason,
  });
  if (r.unchanged) {
    ctx.out(
      `plan ${id} is already ${to}${to === 'approved' ? ' (its git configuration and hooks are pinned again as they are now)' : ''}`,
    );
    return 0;
  }
  if (opts.json) ctx.json({ id, from: r.from, status: to, by: r.by });
  else
    ctx.out(
      `plan ${id}: ${r.from} → ${to}${to === 'approved' ? ` (run it with \`jidoka run ${id}\`, or let the daemon pick it up)` : ''}`,
    );
  return 0;
}
