import type { Config } from '../../config/schema.js';
import { clipChars } from '../../core/text.js';
import type { CheckResult } from '../../core/types.js';
import { gitAt } from '../../git/repo.js';
import { checkSpecs, failingOutput, runChecks } from '../checks.js';

/**
 * The audit loop's deterministic signals, collected before any agent runs:
 * the configured checks' results, TODO/FIXME markers, churn, and whatever the
 * wiki linter reports (stale pages, uncovered sources). The auditor plans
 * from these facts instead of guessing.
 */
export interface AuditSignals {
  checks: { name: string; command: string; passed: boolean; exitCode: number | null; output: string }[];
  markers: { file: string; line: number; text: string }[];
  markersTotal: number;
  churn: { file: string; changes: number; commits: number }[];
  wiki: { rule: string; file: string; line: number; message: string }[];
}

export async function collectSignals(
  root: string,
  config: Config,
  opts: { stepDir: string; wiki?: AuditSignals['wiki'] },
): Promise<AuditSignals> {
  const checks: CheckResult[] = await runChecks({
    cwd: root,
    specs: checkSpecs(config.checks, config.limits.checkTimeout),
    stepDir: opts.stepDir,
    maxOutputBytes: config.limits.maxOutputBytes,
    sandbox: config.sandbox,
  });
  const git = gitAt(root);
  const grep = await git
    .raw([
      'grep',
      '-n',
      '-I',
      '-E',
      '\\b(TODO|FIXME|XXX|HACK)\\b',
      '--',
      '.',
      ':!plans/',
      ':!wiki/',
      ':!node_modules/',
    ])
    .catch(() => '');
  const markerLines = grep.split('\n').filter(Boolean);
  const markers = markerLines.slice(0, 100).map((l) => {
    const m = /^([^:]+):(\d+):(.*)$/.exec(l);
    return { file: m?.[1] ?? l, line: Number(m?.[2] ?? 0), text: clipChars((m?.[3] ?? '').trim(), 200) };
  });
  const log = await git.raw(['log', '--since=90.days', '--numstat', '--format=%x00']).catch(() => '');
  const churnMap = new Map<string, { changes: number; commits: number }>();
  for (const line of log.split('\n')) {
    const m = /^(\d+|-)\t(\d+|-)\t(.+)$/.exec(line);
    if (!m) continue;
    const c = churnMap.get(m[3]!) ?? { changes: 0, commits: 0 };
    c.changes += (Number(m[1]) || 0) + (Number(m[2]) || 0);
    c.commits++;
    churnMap.set(m[3]!, c);
  }
  const churn = [...churnMap.entries()]
    .map(([file, c]) => ({ file, ...c }))
    .sort((a, b) => b.commits - a.commits || b.changes - a.changes)
    .slice(0, 15);
  return {
    checks: checks.map((c) => ({
      name: c.name,
      command: c.command,
      passed: c.passed,
      exitCode: c.exitCode,
      output: c.passed ? '' : failingOutput([c], 2048),
    })),
    markers,
    markersTotal: markerLines.length,
    churn,
    wiki: opts.wiki ?? [],
  };
}

export function formatSignals(s: AuditSignals): string {
  const out: string[] = ['## Signals (collected by Jidoka)', '', '### Checks'];
  if (!s.checks.length) out.push('No checks are configured.');
  for (const c of s.checks)
    out.push(
      `- \`${c.command}\`: ${c.passed ? 'passes' : `FAILS (exit ${c.exitCode})`}${c.output ? `\n\n\`\`\`\n${c.output}\n\`\`\`` : ''}`,
    );
  out.push('', `### TODO/FIXME markers (${s.markersTotal})`);
  for (const m of s.markers.slice(0, 40)) out.push(`- ${m.file}:${m.line}: ${m.text}`);
  if (s.markersTotal > 40) out.push(`- … and ${s.markersTotal - 40} more`);
  out.push('', '### Churn, last 90 days (commits, lines changed)');
  for (const c of s.churn) out.push(`- ${c.file}: ${c.commits} commits, ${c.changes} lines`);
  out.push('', `### Wiki lint (${s.wiki.length} findings: stale pages, uncovered sources, broken links)`);
  for (const w of s.wiki.slice(0, 40)) out.push(`- ${w.rule} ${w.file}:${w.line}: ${w.message}`);
  return out.join('\n');
}
