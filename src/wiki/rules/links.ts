import {
  hasAnchor,
  INDEX_PAGE,
  NO_LINK_SETTINGS,
  repoPath,
  resolveTarget,
  type WikiModel,
  wikilinkResolver,
} from '../model.js';
import { linkAt, newCursor, readLink, unpackHeadings } from '../packed.js';
import { slugify } from '../slug.js';
import type { LinkResult, LintFinding, PageInfo, PageLink, RuleId } from '../types.js';
import { finding } from './finding.js';

/** One pass over every link of the wiki: what the link rules and the index rules both need. */
export interface LinkScan {
  /** broken-link, broken-anchor, dead-wikilink. */
  findings: LintFinding[];
  /** index-drift: index.md entries pointing at missing pages. */
  indexMissing: LintFinding[];
  /** Pages index.md links to (a set of pages, not paths: identity hashing is the cheap kind). */
  listed: Set<PageInfo>;
  /** Of `candidates`, the pages some other page (not index.md, unless `fromIndex`) links to. */
  linkedFrom(candidates: readonly PageInfo[], fromIndex?: boolean): Set<PageInfo>;
  /** Every page's link result, reused or worked out now: what the cache keeps. */
  results: Map<string, LinkResult>;
  /** How many pages had their links checked now (the others reused a result). */
  checked: number;
}

/**
 * Resolve every link and wikilink. A page's links are checked again only
 * when `reuse` has no result for it (see link-results.ts: a result is
 * reused while nothing it depends on changed). External links were dropped
 * at parse time and are left alone.
 */
export function scanLinks(model: WikiModel, reuse: ReadonlyMap<string, LinkResult> = new Map()): LinkScan {
  const findings: LintFinding[] = [];
  const indexMissing: LintFinding[] = [];
  const results = new Map<string, LinkResult>();
  let checked = 0;
  let resolveWikilink: ReturnType<typeof wikilinkResolver> | undefined;
  for (const page of model.pages.values()) {
    let result = reuse.get(page.path);
    if (!result) {
      resolveWikilink ??= page.wikilinks.length ? wikilinkResolver(model) : undefined;
      result = checkLinks(model, page, resolveWikilink);
      checked++;
    }
    results.set(page.path, result);
    for (const f of result.findings) (f.rule === 'index-drift' ? indexMissing : findings).push(f);
  }
  const listed = new Set<PageInfo>();
  const index = results.get(INDEX_PAGE);
  if (index) for (const path of lines(index.pages)) addPage(model, listed, path);
  return {
    findings,
    indexMissing,
    listed,
    linkedFrom: (candidates, fromIndex) => linkedFrom(results, candidates, fromIndex),
    results,
    checked,
  };
}

/**
 * Which of `candidates` another page links to. Asked only for pages
 * index.md does not list (usually none or a few), so a lint need not build
 * the inbound set of the whole wiki: a few candidates are searched for in
 * each page's result, many by one pass over all of them.
 */
function linkedFrom(
  results: ReadonlyMap<string, LinkResult>,
  candidates: readonly PageInfo[],
  fromIndex = false,
): Set<PageInfo> {
  const found = new Set<PageInfo>();
  if (!candidates.length) return found;
  const wanted = new Map(candidates.map((p) => [p.path, p]));
  for (const [from, result] of results) {
    if (from === INDEX_PAGE && !fromIndex) continue;
    if (wanted.size <= 16) {
      for (const [path, page] of wanted)
        if (path !== from && hasLine(result.pages, path)) {
          found.add(page);
          wanted.delete(path);
        }
    } else
      for (const path of lines(result.pages)) {
        const page = path !== from ? wanted.get(path) : undefined;
        if (page) {
          found.add(page);
          wanted.delete(path);
        }
      }
    if (!wanted.size) break;
  }
  return found;
}

function addPage(model: WikiModel, set: Set<PageInfo>, path: string): void {
  const page = model.pages.get(path);
  if (page) set.add(page);
}

function lines(packed: string): string[] {
  return packed ? packed.split('\n') : [];
}

/** Is `line` one of the lines of `packed`? */
function hasLine(packed: string, line: string): boolean {
  for (let at = packed.indexOf(line); at >= 0; at = packed.indexOf(line, at + 1)) {
    const end = at + line.length;
    if (
      (at === 0 || packed.charCodeAt(at - 1) === 10) &&
      (end === packed.length || packed.charCodeAt(end) === 10)
    )
      return true;
  }
  return false;
}

/**
 * Check one page's links and wikilinks: its findings, and what they depend
 * on. `resolveWikilink` is needed only when the page has wikilinks.
 */
