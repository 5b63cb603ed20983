import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import chokidar from 'chokidar';
import type { Config } from '../config/schema.js';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { describeError } from '../core/errors.js';
import { jidokaPaths, posixRelative } from '../core/paths.js';
import { type GitFacts, gatherGitFacts } from './git-facts.js';
import { validLinkResults } from './link-results.js';
import { analyzeWiki, buildModel, countFindings, runRules, wikiSettings } from './lint.js';
import type { WikiModel } from './model.js';
import { parseItem } from './parse-page.js';
import { readParseItem } from './read-page.js';
import { externalAnchorTargets, scanLinks } from './rules/links.js';
import type { LinkResult, LintCounts, LintFinding, PageBody, PageInfo } from './types.js';

/**
 * The wiki's lint state, kept in memory by the daemon: one full lint at
 * start, then each edited page is parsed again on its own and the rules run
 * over the model in memory (a page's link result is reused while nothing it
 * depends on changed, as in a lint from the cache). So the board shows the
 * findings of the wiki as it is now, milliseconds after an edit, without a
 * lint run. Git facts (staleness, coverage) are gathered at start, again
 * every `gitRefreshMs`, and at once when an edit names a `verified` commit
 * they do not know. Each state is also written to `.jidoka/cache/wiki-health.json`
 * for readers in other processes (`jidoka status`).
 */
export interface WikiHealth {
  at: string;
  pages: number;
  counts: LintCounts;
  /** Sorted by file, line, column; at most MAX_FINDINGS (counts has them all). */
  findings: LintFinding[];
  /** How long the last relint took, from the file event to the new findings. */
  relintMs: number;
  /** The page that last changed, wiki-relative. */
  changed?: string;
}

export interface LiveLint {
  /** undefined until the first lint finished (or when there is no wiki folder). */
  current(): WikiHealth | undefined;
  /** Resolves once the first lint is done and the watcher is ready. */
  ready: Promise<void>;
  /** Called after every new state. */
  onChange(listener: (health: WikiHealth) => void): void;
  close(): Promise<void>;
}

const MAX_FINDINGS = 500;
const GIT_REFRESH_MS = 60_000;

export function healthFile(root: string): string {
  return join(jidokaPaths(root).cache, 'wiki-health.json');
}

