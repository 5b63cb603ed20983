import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { JidokaError } from '../core/errors.js';
import { formatScalar, parseFrontmatter } from '../core/frontmatter.js';
import { jidokaPaths } from '../core/paths.js';
import { type BreakerId, CATEGORIES, type Category, type CheckResult, type Finding } from '../core/types.js';

/**
 * Incident pages: `wiki/90_LOG/incidents/<id>.md`, an A3 / Five Whys record
 * per stop (DESIGN.md, "Andon"). Jidoka writes the facts; the diagnose agent
 * or a human writes the whys; `jidoka andon resolve` records the root cause
 * and countermeasure. Pages are read back with the one frontmatter parser,
 * and edited section by section so a human's text elsewhere survives.
 */

export const INCIDENT_STATUSES = ['open', 'contained', 'analyzed', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const PREVENTION_LEVELS = ['L1', 'L2', 'L3', 'L4'] as const;
export type PreventionLevel = (typeof PREVENTION_LEVELS)[number];
export const LEVEL_NAMES: Record<PreventionLevel, string> = {
  L1: 'poka-yoke',
  L2: 'auto-detect',
  L3: 'standard',
  L4: 'alert',
};

/** Marks what a human (or the diagnose agent) still has to write. Not TODO/TBD: the wiki linter treats those as forgotten text. */
export const AWAITING = '_Awaiting analysis';

export const BREAKER_TITLES: Record<BreakerId, string> = {
  scope: 'Scope fence',
  spec_drift: 'Spec drift',
  gate_tampering: 'Gate tampering',
  false_done: 'False done',
  no_progress: 'No progress',
  timeout: 'Step timeout',
  repeat_failure: 'Repeat failure',
  consecutive_failures: 'Consecutive failures (Meta-Andon)',
  budget: 'Budget',
  secrets: 'Secret in the diff',
  repo_integrity: 'Repository integrity',
  human_retries: 'Human-involved retries',
  manual: 'Line stopped by hand',
};

/** The page as read back. Frontmatter keys are DESIGN.md's, plus title and type. */
export interface Incident {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: 'yellow' | 'red';
  category: Category;
  confidence: number;
  plan: string | null;
  chunk: number | null;
  attempt: number | null;
  detector: string;
  base_sha: string | null;
  head_sha: string | null;
  preserved_ref: string | null;
  opened_at: string;
  resolved_at: string | null;
  prevention_level: PreventionLevel | null;
  countermeasure: string | null;
  /** Absolute path of the page. */
  file: string;
  body: string;
  text: string;
}

/** Everything the page's facts come from. */
export interface IncidentFacts {
  id: string;
  severity: 'yellow' | 'red';
  status: IncidentStatus;
  finding: Finding;
  plan?: string;
  chunk?: number;
  attempt?: number;
  baseSha?: string;
  headSha?: string;
  preservedRef?: string;
  preservedSha?: string;
  openedAt: string;
  diffStat?: string;
  failingChecks?: CheckResult[];
  logExcerpt?: string;
  maxLogBytes: number;
  fingerprint?: string;
  containment: string[];
  timeline: string[];
}

// ── ids and files ──────────────────────────────────────────────────────────

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

/** All incidents, oldest first. Unreadable pages are reported, not skipped silently. */
export function listIncidents(root: string): { incidents: Incident[]; problems: string[] } {
  const dir = jidokaPaths(root).incidentsDir;
  if (!existsSync(dir)) return { incidents: [], problems: [] };
  const incidents: Incident[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const file = join(dir, name);
    try {
      incidents.push(parseIncident(readFileSync(file, 'utf8'), file));
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  incidents.sort((a, b) => a.opened_at.localeCompare(b.opened_at) || a.id.localeCompare(b.id));
  return { incidents, problems };
}

// ── rendering ──────────────────────────────────────────────────────────────

export function incidentTitle(finding: Finding): string {
  const msg = finding.message.split('\n')[0]!;
  return `${BREAKER_TITLES[finding.breaker]}: ${msg.length > 90 ? `${msg.slice(0, 89)}…` : msg}`;
}

export function renderIncident(f: IncidentFacts): string {
  const { finding } = f;
  const title = incidentTitle(finding);
  const front: [string, string | number | null][] = [
    ['id', f.id],
    ['title', title],
    ['type', 'incident'],
    ['status', f.status],
    ['severity', f.severity],
    ['category', finding.category],
    ['confidence', finding.confidence],
    ['plan', f.plan ?? null],
    ['chunk', f.chunk ?? null],
    ['attempt', f.attempt ?? null],
    ['detector', finding.breaker],
    ['base_sha', f.baseSha ?? null],
    ['head_sha', f.headSha ?? null],
    ['preserved_ref', f.preservedRef ?? null],
    ['opened_at', f.openedAt],
    ['resolved_at', null],
    ['prevention_level', null],
    ['countermeasure', null],
  ];
  const where = [
    f.plan ? `plan \`${f.plan}\`` : undefined,
    f.chunk !== undefined ? `chunk ${f.chunk}` : undefined,
    f.attempt !== undefined ? `attempt ${f.attempt}` : undefined,
  ].filter(Boolean);
  const out: string[] = [];
  out.push('---', ...front.map(([k, v]) => `${k}: ${formatScalar(v)}`), '---', '');
  out.push(`# ${f.id}: ${title}`, '');
  out.push('## Background', '');
  out.push(
    `The **${finding.breaker}** breaker tripped${where.length ? ` on ${where.join(', ')}` : ''}; the line ${f.severity === 'red' ? 'was stopped (red)' : 'turned yellow'}.`,
    '',
    ...quote(finding.message),
    '',
  );
  out.push('## Current condition', '');
  out.push(
    `Facts computed by Jidoka: category \`${finding.category}\`, confidence ${finding.confidence.toFixed(2)}, detector \`${finding.breaker}\`, action \`${finding.action}\`.`,
    '',
  );
  const ev = renderEvidence(finding.evidence);
  if (ev.length) out.push('### Evidence', '', ...ev, '');
  if (f.diffStat?.trim())
    out.push('### Diff stat', '', '```text', bound(f.diffStat.trimEnd(), 4000), '```', '');
  if (f.failingChecks?.length) out.push('### Failing checks', '', ...renderChecks(f.failingChecks), '');
  if (f.logExcerpt?.trim())
    out.push(
      '### Log excerpt',
      '',
      '```text',
      fence(bound(f.logExcerpt.trimEnd(), f.maxLogBytes)),
      '```',
      '',
    );
  const hashes = [
    f.baseSha ? `- base: \`${f.baseSha}\`` : undefined,
    f.headSha ? `- head: \`${f.headSha}\`` : undefined,
    f.preservedRef
      ? `- preserved: \`${f.preservedRef}\`${f.preservedSha ? ` → \`${f.preservedSha}\`` : ''}`
      : undefined,
    f.fingerprint ? `- failure fingerprint: \`${f.fingerprint}\`` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (hashes.length) out.push('### Hashes', '', ...hashes, '');
  out.push('## Containment', '', ...f.containment.map((c) => `- ${c}`), '');
  out.push('## Five Whys', '');
  out.push(
    'Each why: a hypothesis, how it was verified, and the conclusion; at least three levels. Replace each _Awaiting analysis_ in your editor (or let the diagnose agent draft them); `jidoka andon resolve` refuses while any of the first three is blank.',
    '',
  );
  for (let i = 1; i <= 3; i++) out.push(...renderWhy(i), '');
  out.push(
    '## Root cause',
    '',
    `${AWAITING}: recorded by \`jidoka andon resolve ${f.id} --root-cause "..."\`._`,
    '',
  );
  out.push(
    '## Countermeasures',
    '',
    `${AWAITING}: recorded by \`jidoka andon resolve ${f.id} --countermeasure "..." --level L1|L2|L3|L4\` (L1 poka-yoke, L2 auto-detect, L3 standard, L4 alert)._`,
    '',
  );
  out.push(
    '## Horizontal sweep',
    '',
    `${AWAITING}: where else could the same cause strike, and was it checked?_`,
    '',
  );
  out.push('## Timeline', '', ...f.timeline.map((t) => `- ${t}`), '');
  return out.join('\n');
}

export function renderWhy(
  n: number,
  why?: { hypothesis: string; verification: string; conclusion: string },
): string[] {
  const blank = `${AWAITING}._`;
  return [
    `### Why ${n}`,
    '',
    `- **Hypothesis:** ${why?.hypothesis ?? blank}`,
    `- **Verification:** ${why?.verification ?? blank}`,
    `- **Conclusion:** ${why?.conclusion ?? blank}`,
  ];
}

function renderEvidence(evidence: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      if (!value.length) continue;
      const items = value.slice(0, 20).map(inline);
      out.push(`- ${key}: ${items.join(', ')}${value.length > 20 ? ` and ${value.length - 20} more` : ''}`);
    } else {
      out.push(`- ${key}: ${inline(value)}`);
    }
  }
  return out;
}

function inline(v: unknown): string {
  const s =
    typeof v === 'string'
      ? v
      : isFlat(v)
        ? Object.entries(v)
            .map(([k, x]) => `${k}: ${x}`)
            .join(', ')
        : JSON.stringify(v);
  const oneLine = s.replace(/\s*\n\s*/g, ' ⏎ ');
  const short = oneLine.length > 300 ? `${oneLine.slice(0, 299)}…` : oneLine;
  return short.includes('`') ? `\`\` ${short} \`\`` : `\`${short}\``;
}

function isFlat(v: unknown): v is Record<string, string | number | boolean> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => x === null || typeof x !== 'object')
  );
}

