import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { jidokaPaths, posixRelative } from '../core/paths.js';
import {
  type BodyEntry,
  type CacheEntry,
  cacheDirOf,
  loadBodies,
  loadCache,
  loadStatTable,
  SHARDS,
  type StatRow,
  saveCache,
  shardOf,
  statTableBytes,
  type WikiCache,
} from './cache.js';
import { PARSE_WORKER_HEAP_MB, sameParseLimits, WIKI_LIMITS, type WikiLimits } from './limits.js';
import { pageTitle } from './model.js';
import { headingSlugs } from './packed.js';
import { type ParseItem, parseAll } from './parse-pool.js';
import { readParseItem } from './read-page.js';
import { type ScoutReport, scoutPages } from './scout.js';
import type { LinkResult, PageBody, PageInfo, ParsedPage } from './types.js';

export interface LoadStats {
  parsed: number;
  cached: number;
  workers: number;
  /** Pages whose links were checked (the rest reused their cached result). */
  linksChecked?: number;
  /** Where the changed pages were found (and, on a worker, parsed): see scout.ts. */
  scout: 'main' | 'worker';
}

/** The wiki's pages as loaded, and what the cache knew about them. */
export interface LoadedPages {
  pages: Map<string, PageInfo>;
  /**
   * Cached link results of pages whose content did not change; the pages
   * whose part in other pages' link results may have changed (`moved`: those
   * removed, and those re-parsed with other, or unknown earlier, headings);
   * and whether any page was added, removed or retitled, which can change
   * where any wikilink leads.
   */
  links: { cached: Map<string, LinkResult>; moved: Set<string>; renamed: boolean };
  bodies: BodyStore;
  /** Symlinks in the wiki that lead outside the repository (folders end in `/`): not read. */
  outside: string[];
  stats: LoadStats;
  /**
   * Write the cache: the pages parsed now, and every page's link result when
   * given (without them, results already cached are kept only while valid).
   */
  save(links?: Map<string, LinkResult>): void;
}

/** The cache options of the wiki in `wikiDir` (none when `useCache` is false): what loadPages and prefetchPages take. */
export function wikiCacheOptions(
  root: string,
  wikiDir: string,
  useCache = true,
): { cacheDir?: string; wikiRel: string; root: string } {
  const wikiRel = posixRelative(root, wikiDir);
  return useCache ? { cacheDir: jidokaPaths(root).cache, wikiRel, root } : { wikiRel, root };
}

/** A wiki scout under way: started early (see prefetchPages) so it runs while the cache loads. */
export type Scouting = Promise<ScoutReport>;

/** Rows changed since the stat table was written, up to which they are saved as a delta. */
const STAT_DELTA_MAX = 64;

/** Below this many pages (by the stat table's size), a worker thread costs more than it saves. */
const MIN_SCOUT_TABLE_BYTES = 40_000;

/**
 * Start finding what changed in the wiki: on a worker thread for a large
 * wiki with a cache (it also parses the changed pages there), else inline.
 */
export function prefetchPages(
  wikiDir: string,
  opts: { cacheDir?: string; wikiRel?: string; root?: string },
): Scouting {
  const dir = opts.cacheDir ? cacheDirOf(opts.cacheDir, opts.wikiRel) : undefined;
  const root = opts.root ?? wikiDir;
  const workerFile = fileURLToPath(new URL('./scout-worker.js', import.meta.url));
  if (!dir || statTableBytes(dir) < MIN_SCOUT_TABLE_BYTES || !existsSync(workerFile))
    return Promise.resolve().then(() =>
      scoutPages(wikiDir, dir ? loadStatTable(dir) : { table: new Map(), base: null, delta: [] }, root),
    );
  return new Promise<ScoutReport>((resolve, reject) => {
    const worker = new Worker(workerFile, {
      workerData: { wikiDir, cacheDir: dir, root },
      resourceLimits: { maxOldGenerationSizeMb: PARSE_WORKER_HEAP_MB },
    });
    worker.once('message', (report: ScoutReport) => {
      resolve(report);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`wiki scout worker exited with code ${code}`)));
  }).catch(() => scoutPages(wikiDir, loadStatTable(dir), root));
}

/**
 * Read the wiki's pages, parsing only those whose content hash is not in the
 * cache. A file whose size and mtime match the stat table keeps its recorded
 * hash without being read (as git's index does); see scout.ts.
 */
