import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Config } from '../config/schema.js';
import { usageError } from '../core/errors.js';
import { jidokaPaths, posixRelative } from '../core/paths.js';
import { cacheDirOf, loadVerifiedGuess } from './cache.js';
import { type GitFacts, type GitPrefetch, gatherGitFacts, prefetchGit } from './git-facts.js';
import { contentHash } from './hash.js';
import { regenerateIndex } from './index-file.js';
import { WIKI_LIMITS, type WikiLimits } from './limits.js';
import { validLinkResults } from './link-results.js';
import { type LinkSettings, linkSettings, NO_LINK_SETTINGS, SCHEMA_PAGE, type WikiModel } from './model.js';
import {
  type LoadedPages,
  type LoadStats,
  loadPages,
  prefetchPages,
  type Scouting,
  wikiCacheOptions,
} from './pages.js';
import { parseAll } from './parse-pool.js';
import { readPageFile, readParseItem } from './read-page.js';
import { factRules } from './rules/facts.js';
import { frontmatterRules } from './rules/frontmatter.js';
import { indexRules } from './rules/index-drift.js';
import { externalAnchorTargets, type LinkScan, linkRules, scanLinks } from './rules/links.js';
import { logFormatRules } from './rules/log-format.js';
import { pageProblemRules } from './rules/page-problems.js';
import { placeholderRules } from './rules/placeholder.js';
import { stalenessRules } from './rules/staleness.js';
import { uncoveredRules } from './rules/uncovered.js';
import {
  FIXABLE_RULES,
  type LintCounts,
  type LintFinding,
  type LintReport,
  type PageBody,
  type PageInfo,
} from './types.js';

export interface LintOptions {
  /** Repository root. */
  root: string;
  config: Config;
  /** The wiki folder; `<root>/wiki` by default. */
  wikiDir?: string;
  /** Report only findings in these files or folders (repo-relative or absolute). The whole wiki is still read. */
  paths?: string[];
  /** Regenerate index.md when that fixes something, unless more than `limits.wikiAutoFixMaxIssues` issues are found. */
  fix?: boolean;
  /** Read and write `.jidoka/cache/` (default true). */
  useCache?: boolean;
  /** Parse threads; 0 parses inline. Default: every core for large wikis. */
  workers?: number;
  /** Work started early by prefetchWiki (for the same root, wikiDir and useCache). */
  prefetch?: WikiPrefetch;
}

/** The lint's file system and git work, started before the caller's own set-up (config) so they overlap. */
export interface WikiPrefetch {
  git: GitPrefetch;
  pages: Scouting;
}

/**
 * Start reading what the lint needs: the git calls, and the wiki scout (a
 * worker thread for large wikis). Undefined when there is no wiki folder.
 */
