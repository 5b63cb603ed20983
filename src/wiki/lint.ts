import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { usageError } from '../core/errors.js';
import { jidokaPaths, posixRelative } from '../core/paths.js';
import { cacheDirOf, loadVerifiedGuess } from './cache.js';
import { type GitFacts, type GitPrefetch, gatherGitFacts, prefetchGit } from './git-facts.js';
import { regenerateIndex } from './index-file.js';
import { validLinkResults } from './link-results.js';
import type { WikiModel } from './model.js';
import {
  type LoadedPages,
  type LoadStats,
  loadPages,
  prefetchPages,
  type Scouting,
  wikiCacheOptions,
} from './pages.js';
import { factRules } from './rules/facts.js';
import { frontmatterRules } from './rules/frontmatter.js';
import { indexRules } from './rules/index-drift.js';
import { type LinkScan, linkRules, scanLinks } from './rules/links.js';
import { logFormatRules } from './rules/log-format.js';
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
    } else if (first.findings.some((f) => FIXABLE_RULES.includes(f.rule))) {
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
  const { model, facts, loaded } = await analyzeWiki(root, wikiDir, opts);
  const pages = model.pages;
  const reuse = validLinkResults(model, loaded.links.cached, loaded.links);
  const toCheck: PageInfo[] = [];
  for (const page of pages.values()) if (!reuse.has(page.path)) toCheck.push(page);
  await loaded.bodies.ensure(toCheck);
  const links = scanLinks(model, reuse);
  loaded.save(links.results);
  let findings = runRules(model, facts, opts.config.docs.uncovered, links);
  if (opts.paths?.length) {
    const wanted = opts.paths.map((p) => posixRelative(root, resolve(root, p)).replace(/\/$/, ''));
    findings = findings.filter((f) =>
      wanted.some((w) => w === '' || f.file === w || f.file.startsWith(`${w}/`)),
    );
  }
  return {
    findings,
    counts: countFindings(findings),
    pages: pages.size,
    model,
    stats: { ...loaded.stats, linksChecked: links.checked, ms: 0, git: facts !== undefined },
  };
}

/**
 * Read the wiki and the git facts the rules need, without running the rules:
 * the documentation loop reads staleness and coverage from this directly.
 * Nothing is written to the cache until `loaded.save`.
 */
export async function analyzeWiki(
  root: string,
  wikiDir: string,
  opts: { useCache?: boolean; workers?: number; prefetch?: WikiPrefetch } = {},
): Promise<{ model: WikiModel; facts: GitFacts | undefined; loaded: LoadedPages }> {
  const cacheOpts = wikiCacheOptions(root, wikiDir, opts.useCache);
  const git = opts.prefetch?.git ?? prefetchGit(root);
  const scouting = opts.prefetch?.pages ?? prefetchPages(wikiDir, cacheOpts);
  const loaded = await loadPages(wikiDir, { ...cacheOpts, workers: opts.workers, scouting });
  const model = buildModel(root, cacheOpts.wikiRel, loaded.pages, (page) => loaded.bodies.get(page));
  const facts = await gatherGitFacts(root, loaded.pages.values(), git);
  return { model, facts, loaded };
}

/**
 * Every rule, in one place: pure functions of the pages and the git facts.
 * `links` is the link scan, when the caller made it (with cached results).
 */
export function runRules(
  model: WikiModel,
  facts: GitFacts | undefined,
  uncoveredGlobs: readonly string[],
  links: LinkScan = scanLinks(model),
): LintFinding[] {
  const findings = [
    ...linkRules(model, links),
    ...indexRules(model, links),
    ...frontmatterRules(model),
    ...factRules(model),
    ...placeholderRules(model),
    ...logFormatRules(model),
    ...(facts ? stalenessRules(model, facts) : []),
    ...(facts ? uncoveredRules(model, facts.files, uncoveredGlobs) : []),
  ];
  return findings.sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column,
  );
}

export function buildModel(
  root: string,
  wikiRel: string,
  pages: Map<string, PageInfo>,
  body: (page: PageInfo) => PageBody,
): WikiModel {
  const known = new Map<string, boolean>();
  return {
    wikiRel,
    pages,
    body,
    exists: (p) => {
      let hit = known.get(p);
      if (hit === undefined) {
        hit = existsSync(join(root, p));
        known.set(p, hit);
      }
      return hit;
    },
  };
}

export function countFindings(findings: LintFinding[]): LintCounts {
  const counts: LintCounts = { errors: 0, warnings: 0, fixable: 0, byRule: {} };
  for (const f of findings) {
    if (f.severity === 'error') counts.errors++;
    else counts.warnings++;
    if (FIXABLE_RULES.includes(f.rule)) counts.fixable++;
    counts.byRule[f.rule] = (counts.byRule[f.rule] ?? 0) + 1;
  }
  return counts;
}
