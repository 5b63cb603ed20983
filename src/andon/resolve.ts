import { relative } from 'node:path';
import type { Config } from '../config/schema.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { JidokaError, usageError } from '../core/errors.js';
import { setFrontmatterField } from '../core/frontmatter.js';
import { CATEGORIES, type Category } from '../core/types.js';
import { whoAmI } from '../core/who.js';
import { type AlertOutcome, sendAlerts } from './alerts.js';
import { finding } from './finding.js';
import { listIncidents, readIncident } from './incident/files.js';
import { type Incident, LEVEL_NAMES, PREVENTION_LEVELS, type PreventionLevel } from './incident/record.js';
import { replaceSection, sectionText } from './incident/sections.js';
import { filledWhys, parseWhys, placeholderReason } from './incident/whys.js';
import { appendStandard } from './kaizen.js';
import { type LineState, readLine, restartLine } from './line.js';
import { manualRetries, resetManualRetries } from './retries.js';
import { logIncident, type StopResult, stopLine } from './stop.js';

/**
 * The human side of the line: restarting it after an incident is
 * understood (`resolve`), and stopping it by hand (`pull`). Both record who
 * and when, and both alert.
 */
export interface ResolveInput {
  root: string;
  config: Config;
  id: string;
  rootCause: string | undefined;
  countermeasure: string | undefined;
  level: string | undefined;
  /** Required when the plan was re-run by hand past limits.humanRetries. */
  hypothesis?: string | undefined;
  /** Where the countermeasure lives (file, check, config key). */
  where?: string | undefined;
  /** Defaults to git user.name <user.email>, else the OS user. */
  by?: string;
}

export interface ResolveResult {
  incident: Incident;
  line: LineState;
  restarted: boolean;
  standardAdded: boolean;
  alerts: AlertOutcome[];
}

export const MIN_WHYS = 3;

export async function resolveIncident(input: ResolveInput): Promise<ResolveResult> {
  const { root, config, id } = input;
  const incident = readIncident(root, id);
  if (incident.status === 'resolved')
    throw new JidokaError(`incident ${id} is already resolved (${incident.resolved_at ?? 'earlier'})`, {
      exitCode: 1,
      hint: 'run `jidoka andon list` to see the open incidents',
    });
  const rootCause = requireText('--root-cause', input.rootCause, 'the cause found by the Five Whys');
  const countermeasure = requireText('--countermeasure', input.countermeasure, 'what prevents a recurrence');
  const level = (input.level ?? '').toUpperCase();
  if (!(PREVENTION_LEVELS as readonly string[]).includes(level))
    throw usageError(
      input.level ? `--level ${input.level} is not a prevention level` : 'resolving needs --level',
      'use L1 (poka-yoke: the mistake becomes impossible), L2 (auto-detect), L3 (standard: added to agents/CONTEXT.md) or L4 (alert)',
    );
  const filled = filledWhys(incident.body);
  if (filled.length < MIN_WHYS) {
    const written = parseWhys(incident.body);
    const missing = written
      .filter((w) => !filled.includes(w))
      .slice(0, 3)
      .map((w) => {
        const part = (['hypothesis', 'verification', 'conclusion'] as const).find((k) =>
          placeholderReason(w[k]),
        );
        return `Why ${w.n} ${part}: ${placeholderReason(w[part ?? 'hypothesis'])}`;
      });
    throw new JidokaError(
      `the Five Whys of ${id} are not filled in: ${filled.length} of at least ${MIN_WHYS} levels written${missing.length ? ` (${missing.join('; ')})` : ''}`,
      {
        exitCode: 1,
        hint: `edit ${relative(root, incident.file)}: under "## Five Whys", give each "### Why N" a hypothesis, a verification and a conclusion`,
      },
    );
  }
  const needsHypothesis =
    incident.detector === 'human_retries' ||
    (incident.plan !== null && manualRetries(root, incident.plan) > config.limits.humanRetries);
  let hypothesis: string | undefined;
  if (needsHypothesis)
    hypothesis = requireText(
      '--hypothesis',
      input.hypothesis,
      `plan ${incident.plan ?? ''} was re-run by hand on the same failure more than ${config.limits.humanRetries} times; write what you now think is wrong and what the next attempt will show`,
    );
  else if (input.hypothesis?.trim()) hypothesis = input.hypothesis.trim();

  const by = input.by ?? whoAmI(root);
  const now = new Date().toISOString();
  let text = incident.text;
  for (const [k, v] of [
    ['status', 'resolved'],
    ['resolved_at', now],
    ['prevention_level', level],
    ['countermeasure', oneLine(countermeasure)],
  ] as const)
    text = setFrontmatterField(text, k, v);
  text = replaceSection(
    text,
    'Root cause',
    `${rootCause}${hypothesis ? `\n\n**Hypothesis for the next attempt:** ${hypothesis}` : ''}`,
  );
  const where = input.where?.trim() || (level === 'L3' ? '`agents/CONTEXT.md`, Standards' : 'not recorded');
  text = replaceSection(
    text,
    'Countermeasures',
    `| measure | level | where |\n|---|---|---|\n| ${cell(countermeasure)} | ${level} ${LEVEL_NAMES[level as PreventionLevel]} | ${cell(where)} |`,
  );
  const sweep = sectionText(text, 'Horizontal sweep');
  if (sweep && placeholderReason(sweep))
    text = replaceSection(
      text,
      'Horizontal sweep',
      'Not recorded at resolution; record other places the cause could strike here.',
    );
  text = `${text.trimEnd()}\n- ${now} resolved by ${by} (${level} ${LEVEL_NAMES[level as PreventionLevel]})\n`;
  writeFileAtomic(incident.file, text);

  const standardAdded =
    level === 'L3' ? appendStandard(root, { incident: id, countermeasure, date: now.slice(0, 10) }) : false;
  if (hypothesis && incident.plan) resetManualRetries(root, incident.plan);

  const { line, restarted } = restartIfClear(root, id, by);
  await logIncident(root, id, `${id} resolved (${level} ${LEVEL_NAMES[level as PreventionLevel]})`, [
    `[${id}](90_LOG/incidents/${id}.md) resolved by ${by}: ${oneLine(countermeasure)}`,
    `line ${line.state}`,
  ]);
  const alerts = await sendAlerts(root, config, {
    event: 'resolve',
    incident: id,
    severity: incident.severity,
    category: incident.category,
    message: rootCause,
    ...(incident.plan ? { plan: incident.plan } : {}),
    file: relative(root, incident.file),
    line: line.state,
    by,
    countermeasure,
    level,
  }).catch((): AlertOutcome[] => []);
  return { incident: readIncident(root, id), line, restarted, standardAdded, alerts };
}

