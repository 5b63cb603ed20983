import type { Category } from '../core/types.js';
import { listIncidents } from './incident/files.js';
import { listStandards } from './kaizen.js';
import { type LineState, readLine } from './line.js';

/**
 * What `jidoka status` shows about the line: its state, the incidents opened
 * and resolved, and the standards Kaizen added. Stable JSON shape (part of
 * `jidoka status --json`).
 */
export interface AndonSummary {
  line: Omit<LineState, 'history'>;
  incidents: {
    total: number;
    open: number;
    resolved: number;
    byCategory: Partial<Record<Category, number>>;
  };
  /** Unresolved incidents, oldest first. */
  openIncidents: {
    id: string;
    severity: 'yellow' | 'red';
    category: Category;
    status: string;
    title: string;
    opened_at: string;
  }[];
  /** Standards appended to agents/CONTEXT.md from L3 countermeasures. */
  standardsAdded: number;
  /** Incident pages that could not be read. */
  problems: string[];
}

/** The incident facts the summary reads. */
export type SummarizedIncident = AndonSummary['openIncidents'][number];

/** What the summary keeps of an incident (also what `jidoka status` caches per incident page). */
export function summarizeIncident(i: SummarizedIncident): SummarizedIncident {
  return {
    id: i.id,
    severity: i.severity,
    category: i.category,
    status: i.status,
    title: i.title,
    opened_at: i.opened_at,
  };
}

/** `listed`: the incident pages, read by the caller (status reads them through its cache). */
export function andonSummary(
  root: string,
  listed: { incidents: SummarizedIncident[]; problems: string[] } = listIncidents(root),
): AndonSummary {
  const { history: _history, ...line } = readLine(root);
  const { incidents, problems } = listed;
  const byCategory: Partial<Record<Category, number>> = {};
  for (const i of incidents) byCategory[i.category] = (byCategory[i.category] ?? 0) + 1;
  const open = incidents.filter((i) => i.status !== 'resolved');
  return {
    line,
    incidents: {
      total: incidents.length,
      open: open.length,
      resolved: incidents.length - open.length,
      byCategory,
    },
    openIncidents: open.map(summarizeIncident),
    standardsAdded: listStandards(root).length,
    problems,
  };
}

/** Two or three lines for a terminal. */
export function formatAndonSummary(s: AndonSummary): string {
  const lines: string[] = [];
  if (s.line.state === 'stopped')
    lines.push(
      `line: STOPPED by ${s.line.incident ?? 'an incident'} (${s.line.category ?? 'manual'}: ${s.line.reason ?? ''}) since ${s.line.since}`,
    );
  else if (s.line.state === 'yellow')
    lines.push(`line: yellow — ${s.line.yellow?.reason ?? ''} (since ${s.line.since})`);
  else lines.push('line: running');
  lines.push(
    `incidents: ${s.incidents.open} open, ${s.incidents.resolved} resolved; standards added by Kaizen: ${s.standardsAdded}`,
  );
  return lines.join('\n');
}
