import { formatScalar } from '../../core/frontmatter.js';
import { clipChars, clipEnd } from '../../core/text.js';
import type { CheckResult, Finding } from '../../core/types.js';
import { AWAITING, BREAKER_TITLES, type IncidentFacts } from './record.js';

/**
 * Rendering an incident page from the facts Jidoka computed: frontmatter, the
 * A3 sections, and placeholders for the whys a human or the diagnose agent
 * writes. Logs are clipped and fenced so an agent's output cannot break out.
 */

export function incidentTitle(finding: Finding): string {
  const msg = finding.message.split('\n')[0]!;
  return `${BREAKER_TITLES[finding.breaker]}: ${clipChars(msg, 90)}`;
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
    out.push('### Diff stat', '', '```text', clipEnd(f.diffStat.trimEnd(), 4000), '```', '');
  if (f.failingChecks?.length) out.push('### Failing checks', '', ...renderChecks(f.failingChecks), '');
  if (f.logExcerpt?.trim())
    out.push(
      '### Log excerpt',
      '',
      '```text',
      fence(clipEnd(f.logExcerpt.trimEnd(), f.maxLogBytes)),
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
  const short = clipChars(oneLine, 300);
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

/** A log line of three backticks would close the fence early. */
function fence(text: string): string {
  return text.replace(/^```/gm, '\u200b```');
}
