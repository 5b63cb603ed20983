import { relative } from 'node:path';
import type { Command } from 'commander';
import type { Incident } from '../andon/incident/record.js';
import { CATEGORIES } from '../core/types.js';
import { action } from './context.js';
import { table } from './table.js';

/**
 * `jidoka andon list|show|pull|resolve`: the line's incidents, stopping the
 * line by hand, and restarting it once an incident is understood.
 */
export function registerAndon(program: Command): void {
  const andon = program.command('andon').description('the line: incidents, stops and restarts');
  andon
    .command('list')
    .description('list incidents, oldest first, with the line state')
    .option('--json', 'print as JSON')
    .action(
      action(async (ctx, opts: { json?: boolean }) => {
        const { listIncidents } = await import('../andon/incident/files.js');
        const { readLine } = await import('../andon/line.js');
        const { andonSummary, formatAndonSummary } = await import('../andon/summary.js');
        const root = ctx.root();
        const { incidents, problems } = listIncidents(root);
        if (opts.json) {
          ctx.json({
            line: stripHistory(readLine(root)),
            incidents: incidents.map((i) => incidentJson(root, i)),
            problems,
          });
          return 0;
        }
        ctx.out(formatAndonSummary(andonSummary(root)));
        if (incidents.length) {
          ctx.out('');
          const rows = incidents.map((i) => [i.id, i.status, i.severity, i.category, i.plan ?? '-', i.title]);
          ctx.out(table([['ID', 'STATUS', 'SEVERITY', 'CATEGORY', 'PLAN', 'TITLE'], ...rows], 60));
        }
        for (const p of problems) process.stderr.write(`jidoka: ${p}\n`);
        return problems.length ? 1 : 0;
      }),
    );
  andon
    .command('show <id>')
    .description('show one incident (the A3 page)')
    .option('--json', 'print as JSON')
    .action(
      action(async (ctx, id: string, opts: { json?: boolean }) => {
        const { parseWhys } = await import('../andon/incident/whys.js');
        const { readIncident } = await import('../andon/incident/files.js');
        const root = ctx.root();
        const incident = readIncident(root, id);
        if (opts.json)
          ctx.json({ ...incidentJson(root, incident), whys: parseWhys(incident.body), body: incident.body });
        else ctx.out(incident.text);
        return 0;
      }),
    );
  andon
    .command('pull')
    .description('stop the line by hand')
    .requiredOption('--reason <text>', 'why the line is stopped')
    .option('--category <category>', `one of ${CATEGORIES.join(', ')}`, 'agent_error')
    .option('--plan <id>', 'the plan concerned, if any')
    .option('--json', 'print as JSON')
    .action(
      action(async (ctx, opts: { reason: string; category: string; plan?: string; json?: boolean }) => {
        const { pullLine } = await import('../andon/resolve.js');
        const { readLine } = await import('../andon/line.js');
        const root = ctx.root();
        const { config } = await ctx.config();
        const r = await pullLine({
          root,
          config,
          reason: opts.reason,
          category: opts.category,
          plan: opts.plan,
        });
        if (opts.json)
          ctx.json({
            incident: r.incidentId,
            file: relative(root, r.incidentFile),
            line: stripHistory(readLine(root)),
          });
        else
          ctx.out(
            `line stopped: ${r.incidentId}\nrecord: ${relative(root, r.incidentFile)}\nrestart with: jidoka andon resolve ${r.incidentId} --root-cause "..." --countermeasure "..." --level L1|L2|L3|L4`,
          );
        return 0;
      }),
    );
  andon
    .command('resolve <id>')
    .description('resolve an incident (Five Whys filled in) and restart the line')
    .option('--root-cause <text>', 'the root cause found')
    .option('--countermeasure <text>', 'what prevents a recurrence')
    .option(
      '--level <L>',
      'L1 poka-yoke | L2 auto-detect | L3 standard (added to agents/CONTEXT.md) | L4 alert',
    )
    .option('--where <text>', 'where the countermeasure lives (file, check, config key)')
    .option('--hypothesis <text>', 'written hypothesis, required after repeated manual retries')
    .option('--json', 'print as JSON')
    .action(
      action(
        async (
          ctx,
          id: string,
          opts: {
            rootCause?: string;
            countermeasure?: string;
            level?: string;
            where?: string;
            hypothesis?: string;
            json?: boolean;
          },
        ) => {
          const { resolveIncident } = await import('../andon/resolve.js');
          const root = ctx.root();
          const { config } = await ctx.config();
          const r = await resolveIncident({
            root,
            config,
            id,
            rootCause: opts.rootCause,
            countermeasure: opts.countermeasure,
            level: opts.level,
            where: opts.where,
            hypothesis: opts.hypothesis,
          });
          if (opts.json) {
            ctx.json({
              incident: incidentJson(root, r.incident),
              line: stripHistory(r.line),
              restarted: r.restarted,
              standardAdded: r.standardAdded,
            });
            return 0;
          }
          ctx.out(`${id} resolved (${r.incident.prevention_level}).`);
          if (r.standardAdded)
            ctx.out('Kaizen: the countermeasure was added to the Standards in agents/CONTEXT.md.');
          ctx.out(
            r.line.state === 'stopped'
              ? `The line stays stopped by ${r.line.incident} (${r.line.reason ?? ''}).`
              : `The line is ${r.line.state} again.`,
          );
          return 0;
        },
      ),
    );
}

function incidentJson(root: string, i: Incident) {
  const { body: _b, text: _t, file, ...fields } = i;
  return { ...fields, file: relative(root, file) };
}

function stripHistory<T extends { history?: unknown }>(line: T): Omit<T, 'history'> {
  const { history: _h, ...rest } = line;
  return rest;
}
