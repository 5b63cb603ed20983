import { INDEX_PAGE, isSpecial, pageTitle, repoPath, type WikiModel } from '../model.js';
import type { LintFinding } from '../types.js';
import { finding } from './finding.js';
import { type LinkScan, scanLinks } from './links.js';

const FIX = 'run `jidoka wiki lint --fix` to regenerate index.md';

/**
 * index-drift: index.md must list every page and nothing that is missing.
 * orphan-page: a page neither in index.md nor linked from any other page
 * cannot be found by reading; it is reported besides the drift.
 */
export function indexRules(
  model: WikiModel,
  scan: LinkScan = scanLinks(model),
  jidoka = true,
): LintFinding[] {
  if (!jidoka) return orphanRule(model, scan);
  const out: LintFinding[] = [...scan.indexMissing];
  const indexFile = repoPath(model, INDEX_PAGE);
  const pages = [...model.pages.values()].filter((p) => !isSpecial(p.path));
  if (!model.pages.has(INDEX_PAGE)) {
    if (pages.length) out.push(finding('index-drift', indexFile, 1, 1, `index.md is missing; ${FIX}`));
    return out;
  }
  const unlisted = pages.filter((page) => !scan.listed.has(page));
  const linked = scan.linkedFrom(unlisted);
  for (const page of unlisted) {
    out.push(
      finding(
        'index-drift',
        indexFile,
        1,
        1,
        `${repoPath(model, page.path)} ("${pageTitle(page)}") is not listed in index.md; ${FIX}`,
      ),
    );
    if (!linked.has(page))
      out.push(
        finding(
          'orphan-page',
          repoPath(model, page.path),
          1,
          1,
          'no page links here and index.md does not list it; link it from a related page and regenerate the index (`jidoka wiki lint --fix`)',
        ),
      );
  }
  return out;
}

/**
 * On a folder of markdown that is not a Jidoka wiki there is no index to
 * keep: a page is an orphan when no other page links to it. The folder's own
 * README.md or index.md is where a reader starts, and is not one.
 */
function orphanRule(model: WikiModel, scan: LinkScan): LintFinding[] {
  const candidates = [...model.pages.values()].filter((p) => p.path !== 'README.md' && p.path !== INDEX_PAGE);
  const linked = scan.linkedFrom(candidates, true);
  return candidates
    .filter((page) => !linked.has(page))
    .map((page) =>
      finding(
        'orphan-page',
        repoPath(model, page.path),
        1,
        1,
        'no page links here; link it from a related page',
      ),
    );
}