export function checkLinks(
  model: WikiModel,
  page: PageInfo,
  resolveWikilink?: ReturnType<typeof wikilinkResolver>,
): LinkResult {
  const findings: LintFinding[] = [];
  const pages = new Set<string>();
  // Non-page targets: 1 existed, 0 did not, or the content hash of a markdown file whose anchors were read.
  const files = new Map<string, 0 | 1 | string>();
  const file = repoPath(model, page.path);
  const isIndex = page.path === INDEX_PAGE;
  const packed = model.body(page).links;
  // Reporting decodes the whole link; the loop reads only its target and anchor.
  const report = (at: number, rule: RuleId, message: (link: PageLink) => string) => {
    const l = linkAt(packed, at);
    findings.push(finding(rule, file, l.line, l.column, message(l)));
  };
  const cursor = newCursor();
  const ignoring = model.links.ignored !== NO_LINK_SETTINGS.ignored;
  // A plain loop, not a callback per link: this is the hot path of a cold lint.
  for (let at = 0; at < packed.length; at = cursor.next) {
    readLink(packed, at, cursor);
    const { target, anchor } = cursor;
    if (ignoring && model.links.ignored(linkAt(packed, at).url)) continue;
    if (target === '') {
      if (anchor && !hasAnchor(page, anchor))
        report(
          at,
          'broken-anchor',
          () =>
            `#${anchor} is not a heading or HTML anchor on this page; link to an existing one (${headingHint(page.headings)}) or add it`,
        );
      continue;
    }
    const hit = resolveTarget(model, target);
    if (hit === null) {
      report(
        at,
        'outside-repo',
        (l) => `${l.url} points outside the repository; link to a file inside it or use a full URL`,
      );
      continue;
    }
    if (typeof hit !== 'string') {
      pages.add(hit.path);
      if (anchor && !hasAnchor(hit, anchor))
        report(
          at,
          'broken-anchor',
          (l) =>
            `${l.url}: ${repoPath(model, hit.path)} has no heading or HTML anchor #${anchor}; use one of its headings (${headingHint(hit.headings)})`,
        );
      continue;
    }
    const exists = model.exists(hit);
    files.set(hit, exists ? 1 : 0);
    if (!exists) {
      if (isIndex && hit.endsWith('.md'))
        report(
          at,
          'index-drift',
          () =>
            `index.md lists ${hit}, which does not exist; run \`jidoka wiki lint --fix\` to regenerate index.md`,
        );
      else
        report(
          at,
          'broken-link',
          (l) => `${l.url}: ${hit} does not exist; fix the path (relative to this page) or create the file`,
        );
      continue;
    }
    if (model.isOutside(hit)) {
      report(
        at,
        'outside-repo',
        (l) => `${l.url}: ${hit} is a symlink that leads outside the repository; link to a file inside it`,
      );
      continue;
    }
    if (anchor || !isMarkdown(hit))
      checkFileAnchor(model, hit, anchor, pages, files, (message) => report(at, 'broken-anchor', message));
  }
  if (page.wikilinks.length)
    checkWikilinks(model, page, resolveWikilink ?? wikilinkResolver(model), pages, findings);
  let filesPacked = '';
  for (const [path, v] of files) filesPacked += typeof v === 'string' ? `=${v}\t${path}\n` : `${v}${path}\n`;
  return { findings, pages: [...pages].join('\n'), files: filesPacked };
}

function checkWikilinks(
  model: WikiModel,
  page: PageInfo,
  resolveWikilink: ReturnType<typeof wikilinkResolver>,
  reached: Set<string>,
  out: LintFinding[],
): void {
  const file = repoPath(model, page.path);
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
    reached.add(target.path);
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

/**
 * The anchor of a link to a file outside the wiki's pages: a markdown file
 * (outside the wiki folder, parsed for this: model.external), or a folder,
 * whose README.md or index.md holds the anchor as a forge or docs site shows
 * it (and is the page the link reaches, anchor or not). Anchors into other
 * files (`x.ts#L10`) are the forge's business.
 */
function checkFileAnchor(
  model: WikiModel,
  hit: string,
  anchor: string,
  pages: Set<string>,
  files: Map<string, 0 | 1 | string>,
  report: (message: (link: PageLink) => string) => void,
): void {
  const folder = !isMarkdown(hit);
  if (folder && !model.isDir(hit)) return;
  for (const file of folder ? folderPages(hit) : [hit]) {
    const holder = anchorHolder(model, file);
    if (!holder) {
      if (!files.has(file)) files.set(file, 0);
      continue;
    }
    if ('path' in holder && holder.wiki) pages.add(holder.path);
    else if (anchor) files.set(file, holder.page.hash);
    if (anchor && !hasAnchor(holder.page, anchor))
      report(
        (l) =>
          `${l.url}: ${file} has no heading or HTML anchor #${anchor}; use one of its headings (${headingHint(holder.page.headings)})`,
      );
    return;
  }
  if (anchor)
    report(
      (l) =>
        `${l.url}: the folder ${hit} has no README.md or index.md to hold #${anchor}; link to the page itself`,
    );
}

function isMarkdown(path: string): boolean {
  return /\.(?:md|markdown)$/i.test(path);
}

/** The pages a forge or docs site shows for a folder, in the order they are looked for. */
export function folderPages(folder: string): string[] {
  return [`${folder}/README.md`, `${folder}/index.md`];
}

/** The parsed page at a repo path: a wiki page, or a markdown file outside the wiki read for its anchors. */
function anchorHolder(
  model: WikiModel,
  file: string,
): { page: PageInfo; wiki: true; path: string } | { page: PageInfo; wiki?: false } | undefined {
  const prefix = model.wikiRel ? `${model.wikiRel}/` : '';
  if (file.startsWith(prefix)) {
    const page = model.pages.get(file.slice(prefix.length));
    if (page) return { page, wiki: true, path: page.path };
  }
  const page = model.external.get(file);
  return page ? { page } : undefined;
}

/**
 * The markdown files outside the wiki's pages that the links with anchors
 * of `pages` point at (directly, or as a folder's README.md / index.md):
 * what lint.ts parses into model.external before the links are checked.
 */
export function externalAnchorTargets(model: WikiModel, pages: Iterable<PageInfo>): string[] {
  const out = new Set<string>();
  const cursor = newCursor();
  for (const page of pages) {
    const packed = model.body(page).links;
    for (let at = 0; at < packed.length; at = cursor.next) {
      readLink(packed, at, cursor);
      if (!cursor.anchor || cursor.target === '') continue;
      const hit = resolveTarget(model, cursor.target);
      if (typeof hit !== 'string' || !model.exists(hit)) continue;
      const candidates = isMarkdown(hit) ? [hit] : model.isDir(hit) ? folderPages(hit) : [];
      for (const file of candidates) if (!anchorHolder(model, file) && model.exists(file)) out.add(file);
    }
  }
  return [...out];
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
