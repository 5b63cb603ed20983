import { LOG_PAGE, repoPath, type WikiModel } from '../model.js';
import { unpackHeadings } from '../packed.js';
import type { LintFinding } from '../types.js';
import { finding } from './finding.js';

/** `## YYYY-MM-DD kind | title`, optionally with a time: `2025-01-31T09:30Z`. */
export const LOG_HEADING =
  /^(\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?:T[\d:.]+Z?)? ([a-z][a-z0-9-]*) \| (\S.*)$/;

/**
 * log-format: every `##` entry of log.md starts with an ISO date, then a
 * kind and a title, so `grep '^## 2025-' wiki/log.md` finds them; newest last.
 */
export function logFormatRules(model: WikiModel): LintFinding[] {
  const log = model.pages.get(LOG_PAGE);
  if (!log) return [];
  const out: LintFinding[] = [];
  const file = repoPath(model, LOG_PAGE);
  let last = '';
  for (const h of unpackHeadings(log.headings)) {
    if (h.depth !== 2) continue;
    const m = LOG_HEADING.exec(h.text);
    if (!m) {
      out.push(
        finding(
          'log-format',
          file,
          h.line,
          1,
          `entry heading "${h.text}" must read "## YYYY-MM-DD kind | title" (e.g. "## 2025-01-31 sync | 3 pages updated")`,
        ),
      );
      continue;
    }
    const date = m[1]!;
    if (date < last)
      out.push(
        finding(
          'log-format',
          file,
          h.line,
          1,
          `entry dated ${date} comes after one dated ${last}; log.md is append-only, newest last: move the entry`,
        ),
      );
    else last = date;
  }
  return out;
}
