import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { contentHash } from './hash.js';
import { PARSER_VERSION, type PageInfo } from './types.js';

/**
 * The lint cache: each page's parsed data, keyed by the sha1 of its content,
 * so a re-lint re-parses only changed pages. An optimisation only: a missing,
 * corrupt or foreign cache (or any one shard of it) is ignored and rebuilt,
 * and gives the same findings: each shard carries the sha1 of its content.
 *
 * Pages are spread over SHARDS files by a hash of their path, so saving
 * after one page changed rewrites one small file, not the whole cache.
 */
export interface CacheEntry {
  hash: string;
  size: number;
  mtimeMs: number;
  page: PageInfo;
}

export interface WikiCache {
  entries: Map<string, CacheEntry>;
  /** Per shard: when it was written (ms); stat data newer than this is not trusted (racy edits). */
  savedAt: number[];
}

export const SHARDS = 32;
const VERSION = `wiki-cache:${PARSER_VERSION}`;

export function cacheDirOf(cacheRoot: string): string {
  return join(cacheRoot, `wiki-v${PARSER_VERSION}`);
}

export function shardOf(path: string): number {
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619);
  return (h >>> 0) % SHARDS;
}

function shardFile(dir: string, shard: number): string {
  return join(dir, `shard-${String(shard).padStart(2, '0')}.json`);
}

export function loadCache(dir: string): WikiCache {
  const cache: WikiCache = { entries: new Map(), savedAt: new Array(SHARDS).fill(0) };
  for (let shard = 0; shard < SHARDS; shard++) {
    let raw: unknown;
    try {
      // `<sha1 of the JSON>\n<JSON>`: any damage to a shard, even valid JSON, is caught.
      const text = readFileSync(shardFile(dir, shard), 'utf8');
      const nl = text.indexOf('\n');
      const json = text.slice(nl + 1);
      if (nl !== 40 || contentHash(json) !== text.slice(0, 40)) continue;
      raw = JSON.parse(json);
    } catch {
      continue;
    }
    if (!raw || typeof raw !== 'object') continue;
    const r = raw as { version?: unknown; savedAt?: unknown; entries?: unknown };
    if (r.version !== VERSION || typeof r.savedAt !== 'number' || !r.entries || typeof r.entries !== 'object')
      continue;
    cache.savedAt[shard] = r.savedAt;
    for (const [path, e] of Object.entries(r.entries as Record<string, unknown>)) {
      if (shardOf(path) === shard && isEntry(path, e)) cache.entries.set(path, e);
    }
  }
  return cache;
}

/** Write the shards in `dirty` from `entries` (the complete new set). */
export function saveCache(dir: string, entries: Map<string, CacheEntry>, dirty: Set<number>): void {
  const byShard = new Map<number, Record<string, CacheEntry>>();
  for (const shard of dirty) byShard.set(shard, {});
  for (const [path, e] of entries) {
    const bucket = byShard.get(shardOf(path));
    if (bucket) bucket[path] = e;
  }
  const now = Date.now();
  for (const [shard, bucket] of byShard) {
    const file = shardFile(dir, shard);
    if (!Object.keys(bucket).length) rmSync(file, { force: true });
    else {
      const json = JSON.stringify({ version: VERSION, savedAt: now, entries: bucket });
      writeFileAtomic(file, `${contentHash(json)}\n${json}`);
    }
  }
}

function isEntry(path: string, e: unknown): e is CacheEntry {
  if (!e || typeof e !== 'object') return false;
  const x = e as Partial<CacheEntry>;
  const p = x.page as Partial<PageInfo> | undefined;
  return (
    typeof x.hash === 'string' &&
    typeof x.size === 'number' &&
    typeof x.mtimeMs === 'number' &&
    !!p &&
    p.path === path &&
    p.hash === x.hash &&
    !!p.frontmatter &&
    typeof p.frontmatter === 'object' &&
    typeof p.headings === 'string' &&
    typeof p.links === 'string' &&
    Array.isArray(p.wikilinks) &&
    Array.isArray(p.placeholders) &&
    typeof p.summary === 'string'
  );
}
