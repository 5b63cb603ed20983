import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { JidokaError } from '../../core/errors.js';
import { parseFrontmatter } from '../../core/frontmatter.js';
import { jidokaPaths } from '../../core/paths.js';
import { type BreakerId, CATEGORIES, type Category } from '../../core/types.js';
import {
  INCIDENT_STATUSES,
  type Incident,
  type IncidentStatus,
  PREVENTION_LEVELS,
  type PreventionLevel,
} from './record.js';

/**
 * Where incident pages live and how they are read back: ids claimed by an
 * exclusive create, pages parsed with the one frontmatter parser.
 */

/**
 * Claim a new incident id (`INC-YYYYMMDD-HHMMSS-<breaker>`, UTC, sortable,
 * a `-2`… suffix on collision) by creating its page exclusively.
 */
export function allocateIncident(
  root: string,
  breaker: BreakerId,
  at: Date = new Date(),
): { id: string; file: string } {
  const dir = jidokaPaths(root).incidentsDir;
  mkdirSync(dir, { recursive: true });
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const base = `INC-${stamp}-${breaker}`;
  for (let n = 1; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    const file = join(dir, `${id}.md`);
    try {
      closeSync(openSync(file, 'wx'));
      return { id, file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

export function incidentFile(root: string, id: string): string {
  return join(jidokaPaths(root).incidentsDir, `${id}.md`);
}

export function readIncident(root: string, id: string): Incident {
  if (!/^[\w.-]+$/.test(id))
    throw new JidokaError(`"${id}" is not an incident id`, {
      exitCode: 2,
      hint: 'run `jidoka andon list` to see the ids',
    });
  const file = incidentFile(root, id);
  if (!existsSync(file))
    throw new JidokaError(`no incident ${id} (looked for ${relative(root, file)})`, {
      exitCode: 2,
      hint: 'run `jidoka andon list` to see the ids',
    });
  return parseIncident(readFileSync(file, 'utf8'), file);
}

export function parseIncident(text: string, file: string): Incident {
  const fm = parseFrontmatter(text);
  if (!fm.present || fm.errors.length) {
    const e = fm.errors[0];
    throw new JidokaError(
      `${file}${e ? `:${e.line}` : ''}: the incident's frontmatter is unreadable${e ? `: ${e.message}` : ''}`,
      {
        exitCode: 2,
        hint: 'fix the YAML between the --- lines at the top of the page',
      },
    );
  }
  const d = fm.data;
  const s = (k: string) => (d[k] === undefined || d[k] === null ? null : String(d[k]));
  const n = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  const id = s('id') ?? file.replace(/^.*\//, '').replace(/\.md$/, '');
  const status = s('status') as IncidentStatus;
  const category = s('category') as Category;
  return {
    id,
    title: s('title') ?? id,
    status: INCIDENT_STATUSES.includes(status) ? status : 'open',
    severity: s('severity') === 'yellow' ? 'yellow' : 'red',
    category: CATEGORIES.includes(category) ? category : 'agent_error',
    confidence: n('confidence') ?? 1,
    plan: s('plan'),
    chunk: n('chunk'),
    attempt: n('attempt'),
    detector: s('detector') ?? 'manual',
    base_sha: s('base_sha'),
    head_sha: s('head_sha'),
    preserved_ref: s('preserved_ref'),
    opened_at: s('opened_at') ?? '',
    resolved_at: s('resolved_at'),
    prevention_level: (PREVENTION_LEVELS as readonly string[]).includes(s('prevention_level') ?? '')
      ? (s('prevention_level') as PreventionLevel)
      : null,
    countermeasure: s('countermeasure'),
    file,
    body: fm.body,
    text,
  };
}

/** What every reader of the incident list needs: enough to sort it. */
type Listed = Pick<Incident, 'id' | 'opened_at'>;

/**
 * All incidents, oldest first. Unreadable pages are reported, not skipped
 * silently. `read` turns one page's text into what the caller keeps (the
 * whole Incident by default; `jidoka status` keeps a cached summary).
 */
export function listIncidents<T extends Listed = Incident>(
  root: string,
  read: (text: string, file: string) => T = parseIncident as unknown as (text: string, file: string) => T,
): { incidents: T[]; problems: string[] } {
  const dir = jidokaPaths(root).incidentsDir;
  if (!existsSync(dir)) return { incidents: [], problems: [] };
  const incidents: T[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const file = join(dir, name);
    try {
      incidents.push(read(readFileSync(file, 'utf8'), file));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  incidents.sort((a, b) => byText(a.opened_at, b.opened_at) || byText(a.id, b.id));
  return { incidents, problems };
}

/**
 * Code-unit order rather than localeCompare: the same in every locale, and
 * the first localeCompare in a process builds ICU's collator, some 30 ms of
 * `jidoka status` (src/bench/status.ts).
 */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