export async function loadPages(
  wikiDir: string,
  opts: {
    cacheDir?: string;
    wikiRel?: string;
    root?: string;
    workers?: number;
    scouting?: Scouting;
    /** The `wiki.*` limits (default: WIKI_LIMITS) and the key of every `wiki.*` setting (see cache.ts). */
    limits?: WikiLimits;
    variant?: string;
  },
): Promise<LoadedPages> {
  const limits = opts.limits ?? WIKI_LIMITS;
  const variant = opts.variant ?? '';
  const scouting = opts.scouting ?? prefetchPages(wikiDir, opts);
  const dir = opts.cacheDir ? cacheDirOf(opts.cacheDir, opts.wikiRel) : undefined;
  const cache: WikiCache = dir
    ? loadCache(dir, variant)
    : { entries: new Map(), sums: new Array(SHARDS).fill(null), linksTrusted: false };
  const scout = await scouting;
  const files = scout.files;

  // Parsed by the scout (with the default limits: usable only under those), or to parse now: new
  // content, and content the cache should know but lacks.
  const parsedNow: ParsedPage[] = sameParseLimits(limits, WIKI_LIMITS) ? (scout.parsed ?? []) : [];
  const todo: ParseItem[] = [...scout.fresh];
  const already = new Set([...parsedNow, ...todo].map((p) => ('page' in p ? p.page.path : p.path)));
  for (let i = 0; i < files.length; i++) {
    const path = files[i]!;
    if (already.has(path) || cache.entries.get(path)?.hash === scout.hash[i]) continue;
    todo.push(readParseItem(join(wikiDir, path), path));
  }
  const { pages: parsedHere, workers } = await parseAll(todo, { workers: opts.workers, limits });

  const next = new Map<string, CacheEntry>();
  const fresh = new Map<string, ParsedPage>();
  const moved = new Set<string>();
  const dirty = new Set<number>();
  let renamed = false;
  for (const p of [...parsedNow, ...parsedHere]) {
    const path = p.page.path;
    const old = cache.entries.get(path);
    if (!old || anchorKey(old.page) !== anchorKey(p.page)) moved.add(path);
    if (!old || pageTitle(old.page) !== pageTitle(p.page)) renamed = true;
    next.set(path, { hash: p.page.hash, page: p.page });
    fresh.set(path, p);
    dirty.add(shardOf(path));
  }
  for (const path of files) if (!next.has(path)) next.set(path, cache.entries.get(path)!);
  for (const path of cache.entries.keys())
    if (!next.has(path)) {
      moved.add(path);
      renamed = true;
      dirty.add(shardOf(path));
    }

  const pages = new Map<string, PageInfo>();
  const cached = new Map<string, LinkResult>();
  for (const path of files) {
    const e = next.get(path)!;
    pages.set(path, e.page);
    if (e.links && !fresh.has(path)) cached.set(path, e.links);
  }
  const bodies = new BodyStore(wikiDir, dir, fresh, variant, limits);

  const save = (links?: Map<string, LinkResult>) => {
    if (!dir) return;
    const meta = new Set(dirty);
    let linksTrusted: boolean;
    if (links) {
      for (const [path, e] of next) {
        const result = links.get(path);
        if (result === e.links) continue;
        meta.add(shardOf(path));
        next.set(path, result ? { ...e, links: result } : withoutLinks(e));
      }
      linksTrusted = true;
    } else {
      // Not checked this time: the cached results stand only if no page they may depend on moved.
      linksTrusted = cache.linksTrusted && !moved.size;
    }
    const bodyShards = new Set([...dirty, ...bodies.reparsedShards()]);
    const stat = statUpdate(scout, next);
    if (!meta.size && !bodyShards.size && !stat && linksTrusted === cache.linksTrusted) return;
    try {
      saveCache(dir, {
        entries: next,
        meta,
        bodies: bodies.shardsToSave(bodyShards, next),
        sums: cache.sums,
        linksTrusted,
        variant,
        stat,
      });
    } catch {
      // The cache is an optimisation; failing to write it must not fail the lint.
    }
  };

  return {
    pages,
    links: { cached: cache.linksTrusted ? cached : new Map(), moved, renamed },
    bodies,
    outside: scout.outside,
    stats: { parsed: fresh.size, cached: files.length - fresh.size, workers, scout: scout.thread },
    save,
  };
}

/**
 * What to save of the stat table: nothing when every file matched it; the
 * rows of the files read this time (plus the delta already saved) while
 * they are few; else the whole table. A file modified within 2 s of the
 * scan may have changed again, unseen, within its mtime's resolution: its
 * size is saved as -1 so that the next lint reads it again.
 */
