import {
  hasAnchor,
  INDEX_PAGE,
  repoPath,
  resolveTarget,
  type WikiModel,
  wikilinkResolver,
} from '../model.js';
import { linkAt, newCursor, readLink, unpackHeadings } from '../packed.js';
import { slugify } from '../slug.js';
import type { LintFinding, PageInfo } from '../types.js';
import { finding } from './finding.js';

/** One pass over every link of the wiki: what the link rules and the index rules both need. */
export interface LinkScan {
  /** broken-link, broken-anchor, dead-wikilink. */
  findings: LintFinding[];
  /** index-drift: index.md entries pointing at missing pages. */
  indexMissing: LintFinding[];
  /** Pages index.md links to (a set of pages, not paths: identity hashing is the cheap kind). */
  listed: Set<PageInfo>;
  /** Pages some other page (not index.md) links to. */
  inbound: Set<PageInfo>;
}

/**
 * Resolve every link and wikilink once. External links were dropped at
 * parse time and are left alone. Links from index.md to missing pages are
 * index drift, not broken links.
 */
export function scanLinks(model: WikiModel): LinkScan {
  const scan: LinkScan = { findings: [], indexMissing: [], listed: new Set(), inbound: new Set() };
  const out = scan.findings;
  const resolveWikilink = wikilinkResolver(model);
  const cursor = newCursor();
  for (const page of model.pages.values()) {
    const file = repoPath(model, page.path);
    const isIndex = page.path === INDEX_PAGE;
    const packed = page.links;
    const reach = (target: PageInfo) => {
      if (isIndex) scan.listed.add(target);
      else if (target !== page) scan.inbound.add(target);
    };
    // A plain loop, not a callback per link: this is the hot path of a large wiki's lint.
    for (let at = 0; at < packed.length; at = cursor.next) {
      readLink(packed, at, cursor);
      const { target, anchor } = cursor;
      if (target === '') {
        if (anchor && !hasAnchor(page, anchor)) {
          const l = linkAt(packed, at);
          out.push(
            finding(
              'broken-anchor',
              file,
              l.line,
              l.column,
              `#${anchor} is not a heading on this page; link to an existing heading (${headingHint(page.headings)}) or add it`,
            ),
          );
        }
        continue;
      }
      const hit = resolveTarget(model, target);
      if (hit === null) {
        const l = linkAt(packed, at);
        out.push(
          finding(
            'broken-link',
            file,
            l.line,
            l.column,
            `${l.url} points outside the repository; link to a file inside it or use a full URL`,
          ),
        );
      } else if (typeof hit === 'string') {
        if (model.exists(hit)) continue;
        const l = linkAt(packed, at);
        if (isIndex && hit.endsWith('.md'))
          scan.indexMissing.push(
            finding(
              'index-drift',
              file,
              l.line,
              l.column,
              `index.md lists ${hit}, which does not exist; run \`jidoka wiki lint --fix\` to regenerate index.md`,
            ),
          );
        else
          out.push(
            finding(
              'broken-link',
              file,
              l.line,
              l.column,
              `${l.url}: ${hit} does not exist; fix the path (relative to this page) or create the file`,
            ),
          );
      } else {
        if (isIndex) scan.listed.add(hit);
        else if (hit !== page) scan.inbound.add(hit);
        if (anchor && !hasAnchor(hit, anchor)) {
          const l = linkAt(packed, at);
          out.push(
            finding(
              'broken-anchor',
              file,
              l.line,
              l.column,
              `${l.url}: ${repoPath(model, hit.path)} has no heading #${anchor}; use one of its headings (${headingHint(hit.headings)})`,
            ),
          );
        }
      }
    }
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
        continue;
      }
      reach(target);
      if (anchor && !hasAnchor(target, slugify(anchor.split('|')[0]!.trim())))
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
  return scan;
}

export function linkRules(model: WikiModel, scan: LinkScan = scanLinks(model)): LintFinding[] {
  return scan.findings;
}

function headingHint(packed: string): string {
  const headings = unpackHeadings(packed);
  if (!headings.length) return 'it has no headings';
  const shown = headings.slice(0, 5).map((h) => `#${h.slug}`);
  return headings.length > 5 ? `${shown.join(', ')}, …` : shown.join(', ');
}
