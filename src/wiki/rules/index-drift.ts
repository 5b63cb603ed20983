import {
  INDEX_PAGE,
  isSpecial,
  type LinkTarget,
  pageTitle,
  repoPath,
  resolveAll,
  type WikiModel,
  wikilinkResolver,
} from '../model.js';
import type { LintFinding, PageInfo } from '../types.js';
import { finding } from './finding.js';

const FIX = 'run `jidoka wiki lint --fix` to regenerate index.md';

/**
 * index-drift: index.md must list every page and nothing that is missing.
 * orphan-page: a page neither in index.md nor linked from any other page
 * cannot be found by reading; it is reported besides the drift.
 */
export function indexRules(
  model: WikiModel,
  resolved: Map<PageInfo, LinkTarget[]> = resolveAll(model),
): LintFinding[] {
  const out: LintFinding[] = [];
  const index = model.pages.get(INDEX_PAGE);
  const indexFile = repoPath(model, INDEX_PAGE);
  const listed = new Set<string>();
  const inbound = new Set<string>();
  const resolveWikilink = wikilinkResolver(model);

  for (const page of model.pages.values()) {
    const targets: string[] = [];
    const resolvedLinks = resolved.get(page) ?? [];
    for (let i = 0; i < page.links.length; i++) {
      const link = page.links[i]!;
      const t = resolvedLinks[i]!;
      if (t.kind === 'page') targets.push(t.page.path);
      else if (page === index && t.kind === 'file' && !t.exists && t.path.endsWith('.md'))
        out.push(
          finding(
            'index-drift',
            indexFile,
            link.line,
            link.column,
            `index.md lists ${t.path}, which does not exist; ${FIX}`,
          ),
        );
    }
    for (const wl of page.wikilinks) {
      const t = resolveWikilink(wl.target).page;
      if (t) targets.push(t.path);
    }
    for (const t of targets) {
      if (page === index) listed.add(t);
      else if (t !== page.path) inbound.add(t);
    }
  }

  const pages = [...model.pages.values()].filter((p) => !isSpecial(p.path));
  if (!index) {
    if (pages.length) out.push(finding('index-drift', indexFile, 1, 1, `index.md is missing; ${FIX}`));
    return out;
  }
  for (const page of pages) {
    if (listed.has(page.path)) continue;
    out.push(
      finding(
        'index-drift',
        indexFile,
        1,
        1,
        `${repoPath(model, page.path)} ("${pageTitle(page)}") is not listed in index.md; ${FIX}`,
      ),
    );
    if (!inbound.has(page.path))
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
