import { posix } from 'node:path';
import picomatch from 'picomatch';
import { headingSlugs, unpackHeadings } from './packed.js';
import type { PageBody, PageInfo } from './types.js';

/**
 * What the rules see: the parsed pages of one wiki folder, keyed by their
 * wiki-relative path, and a way to ask whether a link target outside the
 * pages exists. Built once per lint; rules never touch the file system.
 */
export interface WikiModel {
  /** Repo-relative posix path of the wiki folder, e.g. `wiki`. */
  wikiRel: string;
  pages: Map<string, PageInfo>;
  /** A page's links and summary (loaded on demand: see pages.ts). */
  body(page: PageInfo): PageBody;
  /** Does this repo-relative path exist (file or folder)? */
  exists(repoPath: string): boolean;
  /** Is this existing repo-relative path a folder? */
  isDir(repoPath: string): boolean;
  /** Does this existing repo-relative path lead outside the repository (through a symlink)? */
  isOutside(repoPath: string): boolean;
  /** sha1 of the file's bytes, '' when it cannot be read: what a link result into a file outside the wiki depends on. */
  fileHash(repoPath: string): string;
  /** Markdown files outside the wiki that links with anchors point at, parsed (see lint.ts), by repo path. */
  external: ReadonlyMap<string, PageInfo>;
  /** Symlinks in the wiki that lead outside the repository (see scout.ts). */
  outside: readonly string[];
  /** `wiki.links`: links to skip, and the folder that site-absolute links (`/x`) start from. */
  links: LinkSettings;
}

export interface LinkSettings {
  /** Is this link (its url) one to leave alone? */
  ignored(url: string): boolean;
  /** Repo-relative folder that `/x` means, '' for the repository's root. */
  siteRoot: string;
}

export const NO_LINK_SETTINGS: LinkSettings = { ignored: () => false, siteRoot: '' };

/**
 * `wiki.links.ignore` as a test of a link's url: an entry is a prefix of
 * the url, or a glob matching its path (without `#anchor` or `?query`).
 */