function renderChecks(checks: CheckResult[]): string[] {
  const rows = ['| check | exit | duration | tests |', '|---|---|---|---|'];
  for (const c of checks) {
    const exit = c.timedOut ? 'timed out' : c.signal ? c.signal : String(c.exitCode);
    const t = c.tests;
    const tests = t
      ? `${t.failed ?? t.failing.length} failed${t.total !== undefined ? ` of ${t.total}` : ''}`
      : '';
    rows.push(
      `| \`${c.command.replace(/\|/g, '\\|')}\` | ${exit} | ${(c.durationMs / 1000).toFixed(1)}s | ${tests} |`,
    );
  }
  const failing = [...new Set(checks.flatMap((c) => c.tests?.failing ?? []))];
  if (failing.length) {
    rows.push('', 'Failing tests:', '');
    for (const id of failing.slice(0, 30)) rows.push(`- ${inline(id)}`);
    if (failing.length > 30) rows.push(`- and ${failing.length - 30} more`);
  }
  return rows;
}

function quote(text: string): string[] {
  return text.split('\n').map((l) => (l ? `> ${l}` : '>'));
}

/** Keep the tail (where errors are) within `max` bytes. */
export function bound(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  const tail = buf
    .subarray(buf.length - max)
    .toString('utf8')
    .replace(/^[^\n]*\n/, '');
  return `[… ${buf.length - Buffer.byteLength(tail)} bytes cut …]\n${tail}`;
}

