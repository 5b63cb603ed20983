import { repoPath, type WikiModel } from '../model.js';
import type { LintFinding } from '../types.js';
import { finding } from './finding.js';

/**
 * page-unreadable, invalid-utf8: what reading and parsing found wrong with a
 * page as a file (kept with the page, see PageProblem); outside-repo for the
 * symlinks in the wiki that lead out of the repository and were not read.
 */
export function pageProblemRules(model: WikiModel): LintFinding[] {
  const out: LintFinding[] = [];
  for (const page of model.pages.values())
    for (const p of page.problems)
      out.push(finding(p.rule, repoPath(model, page.path), p.line, p.column, p.message));
  for (const path of model.outside)
    out.push(
      finding(
        'outside-repo',
        repoPath(model, path.replace(/\/$/, '')),
        1,
        1,
        `a symlink to ${path.endsWith('/') ? 'a folder' : 'a page'} outside the repository: not linted; move the ${path.endsWith('/') ? 'folder' : 'page'} into the repository or remove the link`,
      ),
    );
  return out;
}
