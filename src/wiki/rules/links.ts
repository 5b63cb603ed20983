import {
  hasAnchor,
  INDEX_PAGE,
  type LinkTarget,
  repoPath,
  resolveAll,
  type WikiModel,
  wikilinkResolver,
} from '../model.js';
import { slugify } from '../slug.js';
import type { LintFinding, PageInfo } from '../types.js';
import { finding } from './finding.js';

/**
 * broken-link, broken-anchor, dead-wikilink. External links are left alone.
 * Links from index.md to missing pages are index-drift, reported there.
 */
export function linkRules(
  model: WikiModel,
  resolved: Map<PageInfo, LinkTarget[]> = resolveAll(model),
): LintFinding[] {
  const out: LintFinding[] = [];
  const resolveWikilink = wikilinkResolver(model);
  for (const page of model.pages.values()) {
    const file = repoPath(model, page.path);
    const targets = resolved.get(page) ?? [];
    page.links.forEach((link, i) => {
      const target = targets[i]!;
      switch (target.kind) {
        case 'self':
          if (target.anchor && !hasAnchor(page, target.anchor))
            out.push(
              finding(
                'broken-anchor',
                file,
                link.line,
                link.column,
                `#${target.anchor} is not a heading on this page; link to an existing heading (${headingHint(page.headings)}) or add it`,
              ),
            );
          break;
        case 'page':
          if (target.anchor && !hasAnchor(target.page, target.anchor))
            out.push(
              finding(
                'broken-anchor',
                file,
                link.line,
                link.column,
                `${link.url}: ${repoPath(model, target.page.path)} has no heading #${target.anchor}; use one of its headings (${headingHint(target.page.headings)})`,
              ),
            );
          break;
        case 'file':
          if (!target.exists) {
            if (page.path === INDEX_PAGE && target.path.endsWith('.md')) break;
            out.push(
              finding(
                'broken-link',
                file,
                link.line,
                link.column,
                `${link.url}: ${target.path} does not exist; fix the path (relative to this page) or create the file`,
              ),
            );
          }
          break;
        case 'outside':
          out.push(
            finding(
              'broken-link',
              file,
              link.line,
              link.column,
              `${link.url} points outside the repository; link to a file inside it or use a full URL`,
            ),
          );
          break;
        case 'external':
          break;
      }
    });
    for (const wl of page.wikilinks) {
      const name = wl.target.split('|')[0]!.split('#')[0]!.trim();
      const { page: target, anchor } = name
        ? resolveWikilink(wl.target)
        : { page, anchor: wl.target.split('#')[1] };
      if (!target) {
        out.push(
          finding(
            'dead-wikilink',
            file,
            wl.line,
            wl.column,
            `[[${wl.target}]] matches no page (by path, file name or title); fix the name or write the page`,
          ),
        );
      } else if (anchor && !hasAnchor(target, slugify(anchor.split('|')[0]!.trim()))) {
        out.push(
          finding(
            'broken-anchor',
            file,
            wl.line,
            wl.column,
            `[[${wl.target}]]: ${repoPath(model, target.path)} has no heading "${anchor}"; use one of its headings (${headingHint(target.headings)})`,
          ),
        );
      }
    }
  }
  return out;
}

function headingHint(headings: { slug: string }[]): string {
  if (!headings.length) return 'it has no headings';
  const shown = headings.slice(0, 5).map((h) => `#${h.slug}`);
  return headings.length > 5 ? `${shown.join(', ')}, …` : shown.join(', ');
}