/** A log line of three backticks would close the fence early. */
function fence(text: string): string {
  return text.replace(/^```/gm, '\u200b```');
}

// ── sections ───────────────────────────────────────────────────────────────

/** The text under `## name` (up to the next `## `), or undefined. */
export function sectionText(body: string, name: string): string | undefined {
  const range = sectionRange(body, name);
  return range ? body.slice(range.start, range.end) : undefined;
}

/** Replace the text under `## name`, keeping the heading; appends the section when missing. */
export function replaceSection(text: string, name: string, content: string): string {
  const range = sectionRange(text, name);
  const block = `\n${content.trim()}\n\n`;
  if (!range) return `${text.trimEnd()}\n\n## ${name}\n${block}`;
  return text.slice(0, range.start) + block + text.slice(range.end);
}

function sectionRange(text: string, name: string): { start: number; end: number } | undefined {
  const re = new RegExp(`^## ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*$`, 'm');
  const m = re.exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  const next = /^## /m.exec(text.slice(start));
  return { start, end: next ? start + next.index : text.length };
}

// ── whys and placeholders ──────────────────────────────────────────────────

export interface Why {
  n: number;
  hypothesis: string;
  verification: string;
  conclusion: string;
}

/** The whys as written under `## Five Whys` (`### Why N` with Hypothesis / Verification / Conclusion bullets). */
export function parseWhys(body: string): Why[] {
  const section = sectionText(body, 'Five Whys') ?? '';
  const whys: Why[] = [];
  const parts = section.split(/^### Why\s+/m).slice(1);
  for (const part of parts) {
    const n = Number.parseInt(part, 10);
    const field = (label: string) => {
      const re = new RegExp(
        `^\\s*[-*]\\s*\\*\\*${label}:?\\*\\*:?\\s*([\\s\\S]*?)(?=^\\s*[-*]\\s*\\*\\*\\w+:?\\*\\*|(?![\\s\\S]))`,
        'mi',
      );
      return (re.exec(part)?.[1] ?? '').trim();
    };
    whys.push({
      n: Number.isNaN(n) ? whys.length + 1 : n,
      hypothesis: field('Hypothesis'),
      verification: field('Verification'),
      conclusion: field('Conclusion'),
    });
  }
  return whys;
}

/** Why levels whose three parts are all written (not placeholders). */
export function filledWhys(body: string): Why[] {
  return parseWhys(body).filter(
    (w) =>
      !placeholderReason(w.hypothesis) &&
      !placeholderReason(w.verification) &&
      !placeholderReason(w.conclusion),
  );
}

const PLACEHOLDER_WORDS =
  /^(?:todo|tbd|tba|tbc|n\/?a|none|null|nil|nothing|unknown|later|wip|fixme|xxx+|placeholder|same|see above|-+|\.+|\?+|…)[.!:]?$/i;
const TEMPLATE_PHRASES = [
  'root cause',
  'the root cause',
  'countermeasure',
  'hypothesis',
  'verification',
  'conclusion',
  'what prevents a recurrence',
  'the root cause found',
  'describe the root cause',
  'fill me in',
  'lorem ipsum',
];

/**
 * Why `text` is not a real answer (empty, TODO/TBD/N/A, template text,
 * Jidoka's own "awaiting analysis" marker, too short to say anything), or
 * undefined when it is one.
 */
export function placeholderReason(text: string | undefined): string | undefined {
  const t = (text ?? '')
    .replace(/^\s*>\s?/gm, '')
    .replace(/[_*`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!t) return 'it is empty';
  if (/awaiting analysis/i.test(t)) return 'it is the "awaiting analysis" marker';
  if (PLACEHOLDER_WORDS.test(t) || /^(?:todo|tbd|fixme|xxx)\b/i.test(t)) return `"${t}" is a placeholder`;
  if (/^<[^>]*>$/.test(t) || /^\[[^\]]*\]$/.test(t) || /^\.\.\.|^…/.test(t)) return `"${t}" is template text`;
  if (TEMPLATE_PHRASES.includes(t.toLowerCase().replace(/[.:]$/, ''))) return `"${t}" is template text`;
  if (t.split(' ').length < 2 || t.length < 8) return `"${t}" is too short to say what happened`;
  return undefined;
}
