import type { FullLintReport } from './lint.js';
import type { LintFinding } from './types.js';

/** The stable `--json` shape (documented in wiki/00_SCHEMA.md, "Output"). */
export function reportJson(report: FullLintReport): unknown {
  return {
    version: 1,
    pages: report.pages,
    counts: report.counts,
    findings: report.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      file: f.file,
      line: f.line,
      column: f.column,
      message: f.message,
    })),
    ...(report.fix ? { fix: report.fix } : {}),
    ...(report.notes?.length ? { notes: report.notes } : {}),
  };
}

/** Findings grouped by file, like the linters people know, then a summary line. */
export function formatReport(report: FullLintReport): string {
  const out: string[] = [];
  const byFile = new Map<string, LintFinding[]>();
  for (const f of report.findings) {
    const list = byFile.get(f.file) ?? [];
    list.push(f);
    byFile.set(f.file, list);
  }
  for (const [file, list] of byFile) {
    out.push(file);
    const posWidth = Math.max(...list.map((f) => `${f.line}:${f.column}`.length));
    for (const f of list) {
      out.push(
        `  ${`${f.line}:${f.column}`.padEnd(posWidth)}  ${f.severity.padEnd(7)}  ${f.message}  ${f.rule}`,
      );
    }
    out.push('');
  }
  for (const note of report.notes ?? []) out.push(`note: ${note}`);
  const { errors, warnings, fixable } = report.counts;
  const total = errors + warnings;
  if (total === 0) out.push(`✔ ${report.pages} pages, no problems`);
  else {
    out.push(
      `✖ ${total} problem${total === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}) in ${report.pages} pages`,
    );
    if (fixable && !report.fix?.applied.length)
      out.push(`  ${fixable} fixable with \`jidoka wiki lint --fix\``);
  }
  if (report.fix?.applied.length) out.push(`fixed: ${report.fix.applied.join(', ')}`);
  if (report.fix?.refused) out.push(`not fixed: ${report.fix.refused}`);
  return out.join('\n');
}
