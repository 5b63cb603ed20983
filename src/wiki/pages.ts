import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BodyEntry,
  type CacheEntry,
  cacheDirOf,
  loadBodies,
  loadCache,
  SHARDS,
  saveCache,
  shardOf,
  type WikiCache,
} from './cache.js';
import { contentHash } from './hash.js';
import { pageTitle } from './model.js';
import { headingSlugs } from './packed.js';
import { type ParseItem, parseAll } from './parse-pool.js';
import type { LinkResult, PageBody, PageInfo, ParsedPage } from './types.js';

/** Every markdown file under the wiki folder, wiki-relative posix paths, sorted. Dot-folders are skipped. */
export function listPages(wikiDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (e.isFile() && e.name.endsWith('.md')) out.push(r);
    }
  };
  walk(wikiDir, '');
  return out.sort();
}

export interface LoadStats {
  parsed: number;
  cached: number;
  workers: number;
  /** Pages whose links were checked (the rest reused their cached result). */
  linksChecked?: number;
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
  stats: LoadStats;
  /**
   * Write the cache: the pages parsed now, and every page's link result when
   * given (without them, results already cached are kept only while valid).
   */
  save(links?: Map<string, LinkResult>): void;
}

/**
 * Read the wiki's pages, parsing only those whose content hash is not in the
 * cache. A file whose size and mtime match its cache entry, and which was not
 * modified close to when the cache was written, keeps its recorded hash
 * without being read (as git's index does).
 */
export async function loadPages(
  wikiDir: string,
  opts: { cacheDir?: string; wikiRel?: string; workers?: number },
): Promise<LoadedPages> {
  const files = listPages(wikiDir);
  const dir = opts.cacheDir ? cacheDirOf(opts.cacheDir, opts.wikiRel) : undefined;
  const cache: WikiCache = dir
    ? loadCache(dir)
    : { entries: new Map(), savedAt: [], sums: new Array(SHARDS).fill(null), linksTrusted: false };
  const next = new Map<string, CacheEntry>();
  let refreshed = 0;
  const todo: (ParseItem & { size: number; mtimeMs: number })[] = [];
  for (const path of files) {
    const abs = join(wikiDir, path);
    const st = statSync(abs);
    const old = cache.entries.get(path);
    if (
      old &&
      old.size === st.size &&
      old.mtimeMs === st.mtimeMs &&
      st.mtimeMs < (cache.savedAt[shardOf(path)] ?? 0) - 2000
    ) {
      next.set(path, old);
      continue;
    }
    const text = readFileSync(abs, 'utf8');
    const hash = contentHash(text);
    if (old && old.hash === hash) {
      next.set(path, { ...old, size: st.size, mtimeMs: st.mtimeMs });
      refreshed++;
      continue;
    }
    todo.push({ path, text, hash, size: st.size, mtimeMs: st.mtimeMs });
  }
  const { pages: parsed, workers } = await parseAll(todo, opts.workers);

  const fresh = new Map<string, ParsedPage>();
  const moved = new Set<string>();
  const dirty = new Set<number>();
  let renamed = false;
  parsed.forEach((p, i) => {
    const t = todo[i]!;
    const old = cache.entries.get(p.page.path);
    if (!old || headingSlugs(old.page.headings).join('\n') !== headingSlugs(p.page.headings).join('\n'))
      moved.add(p.page.path);
    if (!old || pageTitle(old.page) !== pageTitle(p.page)) renamed = true;
    next.set(p.page.path, { hash: t.hash, size: t.size, mtimeMs: t.mtimeMs, page: p.page });
    fresh.set(p.page.path, p);
    dirty.add(shardOf(p.page.path));
  });
  for (const path of cache.entries.keys())
    if (!next.has(path)) {
      moved.add(path);
      renamed = true;
      dirty.add(shardOf(path));
    }
  // Re-hashed but unchanged files are cheap; rewrite for them only when many (a checkout touched them all).
  if (refreshed > 50) for (const path of next.keys()) dirty.add(shardOf(path));

  const pages = new Map<string, PageInfo>();
  const cached = new Map<string, LinkResult>();
  for (const path of files) {
    const e = next.get(path)!;
    pages.set(path, e.page);
    if (e.links && !fresh.has(path)) cached.set(path, e.links);
  }
  const bodies = new BodyStore(wikiDir, dir, fresh);

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
    if (!meta.size && !bodyShards.size && linksTrusted === cache.linksTrusted) return;
    try {
      saveCache(dir, {
        entries: next,
        meta,
        bodies: bodies.shardsToSave(bodyShards, next),
        sums: cache.sums,
        linksTrusted,
      });
    } catch {
      // The cache is an optimisation; failing to write it must not fail the lint.
    }
  };

  return {
    pages,
    links: { cached: cache.linksTrusted ? cached : new Map(), moved, renamed },
    bodies,
    stats: { parsed: todo.length, cached: files.length - todo.length, workers },
    save,
  };
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
  ) {}

  async ensure(pages: Iterable<PageInfo>): Promise<void> {
    const missing: PageInfo[] = [];
    for (const page of pages) if (!this.find(page)) missing.push(page);
    if (!missing.length) return;
    const { parsePage } = await import('./parse-page.js');
    for (const page of missing) {
      // `hash` is the file's now: if it was edited since the stat pass, this body is used once, not cached.
      const text = readFileSync(join(this.wikiDir, page.path), 'utf8');
      this.reparsed.set(page.path, { hash: contentHash(text), ...parsePage(page.path, text).body });
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
      bodies = this.cacheDir ? loadBodies(this.cacheDir, shard) : new Map();
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
