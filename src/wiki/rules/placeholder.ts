import { INDEX_PAGE, pageType, repoPath, type WikiModel } from '../model.js';
import type { LintFinding } from '../types.js';
import { finding } from './finding.js';

/**
 * placeholder: TODO/TBD/FIXME/lorem text left in a page (code is ignored).
 * An incident that is not resolved yet is allowed its blanks: the whys are
 * filled in during analysis.
 */
export function placeholderRules(model: WikiModel): LintFinding[] {
  const out: LintFinding[] = [];
  for (const page of model.pages.values()) {
    if (pageType(page) === 'incident' && page.frontmatter.data.status !== 'resolved') continue;
    // index.md quotes each page's first paragraph; a placeholder there is reported on its page.
    if (page.path === INDEX_PAGE) continue;
    const file = repoPath(model, page.path);
    for (const p of page.placeholders)
      out.push(
        finding(
          'placeholder',
          file,
          p.line,
          p.column,
          `placeholder "${p.text}" left in the page; write the real content or remove it (put it in \`code\` if you mean the word)`,
        ),
      );
  }
  return out;
}
