import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { PARSER_VERSION } from './parse-page.js';
import type { PageInfo } from './types.js';

/**
 * The lint cache: each page's parsed data, keyed by the sha1 of its content,
 * so a re-lint re-parses only changed pages. An optimisation only: a missing,
 * corrupt or foreign cache is ignored and rebuilt, and gives the same findings.
 */
export interface CacheEntry {
  hash: string;
  size: number;
  mtimeMs: number;
  page: PageInfo;
}

export interface WikiCache {
  /** When the cache was written (ms); stat data newer than this is not trusted (racy edits). */
  savedAt: number;
  entries: Map<string, CacheEntry>;
}

const VERSION = `wiki-cache:${PARSER_VERSION}`;

export function cacheFile(cacheDir: string): string {
  return join(cacheDir, `wiki-v${PARSER_VERSION}.json`);
}

export function loadCache(file: string): WikiCache {
  const empty: WikiCache = { savedAt: 0, entries: new Map() };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return empty;
  }
  if (!raw || typeof raw !== 'object') return empty;
  const r = raw as { version?: unknown; savedAt?: unknown; entries?: unknown };
  if (r.version !== VERSION || typeof r.savedAt !== 'number' || !r.entries || typeof r.entries !== 'object')
    return empty;
  const entries = new Map<string, CacheEntry>();
  for (const [path, e] of Object.entries(r.entries as Record<string, unknown>)) {
    if (isEntry(path, e)) entries.set(path, e);
  }
  return { savedAt: r.savedAt, entries };
}

export function saveCache(file: string, entries: Map<string, CacheEntry>): void {
  writeFileAtomic(
    file,
    JSON.stringify({ version: VERSION, savedAt: Date.now(), entries: Object.fromEntries(entries) }),
  );
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
    Array.isArray(p.headings) &&
    Array.isArray(p.links) &&
    Array.isArray(p.wikilinks) &&
    Array.isArray(p.placeholders) &&
    typeof p.summary === 'string'
  );
}