export function prefetchWiki(
  root: string,
  opts: { wikiDir?: string; useCache?: boolean } = {},
): WikiPrefetch | undefined {
  const wikiDir = resolve(opts.wikiDir ?? jidokaPaths(root).wikiDir);
  if (!isDir(wikiDir)) return undefined;
  const cacheOpts = wikiCacheOptions(root, wikiDir, opts.useCache);
  const pages = prefetchPages(wikiDir, cacheOpts);
  pages.catch(() => {}); // awaited (and reported) by the lint; never unhandled if the caller fails first
  const guess = cacheOpts.cacheDir
    ? loadVerifiedGuess(cacheDirOf(cacheOpts.cacheDir, cacheOpts.wikiRel))
    : [];
  return { git: prefetchGit(root, guess), pages };
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

export interface FullLintReport extends LintReport {
  /** Set by `fix`: what was changed, or why nothing was. */
  fix?: { applied: string[]; refused?: string };
  stats: LoadStats & { ms: number; git: boolean };
}

/**
 * Lint the wiki: parse every page (cached by content hash), gather the git
 * facts the staleness and coverage rules need, run every rule. Findings are
 * sorted by file, line, column.
 */
export async function lintWiki(opts: LintOptions): Promise<FullLintReport> {
  const started = Date.now();
  const root = resolve(opts.root);
  const wikiDir = resolve(opts.wikiDir ?? jidokaPaths(root).wikiDir);
  if (!isDir(wikiDir))
    throw usageError(
      `no wiki folder at ${wikiDir}`,
      'run `jidoka init` to scaffold wiki/ (00_SCHEMA.md, index.md, log.md)',
    );
  const first = await lintOnce(root, wikiDir, opts);
  // A second pass (after --fix) must look at the files again.
  opts = { ...opts, prefetch: undefined };
  let report = first;
  if (opts.fix) {
    const limit = opts.config.limits.wikiAutoFixMaxIssues;
    const total = first.findings.length;
    if (total > limit) {
      report = {
        ...first,
        fix: {
          applied: [],
          refused: `${total} issues found, more than limits.wikiAutoFixMaxIssues (${limit}): nothing was changed; fix the causes by hand (or raise the limit)`,
        },
      };
    } else if (first.counts.fixable > 0) {
      await regenerateIndex(root, { wikiDir, model: first.model });
      report = { ...(await lintOnce(root, wikiDir, opts)), fix: { applied: ['regenerated index.md'] } };
    } else report = { ...first, fix: { applied: [] } };
  }
  const { model: _model, ...out } = report;
  out.stats.ms = Date.now() - started;
  return out;
}

async function lintOnce(
  root: string,
  wikiDir: string,
  opts: LintOptions,
): Promise<FullLintReport & { model: WikiModel }> {
  const settings = wikiSettings(opts.config);
  const analyzed = await analyzeWiki(root, wikiDir, { ...opts, settings });
  const { facts, loaded } = analyzed;
  let model = analyzed.model;
  const pages = model.pages;
  const reuse = validLinkResults(model, loaded.links.cached, loaded.links);
  const toCheck: PageInfo[] = [];
  for (const page of pages.values()) if (!reuse.has(page.path)) toCheck.push(page);
  await loaded.bodies.ensure(toCheck);
  model = { ...model, external: await parseExternal(root, externalAnchorTargets(model, toCheck), settings) };
  const links = scanLinks(model, reuse);
  loaded.save(links.results);
  // The repository's own wiki folder is a Jidoka wiki even while it is empty.
  const jidoka = wikiDir === resolve(jidokaPaths(root).wikiDir) || isJidokaWiki(model);
  let findings = runRules(model, facts, opts.config.docs.uncovered, links, jidoka);
  if (opts.paths?.length) {
    const wanted = opts.paths.map((p) => posixRelative(root, resolve(root, p)).replace(/\/$/, ''));
    findings = findings.filter((f) =>
      wanted.some((w) => w === '' || f.file === w || f.file.startsWith(`${w}/`)),
    );
  }
  return {
    findings,
    counts: countFindings(findings, jidoka),
    pages: pages.size,
    ...(jidoka ? {} : { notes: [NOT_JIDOKA_NOTE] }),
    model,
    stats: { ...loaded.stats, linksChecked: links.checked, ms: 0, git: facts !== undefined },
  };
}

const NOT_JIDOKA_NOTE =
  'not a Jidoka wiki (no 00_SCHEMA.md, no page with type, sources or verified in its frontmatter): links, anchors, orphans, duplicate titles and bad YAML checked; the frontmatter, index, staleness, coverage, facts and log rules skipped';

/** The `wiki.*` settings as the linter uses them, with the key that tells caches made under other settings apart. */
export interface WikiSettings {
  limits: WikiLimits;
  links: LinkSettings;
  /** '' for the defaults (see cache.ts pagesVersion). */
  variant: string;
}

export function wikiSettings(config?: Config): WikiSettings {
  const w = config?.wiki;
  if (!w) return { limits: WIKI_LIMITS, links: NO_LINK_SETTINGS, variant: '' };
  const limits = { maxPageBytes: w.maxPageBytes, maxNesting: w.maxNesting, parseTimeoutMs: w.parseTimeout };
  const key = JSON.stringify({ limits, links: w.links });
  const defaults = JSON.stringify({ limits: WIKI_LIMITS, links: { ignore: [], siteRoot: '' } });
  return {
    limits,
    links: linkSettings(w.links.ignore, w.links.siteRoot),
    variant: key === defaults ? '' : contentHash(key).slice(0, 12),
  };
}

/** Parse the markdown files outside the wiki that links with anchors point at (with the same limits and workers). */
async function parseExternal(
  root: string,
  files: string[],
  settings: WikiSettings,
): Promise<Map<string, PageInfo>> {
  const out = new Map<string, PageInfo>();
  if (!files.length) return out;
  const items = files.map((f) => readParseItem(join(root, f), f));
  const { pages } = await parseAll(items, { limits: settings.limits });
  for (const p of pages) out.set(p.page.path, p.page);
  return out;
}

/** A Jidoka wiki has its schema page, or pages with its frontmatter; a folder of other markdown has neither. */
export function isJidokaWiki(model: WikiModel): boolean {
  if (model.pages.has(SCHEMA_PAGE)) return true;
  for (const page of model.pages.values()) {
    const d = page.frontmatter.data;
    if (d.type !== undefined || d.sources !== undefined || d.verified !== undefined) return true;
  }
  return false;
}

/**
 * Read the wiki and the git facts the rules need, without running the rules:
 * the documentation loop reads staleness and coverage from this directly.
 * Nothing is written to the cache until `loaded.save`.
 */
export async function analyzeWiki(
  root: string,
  wikiDir: string,
  opts: { useCache?: boolean; workers?: number; prefetch?: WikiPrefetch; settings?: WikiSettings } = {},
): Promise<{ model: WikiModel; facts: GitFacts | undefined; loaded: LoadedPages }> {
  const settings = opts.settings ?? wikiSettings();
  const cacheOpts = wikiCacheOptions(root, wikiDir, opts.useCache);
  const git = opts.prefetch?.git ?? prefetchGit(root);
  const scouting = opts.prefetch?.pages ?? prefetchPages(wikiDir, cacheOpts);
  const loaded = await loadPages(wikiDir, {
    ...cacheOpts,
    workers: opts.workers,
    scouting,
    limits: settings.limits,
    variant: settings.variant,
  });
  const model = buildModel(root, cacheOpts.wikiRel, loaded.pages, (page) => loaded.bodies.get(page), {
    outside: loaded.outside,
    links: settings.links,
  });
  const facts = await gatherGitFacts(root, loaded.pages.values(), git);
  return { model, facts, loaded };
}

/**
 * Every rule, in one place: pure functions of the pages and the git facts.
 * `links` is the link scan, when the caller made it (with cached results).
 * `jidoka: false` (a folder of markdown that is not a Jidoka wiki, see
 * isJidokaWiki): the rules that read Jidoka's frontmatter are left out.
 */
export function runRules(
  model: WikiModel,
  facts: GitFacts | undefined,
  uncoveredGlobs: readonly string[],
  links: LinkScan = scanLinks(model),
  jidoka = true,
): LintFinding[] {
  const findings = [
    ...pageProblemRules(model),
    ...linkRules(model, links),
    ...indexRules(model, links, jidoka),
    ...frontmatterRules(model, jidoka),
    ...(jidoka ? factRules(model) : []),
    ...placeholderRules(model),
    ...(jidoka ? logFormatRules(model) : []),
    ...(facts && jidoka ? stalenessRules(model, facts) : []),
    ...(facts && jidoka ? uncoveredRules(model, facts.files, uncoveredGlobs) : []),
  ];
  return findings.sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}

/**
 * The model over loaded pages. Its questions about other files (exists,
 * folder, symlink out of the repository, content hash) go to the file
 * system once per path per lint.
 */
export function buildModel(
  root: string,
  wikiRel: string,
  pages: Map<string, PageInfo>,
  body: (page: PageInfo) => PageBody,
  more: { outside?: readonly string[]; links?: LinkSettings; external?: ReadonlyMap<string, PageInfo> } = {},
): WikiModel {
  const memo = <T>(f: (p: string) => T) => {
    const known = new Map<string, T>();
    return (p: string): T => {
      let hit = known.get(p);
      if (hit === undefined) {
        hit = f(p);
        known.set(p, hit);
      }
      return hit;
    };
  };
  let realRoot: string | undefined;
  return {
    wikiRel,
    pages,
    body,
    exists: memo((p) => existsSync(join(root, p))),
    isDir: memo((p) => {
      try {
        return statSync(join(root, p)).isDirectory();
      } catch {
        return false;
      }
    }),
    isOutside: memo((p) => {
      try {
        realRoot ??= realpathSync(root);
        const rel = relative(realRoot, realpathSync(join(root, p)));
        return rel === '..' || rel.startsWith(`..${sep}`) || rel.startsWith(sep);
      } catch {
        return false;
      }
    }),
    fileHash: memo((p) => {
      try {
        return readPageFile(join(root, p)).hash;
      } catch {
        return '';
      }
    }),
    external: more.external ?? new Map(),
    outside: more.outside ?? [],
    links: more.links ?? NO_LINK_SETTINGS,
  };
}

/** `fixable: false` where --fix has nothing to fix with (no index.md to regenerate: not a Jidoka wiki). */
export function countFindings(findings: LintFinding[], fixable = true): LintCounts {
  const counts: LintCounts = { errors: 0, warnings: 0, fixable: 0, byRule: {} };
  for (const f of findings) {
    if (f.severity === 'error') counts.errors++;
    else counts.warnings++;
    if (fixable && FIXABLE_RULES.includes(f.rule)) counts.fixable++;
    counts.byRule[f.rule] = (counts.byRule[f.rule] ?? 0) + 1;
  }
  return counts;
}
