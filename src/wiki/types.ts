/**
 * The wiki linter's vocabulary. A page is parsed once into `PageInfo` (plain
 * data, so it can cross a worker thread and live in the cache); the rules are
 * pure functions from the parsed pages plus a few git facts to findings.
 */
import type { YamlProblem } from '../core/yaml.js';

export type Severity = 'error' | 'warning';

/** Bump when PageInfo's shape or what parse-page.ts extracts changes: older cache entries are then ignored. */
export const PARSER_VERSION = 7;

/**
 * The frontmatter keys any rule or loop reads (the schema's keys, and an
 * incident's). A page keeps only these in PageInfo: documentation trees carry
 * keyword lists and ids in every page's frontmatter (cpp-docs: 90% of its
 * frontmatter by size), which every incremental lint would otherwise load
 * from the cache and throw away. Reading a new key means adding it here.
 */
export const FRONTMATTER_KEYS: ReadonlySet<string> = new Set([
  'title',
  'type',
  'sources',
  'verified',
  'updated',
  'facts',
  'id',
  'status',
  'severity',
  'category',
  'confidence',
]);

/** One lint finding. `file` is repo-relative (posix); line and column are 1-based. */
export interface LintFinding {
  rule: RuleId;
  severity: Severity;
  file: string;
  line: number;
  column: number;
  message: string;
}

export const RULES = {
  'broken-link': 'error',
  'broken-anchor': 'error',
  'dead-wikilink': 'error',
  'orphan-page': 'warning',
  'index-drift': 'error',
  'frontmatter-missing': 'error',
  'frontmatter-invalid': 'error',
  'duplicate-title': 'error',
  'stale-page': 'error',
  'unknown-verified': 'error',
  'uncovered-source': 'warning',
  'conflicting-facts': 'error',
  placeholder: 'warning',
  'log-format': 'error',
  'page-unreadable': 'error',
  'invalid-utf8': 'error',
  'outside-repo': 'error',
} as const satisfies Record<string, Severity>;
export type RuleId = keyof typeof RULES;

/** Rules that `--fix` repairs by regenerating index.md. */
export const FIXABLE_RULES: readonly RuleId[] = ['index-drift', 'orphan-page'];

export interface Position {
  line: number;
  column: number;
}

/** A relative link (external links are not kept: no rule reads them). */
export interface PageLink extends Position {
  url: string;
  /**
   * Where it points, worked out at parse time: `''` for this page, a
   * wiki-relative path (`20_SYSTEM/a.md`, or `../src/x.ts` when it leaves the
   * wiki), or a repo-relative path starting with `/`.
   */
  target: string;
  anchor?: string;
}

export interface PageWikilink extends Position {
  target: string;
}

export interface PageHeading {
  depth: number;
  text: string;
  slug: string;
  line: number;
}

/** A finding about the page as a file, found while reading or parsing it and cached with it. */
export interface PageProblem extends Position {
  rule: 'page-unreadable' | 'invalid-utf8';
  message: string;
}

export interface PagePlaceholder extends Position {
  text: string;
}

/**
 * What the rules read from every page on every lint; serializable. Kept
 * small: the incremental lint loads it for all pages from the cache. The
 * bulky rest is in PageBody, loaded only for pages whose links are checked.
 */
export interface PageInfo {
  /** Wiki-relative posix path, e.g. `20_SYSTEM/wiki.md`. */
  path: string;
  /** sha1 of the file's content: the cache key. */
  hash: string;
  frontmatter: {
    present: boolean;
    /** Only the keys in FRONTMATTER_KEYS. */
    data: Record<string, unknown>;
    errors: YamlProblem[];
    /** Line of each top-level key, and of `facts.<key>` entries. */
    keyLines: Record<string, number>;
  };
  /** Headings, packed (see packed.ts). */
  headings: string;
  /** Anchors of the page's HTML (`id="…"` on any element, `<a name="…">`), one per line. */
  anchors: string;
  /** What reading or parsing the page found wrong with it as a file (see PageProblem). */
  problems: PageProblem[];
  /**
   * Set when the page could not be parsed (over a limit, too slow, out of
   * memory, a parser error): why. Its frontmatter, headings and links are
   * then unknown, and rules that read them leave the page alone.
   */
  unread?: string;
  wikilinks: PageWikilink[];
  placeholders: PagePlaceholder[];
}

/** What only some lints need from a page: its links (to check them) and summary (for index.md). */
export interface PageBody {
  /** Relative links, packed (see packed.ts). */
  links: string;
  /** The first paragraph as plain text, whitespace collapsed: what index.md shows. */
  summary: string;
}

/** One page, parsed. */
export interface ParsedPage {
  page: PageInfo;
  body: PageBody;
}

/**
 * The outcome of checking one page's relative links, kept in the cache while
 * nothing it depends on has changed: the pages its links reach (their paths
 * and headings) and the other files they name (whether each existed).
 */
export interface LinkResult {
  /** broken-link and broken-anchor findings, and index-drift for index.md entries naming missing pages. */
  findings: LintFinding[];
  /** Wiki-relative paths of the pages its links reach, one per line (each once; may include itself). */
  pages: string;
  /** Repo-relative paths of the non-page targets, with whether each existed: `1path` / `0path`, one per line. */
  files: string;
}

export interface LintCounts {
  errors: number;
  warnings: number;
  fixable: number;
  byRule: Partial<Record<RuleId, number>>;
}

export interface LintReport {
  findings: LintFinding[];
  counts: LintCounts;
  /** Lines for people about rules that did not run, e.g. on a folder of markdown that is not a Jidoka wiki. */
  notes?: string[];
  /** Number of pages linted. */
  pages: number;
}
