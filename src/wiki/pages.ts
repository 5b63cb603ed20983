import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CacheEntry, cacheDirOf, loadCache, saveCache, shardOf } from './cache.js';
import { contentHash } from './hash.js';
import { type ParseItem, parseAll } from './parse-pool.js';
import type { PageInfo } from './types.js';

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
}

/**
 * Read the wiki's pages, parsing only those whose content hash is not in the
 * cache. A file whose size and mtime match its cache entry, and which was not
 * modified close to when the cache was written, keeps its recorded hash
 * without being read (as git's index does).
 */
export async function loadPages(
  wikiDir: string,
  opts: { cacheDir?: string; workers?: number },
): Promise<{ pages: Map<string, PageInfo>; stats: LoadStats }> {
  const files = listPages(wikiDir);
  const dir = opts.cacheDir ? cacheDirOf(opts.cacheDir) : undefined;
  const cache = dir ? loadCache(dir) : { entries: new Map<string, CacheEntry>(), savedAt: [] as number[] };
  const next = new Map<string, CacheEntry>();
  const dirty = new Set<number>();
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
  parsed.forEach((page, i) => {
    const t = todo[i]!;
    next.set(page.path, { hash: t.hash, size: t.size, mtimeMs: t.mtimeMs, page });
    dirty.add(shardOf(page.path));
  });
  for (const path of cache.entries.keys()) if (!next.has(path)) dirty.add(shardOf(path));
  // Re-hashed but unchanged files are cheap; rewrite for them only when many (a checkout touched them all).
  if (refreshed > 50) for (const path of next.keys()) dirty.add(shardOf(path));
  if (dir && dirty.size) {
    try {
      saveCache(dir, next, dirty);
    } catch {
      // The cache is an optimisation; failing to write it must not fail the lint.
    }
  }
  const pages = new Map<string, PageInfo>();
  for (const path of files) pages.set(path, next.get(path)!.page);
  return { pages, stats: { parsed: todo.length, cached: files.length - todo.length, workers } };
}