export function linkSettings(ignore: readonly string[], siteRoot: string): LinkSettings {
  const root = siteRoot
    .trim()
    .replace(/^\.?\/+/, '')
    .replace(/\/+$/, '');
  if (!ignore.length) return { ignored: () => false, siteRoot: root };
  const globs = picomatch(
    ignore.filter((g) => /[*?[{]/.test(g)),
    { dot: true },
  );
  const prefixes = ignore.filter((g) => !/[*?[{]/.test(g));
  return {
    siteRoot: root,
    ignored: (url) => {
      if (prefixes.some((p) => url.startsWith(p))) return true;
      const path = url.replace(/[?#].*$/, '');
      return globs(path);
    },
  };
}

export const SCHEMA_PAGE = '00_SCHEMA.md';
export const INDEX_PAGE = 'index.md';
export const LOG_PAGE = 'log.md';
const SPECIAL = new Set([SCHEMA_PAGE, INDEX_PAGE, LOG_PAGE]);
export const INCIDENTS_DIR = '90_LOG/incidents/';

export const PAGE_TYPES = ['domain', 'system', 'log', 'incident'] as const;
export type PageType = (typeof PAGE_TYPES)[number];

/** The three files every wiki has at its top: conventions, catalogue, timeline. */
export function isSpecial(path: string): boolean {
  return SPECIAL.has(path);
}

export function repoPath(model: WikiModel, pagePath: string): string {
  return model.wikiRel ? `${model.wikiRel}/${pagePath}` : pagePath;
}

/** The page's type from frontmatter; pages under 90_LOG/incidents/ are incidents without saying so. */
export function pageType(page: PageInfo): string | undefined {
  const t = page.frontmatter.data.type;
  if (typeof t === 'string' && t) return t;
  if (page.path.startsWith(INCIDENTS_DIR)) return 'incident';
  return undefined;
}

/** Title for people: frontmatter `title`, else the first H1, else an incident's id, else the file name. */
export function pageTitle(page: PageInfo): string {
  const t = page.frontmatter.data.title;
  if (typeof t === 'string' && t.trim()) return t.trim();
  const h1 = unpackHeadings(page.headings).find((h) => h.depth === 1);
  if (h1?.text) return h1.text;
  const id = page.frontmatter.data.id;
  if (typeof id === 'string' && id) return id;
  return posix.basename(page.path, '.md');
}

/** The page's `sources` as a list of non-empty strings (a single string is accepted). Do not modify. */
export function pageSources(page: PageInfo): readonly string[] {
  let list = sourceLists.get(page);
  if (!list) {
    const s = page.frontmatter.data.sources;
    if (typeof s === 'string') list = s.trim() ? [s.trim()] : [];
    else if (Array.isArray(s)) list = s.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
    else list = [];
    sourceLists.set(page, list);
  }
  return list;
}
// Several rules read every page's sources; a lint of a large wiki need not rebuild the lists each time.
const sourceLists = new WeakMap<PageInfo, string[]>();

/**
 * A matcher for `sources` globs. A glob also covers everything beneath it,
 * so `src/wiki` and `src/wiki/` mean the folder, as people write them.
 */
export function sourcesMatcher(globs: readonly string[]): (path: string) => boolean {
  if (!globs.length) return () => false;
  // Many pages share their globs; compiling each set once keeps a 10,000-page lint fast.
  const key = globs.join('\0');
  let match = matchers.get(key);
  if (!match) {
    match = compileSources(globs);
    if (matchers.size > 10_000) matchers.clear();
    matchers.set(key, match);
  }
  return match;
}
const matchers = new Map<string, (path: string) => boolean>();

function compileSources(globs: readonly string[]): (path: string) => boolean {
  const patterns = globs.flatMap((g) => {
    const clean = g.trim().replace(/^\.\//, '').replace(/\/+$/, '');
    return [clean, `${clean}/**`];
  });
  return picomatch(patterns, { dot: true });
}

/**
 * What a link's target (PageLink.target) points at: a page, a repo-relative
 * path that is not a page (the caller checks it exists), or `null` when it
 * leaves the repository. Allocation-free for the common case, a page.
 */
export function resolveTarget(model: WikiModel, target: string): PageInfo | string | null {
  let repo: string;
  if (target.startsWith('/'))
    repo = model.links.siteRoot ? posix.join(model.links.siteRoot, target.slice(1)) : target.slice(1);
  else if (target.startsWith('../') || target === '..')
    repo = posix.normalize(posix.join(model.wikiRel || '.', target));
  else {
    const page = model.pages.get(target);
    if (page) return page;
    repo = model.wikiRel ? `${model.wikiRel}/${target}` : target;
  }
  if (repo === '..' || repo.startsWith('../')) return null;
  const prefix = model.wikiRel ? `${model.wikiRel}/` : '';
  if (repo.startsWith(prefix)) {
    const page = model.pages.get(repo.slice(prefix.length));
    if (page) return page;
  }
  return repo.replace(/\/$/, '');
}

/**
 * Does `anchor` name a place on `page`: a heading's slug, an HTML `id` or
 * `<a name>`, or `top` (browsers scroll to the top for `#top`)? Compared in
 * lowercase, as GitHub falls back to. A page that could not be read has
 * unknown anchors: every anchor counts (the page itself is reported).
 */
export function hasAnchor(page: PageInfo, anchor: string): boolean {
  if (page.unread) return true;
  let slugs = slugSets.get(page);
  if (!slugs) {
    slugs = new Set(headingSlugs(page.headings));
    if (page.anchors) for (const a of page.anchors.split('\n')) slugs.add(a.toLowerCase());
    slugs.add('top');
    slugSets.set(page, slugs);
  }
  return slugs.has(anchor.toLowerCase());
}
// Built on first use per lint: a wiki checks tens of thousands of anchors against a few thousand pages.
const slugSets = new WeakMap<PageInfo, Set<string>>();

/**
 * Resolve `[[Target#heading|alias]]`: a wiki-relative path (with or without
 * `.md`), else a file name, else a page title, case-insensitive.
 */
export function wikilinkResolver(model: WikiModel): (target: string) => { page?: PageInfo; anchor?: string } {
  const byPath = new Map<string, PageInfo>();
  const byName = new Map<string, PageInfo>();
  const byTitle = new Map<string, PageInfo>();
  for (const page of model.pages.values()) {
    byPath.set(page.path.toLowerCase().replace(/\.md$/, ''), page);
    const name = posix.basename(page.path, '.md').toLowerCase();
    if (!byName.has(name)) byName.set(name, page);
    const title = pageTitle(page).toLowerCase();
    if (!byTitle.has(title)) byTitle.set(title, page);
  }
  return (raw) => {
    const noAlias = raw.split('|')[0]!.trim();
    const hashAt = noAlias.indexOf('#');
    const name = (hashAt >= 0 ? noAlias.slice(0, hashAt) : noAlias).trim().toLowerCase().replace(/\.md$/, '');
    const anchor = hashAt >= 0 ? noAlias.slice(hashAt + 1).trim() : undefined;
    const page = byPath.get(name) ?? byName.get(name) ?? byTitle.get(name);
    return { page, anchor };
  };
}