/**
 * Restart the line if this incident is what stopped it; when another red
 * incident is still open, the line stays stopped on that one.
 */
function restartIfClear(root: string, id: string, by: string): { line: LineState; restarted: boolean } {
  const line = readLine(root);
  if (line.state !== 'stopped') return { line, restarted: false };
  const open = listIncidents(root).incidents.filter(
    (i) => i.status !== 'resolved' && i.severity === 'red' && i.id !== id,
  );
  const stoppedByOpen = line.incident && line.incident !== id && open.some((i) => i.id === line.incident);
  if (stoppedByOpen) return { line, restarted: false };
  const next = open[0];
  const after = restartLine(
    root,
    by,
    next ? { incident: next.id, category: next.category, reason: next.title } : undefined,
  );
  return { line: after, restarted: after.state !== 'stopped' };
}

/** `jidoka andon pull`: a human stops the line, with a reason. */
export async function pullLine(input: {
  root: string;
  config: Config;
  reason: string | undefined;
  category?: string | undefined;
  plan?: string | undefined;
  by?: string;
}): Promise<StopResult> {
  const reason = requireText('--reason', input.reason, 'why the line is stopped');
  const category = (input.category ?? 'agent_error') as Category;
  if (!CATEGORIES.includes(category))
    throw usageError(`--category ${input.category} is not a category`, `use one of ${CATEGORIES.join(', ')}`);
  const by = input.by ?? whoAmI(input.root);
  return stopLine({
    root: input.root,
    config: input.config,
    finding: finding('manual', category, reason, { by }, { action: 'block' }),
    severity: 'red',
    ...(input.plan ? { plan: input.plan } : {}),
    containment: [`Stopped by hand by ${by}.`],
  });
}

function requireText(flag: string, value: string | undefined, what: string): string {
  const why = placeholderReason(value);
  if (why)
    throw usageError(
      value === undefined || !value.trim() ? `${flag} is required` : `${flag} is not a real answer: ${why}`,
      `write ${what}, in a sentence`,
    );
  return value!.trim();
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

function cell(s: string): string {
  return oneLine(s).replace(/\|/g, '\\|');
}