export function startLiveLint(
  root: string,
  config: Config,
  opts: { onError?: (message: string) => void; gitRefreshMs?: number } = {},
): LiveLint {
  const wikiDir = resolve(jidokaPaths(root).wikiDir);
  const settings = wikiSettings(config);
  const wikiRel = posixRelative(root, wikiDir);
  const listeners: ((h: WikiHealth) => void)[] = [];
  const pages = new Map<string, PageInfo>();
  const bodies = new Map<string, PageBody>();
  let outside: readonly string[] = [];
  let facts: GitFacts | undefined;
  let links = new Map<string, LinkResult>();
  let health: WikiHealth | undefined;
  let closed = false;
  const report = (err: unknown) => opts.onError?.(`wiki health: ${describeError(err)}`);

  const model = (): WikiModel =>
    buildModel(root, wikiRel, pages, (p) => bodies.get(p.path) ?? { links: '', summary: '' }, {
      outside,
      links: settings.links,
    });

  /** The rules over the pages in memory; `moved`/`renamed` say which cached link results may no longer hold. */
  const evaluate = (started: number, change: { moved: Set<string>; renamed: boolean }, changed?: string) => {
    let m = model();
    // A changed page's own result never holds (validLinkResults expects unchanged pages only).
    const cached = new Map(links);
    if (changed) cached.delete(changed);
    const reuse = validLinkResults(m, cached, change);
    const toCheck = [...pages.values()].filter((p) => !reuse.has(p.path));
    m = { ...m, external: parseExternal(root, externalAnchorTargets(m, toCheck), settings.limits) };
    const scan = scanLinks(m, reuse);
    links = scan.results;
    const jidoka = true; // the repository's own wiki folder is a Jidoka wiki even while it is empty (as in lint.ts)
    const findings = runRules(m, facts, config.docs.uncovered, scan, jidoka);
    health = {
      at: new Date().toISOString(),
      pages: pages.size,
      counts: countFindings(findings, jidoka),
      findings: findings.slice(0, MAX_FINDINGS),
      relintMs: Math.round((performance.now() - started) * 10) / 10,
      ...(changed ? { changed } : {}),
    };
    for (const l of listeners) l(health);
    // The file is for other processes (`jidoka status`): written after the listeners, off the board's path.
    try {
      writeJsonAtomic(healthFile(root), health, { durable: false });
    } catch (err) {
      report(err);
    }
  };

  const refreshFacts = async () => {
    const started = performance.now();
    facts = await gatherGitFacts(root, pages.values());
    if (!closed) evaluate(started, { moved: new Set(), renamed: false });
  };

  /** One page added, changed or removed: parse it alone, then the rules. */
  const relint = (abs: string) => {
    const started = performance.now();
    const rel = posixRelative(wikiDir, abs);
    const before = pages.get(rel);
    const gone = !existsSync(abs) || !statSync(abs).isFile();
    if (gone) {
      if (!before) return;
      pages.delete(rel);
      bodies.delete(rel);
    } else {
      const parsed = parseItem(readParseItem(abs, rel), settings.limits);
      if (before?.hash === parsed.page.hash) return;
      pages.set(rel, parsed.page);
      bodies.set(rel, parsed.body);
    }
    const after = pages.get(rel);
    // As loadPages says it: `moved` when other pages' links to it may resolve differently, `renamed` for wikilinks.
    const moved = !before || !after || before.headings !== after.headings || before.anchors !== after.anchors;
    const renamed = moved || before.frontmatter.data.title !== after.frontmatter.data.title;
    evaluate(started, { moved: new Set(moved ? [rel] : []), renamed }, rel);
    const v = after?.frontmatter.data.verified;
    if (typeof v === 'string' && facts && !facts.resolved.has(v)) void refreshFacts().catch(report);
  };

  let watcher: ReturnType<typeof chokidar.watch> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const ready = (async () => {
    if (!existsSync(wikiDir)) return;
    const started = performance.now();
    const analyzed = await analyzeWiki(root, wikiDir, { settings });
    for (const [path, page] of analyzed.model.pages) pages.set(path, page);
    await analyzed.loaded.bodies.ensure(pages.values());
    for (const page of pages.values()) bodies.set(page.path, analyzed.loaded.bodies.get(page));
    outside = analyzed.model.outside;
    facts = analyzed.facts;
    links = analyzed.loaded.links.cached;
    evaluate(started, analyzed.loaded.links);
    analyzed.loaded.save(links);
    if (closed) return;
    watcher = chokidar.watch(wikiDir, {
      ignoreInitial: true,
      ignored: (p, stats) => (stats?.isFile() ?? false) && !p.endsWith('.md'),
    });
    const onFile = (p: string) => {
      if (!p.endsWith('.md')) return;
      try {
        relint(p);
      } catch (err) {
        report(err);
      }
    };
    watcher.on('add', onFile).on('change', onFile).on('unlink', onFile).on('error', report);
    await new Promise<void>((r) => watcher!.once('ready', () => r()));
    timer = setInterval(() => void refreshFacts().catch(report), opts.gitRefreshMs ?? GIT_REFRESH_MS);
    timer.unref();
  })();
  ready.catch(report);

  return {
    current: () => health,
    ready: ready.catch(() => {}),
    onChange: (l) => {
      listeners.push(l);
    },
    close: async () => {
      closed = true;
      clearInterval(timer);
      await ready.catch(() => {});
      await watcher?.close();
    },
  };
}

/** The markdown files outside the wiki whose anchors the pages being checked link to, parsed here (they are few). */
function parseExternal(root: string, files: string[], limits: Parameters<typeof parseItem>[1]) {
  const out = new Map<string, PageInfo>();
  for (const f of files) out.set(f, parseItem(readParseItem(join(root, f), f), limits).page);
  return out;
}
