import { repoPath, type WikiModel } from '../model.js';
import type { LintFinding } from '../types.js';
import { finding } from './finding.js';

/**
 * conflicting-facts: pages may declare `facts:` (key: value) in frontmatter.
 * The same key with different values on two pages is a contradiction; the
 * finding sits on the later page (path order) and names the earlier one.
 */
export function factRules(model: WikiModel): LintFinding[] {
  const out: LintFinding[] = [];
  const first = new Map<string, { file: string; line: number; value: unknown; shown: string }>();
  for (const page of model.pages.values()) {
    const facts = page.frontmatter.data.facts;
    if (!facts || typeof facts !== 'object' || Array.isArray(facts)) continue;
    const file = repoPath(model, page.path);
    for (const [key, value] of Object.entries(facts as Record<string, unknown>)) {
      const line = page.frontmatter.keyLines[`facts.${key}`] ?? 1;
      const shown = JSON.stringify(value);
      const seen = first.get(key);
      if (!seen) {
        first.set(key, { file, line, value, shown });
        continue;
      }
      if (seen.shown !== shown)
        out.push(
          finding(
            'conflicting-facts',
            file,
            line,
            1,
            `facts.${key} is ${shown} here but ${seen.shown} in ${seen.file}:${seen.line}; check which is true and make both pages agree`,
          ),
        );
    }
  }
  return out;
}