function statUpdate(
  scout: ScoutReport,
  entries: Map<string, CacheEntry>,
): { full: StatRow[] } | { delta: StatRow[]; base: string } | undefined {
  const row = (i: number): StatRow => {
    const path = scout.files[i]!;
    const mtimeMs = scout.mtimeMs[i]!;
    const racy = mtimeMs >= scout.startedAt - 2000;
    return [path, racy ? -1 : scout.size[i]!, mtimeMs, entries.get(path)?.hash ?? scout.hash[i]!];
  };
  if (scout.base && !scout.reread.length) return undefined;
  const delta = new Map(scout.delta.map((r) => [r[0], r]));
  for (const i of scout.reread) delta.set(scout.files[i]!, row(i));
  if (scout.base && delta.size <= STAT_DELTA_MAX) return { delta: [...delta.values()], base: scout.base };
  return { full: scout.files.map((_, i) => row(i)) };
}

/** What other pages' anchors are checked against: heading slugs, HTML anchors, and whether the page was read at all. */
function anchorKey(page: PageInfo): string {
  return `${page.unread ? 'unread' : ''}\0${headingSlugs(page.headings).join('\n')}\0${page.anchors}`;
}

function withoutLinks(e: CacheEntry): CacheEntry {
  const { links: _links, ...rest } = e;
  return rest;
}

/**
 * Page bodies: those parsed in this lint, else read from the cache's body
 * shards on first use. `ensure` must be awaited for the pages whose bodies
 * will be read: a body missing from the cache (or of other content) is
 * parsed again from the file.
 */
export class BodyStore {
  private readonly loaded = new Map<number, Map<string, BodyEntry>>();
  private readonly reparsed = new Map<string, BodyEntry>();

  constructor(
    private readonly wikiDir: string,
    private readonly cacheDir: string | undefined,
    private readonly fresh: Map<string, ParsedPage>,
    private readonly variant = '',
    private readonly limits: WikiLimits = WIKI_LIMITS,
  ) {}

  async ensure(pages: Iterable<PageInfo>): Promise<void> {
    const missing: PageInfo[] = [];
    for (const page of pages) if (!this.find(page)) missing.push(page);
    if (!missing.length) return;
    const { parseItem } = await import('./parse-page.js');
    for (const page of missing) {
      // `hash` is the file's now: if it was edited since the stat pass, this body is used once, not cached.
      // An unread page has no body to parse again (and must not be tried on the main thread).
      if (page.unread) {
        this.reparsed.set(page.path, { hash: page.hash, links: '', summary: '' });
        continue;
      }
      const item = readParseItem(join(this.wikiDir, page.path), page.path);
      this.reparsed.set(page.path, { hash: item.hash, ...parseItem(item, this.limits).body });
    }
  }

  /** Shards of bodies parsed again because the cache lacked them: saving them spares the next lint. */
  reparsedShards(): number[] {
    return [...this.reparsed.keys()].map(shardOf);
  }

  /** The body of a page passed to `ensure` (or parsed in this lint). */
  get(page: PageInfo): PageBody {
    const body = this.find(page);
    if (!body) throw new Error(`wiki lint: body of ${page.path} was not loaded`);
    return body;
  }

  private find(page: PageInfo): PageBody | undefined {
    const fresh = this.fresh.get(page.path)?.body ?? this.reparsed.get(page.path);
    if (fresh) return fresh;
    const cached = this.shard(shardOf(page.path)).get(page.path);
    return cached && cached.hash === page.hash ? cached : undefined;
  }

  private shard(shard: number): Map<string, BodyEntry> {
    let bodies = this.loaded.get(shard);
    if (!bodies) {
      bodies = this.cacheDir ? loadBodies(this.cacheDir, shard, this.variant) : new Map();
      this.loaded.set(shard, bodies);
    }
    return bodies;
  }

  /** The new contents of the body shards in `dirty`: bodies kept from the cache, plus those parsed now. */
  shardsToSave(dirty: Set<number>, entries: Map<string, CacheEntry>): Map<number, Map<string, BodyEntry>> {
    const out = new Map<number, Map<string, BodyEntry>>();
    for (const shard of dirty) out.set(shard, new Map());
    for (const [path, e] of entries) {
      const bucket = out.get(shardOf(path));
      if (!bucket) continue;
      const parsed = this.fresh.get(path)?.body;
      const body = parsed
        ? { hash: e.hash, ...parsed }
        : (this.reparsed.get(path) ?? this.shard(shardOf(path)).get(path));
      if (body && body.hash === e.hash) bucket.set(path, body);
    }
    return out;
  }
}
