import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { contentHash } from './hash.js';
import type { StatTable } from './scout.js';
import { type LinkResult, PARSER_VERSION, type PageBody, type PageInfo } from './types.js';

/**
 * The lint cache, in `.jidoka/cache/wiki-v<N>/<wiki>/`. An optimisation
 * only: a missing, corrupt or foreign cache (or any one file of it) is
 * ignored and rebuilt, and gives the same findings. Every file is
 * `<sha1 of the JSON>\n<JSON>`, so any damage, even valid JSON, is caught.
 *
 * Pages are spread over SHARDS files by a hash of their path, so saving
 * after one page changed rewrites two small files, not the whole cache:
 * - `meta-NN.json`: per page, keyed by the sha1 of its content, the parsed
 *   PageInfo every lint reads, and its LinkResult (see link-results.ts);
 * - `body-NN.json`: per page, its PageBody (links, summary), read only for
 *   the pages whose links are checked again;
 * - `stat.json`: every page's size, mtime and content hash (see scout.ts),
 *   so a lint reads only the files whose stat data changed; beside it,
 *   `verified.json`: the pages' `verified` shas, whose git history a lint
 *   asks for before it has read a page (a guess, checked against the pages);
 * - `manifest.json`, written last: the checksum of every meta file as saved.
 *   Link results depend on other pages, so they are trusted only when every
 *   meta file is the one the manifest names (no shard lost, damaged, or left
 *   half-saved by a crash).
 */
export interface CacheEntry {
  hash: string;
  page: PageInfo;
  links?: LinkResult;
}

export interface BodyEntry extends PageBody {
  hash: string;
}

export interface WikiCache {
  entries: Map<string, CacheEntry>;
  /** Per shard: the checksum of its meta file as loaded, null when absent or unusable. */
  sums: (string | null)[];
  /** Whether the entries' link results may be used (see above). */
  linksTrusted: boolean;
}

export const SHARDS = 64;
const VERSION = `wiki-cache:${PARSER_VERSION}`;

/**
 * The version string of the meta, body and manifest files: what a page
 * parses into, and what its link result is, also depend on the `wiki.*`
 * settings (limits, links), so a cache saved under other settings is not
 * read (`variant`: a key of the settings, '' for the defaults). The stat
 * table does not depend on them and is shared.
 */
function pagesVersion(variant: string): string {
  return variant ? `${VERSION}:${variant}` : VERSION;
}

/** The cache folder of one wiki folder (repo-relative `wikiRel`). */
export function cacheDirOf(cacheRoot: string, wikiRel = 'wiki'): string {
  const name =
    /^[\w.-]+$/.test(wikiRel) && wikiRel !== '.' && wikiRel !== '..' ? wikiRel : contentHash(wikiRel);
  return join(cacheRoot, `wiki-v${PARSER_VERSION}`, name || '_root');
}

export function shardOf(path: string): number {
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619);
  return (h >>> 0) % SHARDS;
}

export function metaFile(dir: string, shard: number): string {
  return join(dir, `meta-${String(shard).padStart(2, '0')}.json`);
}

export function bodyFile(dir: string, shard: number): string {
  return join(dir, `body-${String(shard).padStart(2, '0')}.json`);
}

function manifestFile(dir: string): string {
  return join(dir, 'manifest.json');
}

function statFile(dir: string): string {
  return join(dir, 'stat.json');
}

/**
 * The stat table as last saved: stat.json, plus the rows of stat-delta.json
 * when that was written against this stat.json (`base`: its checksum).
 * Small changes are saved as a delta, so an edit does not rewrite a row for
 * every page. Empty when missing or damaged.
 */
export function loadStatTable(dir: string): { table: StatTable; base: string | null; delta: StatRow[] } {
  const table: StatTable = new Map();
  const file = readChecked(statFile(dir));
  const full = file?.json as { version?: unknown; pages?: unknown } | undefined;
  if (!file || full?.version !== VERSION) return { table, base: null, delta: [] };
  addRows(table, full.pages);
  const raw = readChecked(deltaFile(dir))?.json as
    | { version?: unknown; base?: unknown; pages?: unknown }
    | undefined;
  const delta: StatRow[] = [];
  if (raw?.version === VERSION && raw.base === file.sum) {
    const rows: StatTable = new Map();
    addRows(rows, raw.pages);
    for (const [path, row] of rows) {
      table.set(path, row);
      delta.push([path, ...row]);
    }
  }
  return { table, base: file.sum, delta };
}

export type StatRow = [path: string, size: number, mtimeMs: number, hash: string];

function addRows(table: StatTable, rows: unknown): void {
  if (!Array.isArray(rows)) return;
  for (const row of rows as unknown[]) {
    if (!Array.isArray(row) || row.length !== 4) continue;
    const [path, size, mtimeMs, hash] = row as unknown[];
    if (
      typeof path === 'string' &&
      typeof size === 'number' &&
      typeof mtimeMs === 'number' &&
      typeof hash === 'string'
    )
      table.set(path, [size, mtimeMs, hash]);
  }
}

function deltaFile(dir: string): string {
  return join(dir, 'stat-delta.json');
}

/** The `verified` shas the pages named when the cache was last saved: the git history to fetch early. */
export function loadVerifiedGuess(dir: string): string[] {
  const raw = readChecked(verifiedFile(dir))?.json as { version?: unknown; verified?: unknown } | undefined;
  if (raw?.version !== VERSION || !Array.isArray(raw.verified)) return [];
  return raw.verified.filter((v): v is string => typeof v === 'string');
}

function verifiedFile(dir: string): string {
  return join(dir, 'verified.json');
}

/** Does the stat table file look big enough that scouting on a worker thread pays? */
export function statTableBytes(dir: string): number {
  try {
    return statSync(statFile(dir)).size;
  } catch {
    return 0;
  }
}

/** A checked file's JSON and checksum; undefined when missing or damaged. */
function readChecked(file: string): { json: unknown; sum: string } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const nl = text.indexOf('\n');
    const json = text.slice(nl + 1);
    const sum = text.slice(0, 40);
    if (nl !== 40 || contentHash(json) !== sum) return undefined;
    return { json: JSON.parse(json), sum };
  } catch {
    return undefined;
  }
}

/** Write `value` as a checked file; returns its checksum. */
function writeChecked(file: string, value: unknown): string {
  const json = JSON.stringify(value);
  const sum = contentHash(json);
  // Not fsynced: a cache file lost or torn in a crash fails its checksum and is rebuilt.
  writeFileAtomic(file, `${sum}\n${json}`, { durable: false });
  return sum;
}

/** The entries of a checked shard file of this version, or undefined. */
function shardEntries(raw: unknown, variant: string): Record<string, unknown> | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as { version?: unknown; entries?: unknown };
  if (r.version !== pagesVersion(variant) || !r.entries || typeof r.entries !== 'object') return undefined;
  return r.entries as Record<string, unknown>;
}

export function loadCache(dir: string, variant = ''): WikiCache {
  const cache: WikiCache = {
    entries: new Map(),
    sums: new Array(SHARDS).fill(null),
    linksTrusted: true,
  };
  for (let shard = 0; shard < SHARDS; shard++) {
    const file = readChecked(metaFile(dir, shard));
    const entries = shardEntries(file?.json, variant);
    if (!file || !entries) continue;
    cache.sums[shard] = file.sum;
    for (const [path, e] of Object.entries(entries)) {
      if (shardOf(path) === shard && isEntry(path, e)) cache.entries.set(path, e);
      else cache.linksTrusted = false;
    }
  }
  const manifest = readChecked(manifestFile(dir))?.json as { version?: unknown; meta?: unknown } | undefined;
  const listed =
    manifest?.version === pagesVersion(variant) && Array.isArray(manifest.meta) ? manifest.meta : undefined;
  if (!listed || listed.length !== SHARDS || listed.some((sum, i) => sum !== cache.sums[i]))
    cache.linksTrusted = false;
  if (!cache.linksTrusted) for (const e of cache.entries.values()) delete e.links;
  return cache;
}

/** The bodies of one shard, unchecked against pages (callers compare `hash`); empty when unusable. */
export function loadBodies(dir: string, shard: number, variant = ''): Map<string, BodyEntry> {
  const out = new Map<string, BodyEntry>();
  const entries = shardEntries(readChecked(bodyFile(dir, shard))?.json, variant);
  if (!entries) return out;
  for (const [path, e] of Object.entries(entries)) {
    const b = e as Partial<BodyEntry> | null;
    if (
      shardOf(path) === shard &&
      b &&
      typeof b.hash === 'string' &&
      typeof b.links === 'string' &&
      typeof b.summary === 'string'
    )
      out.set(path, { hash: b.hash, links: b.links, summary: b.summary });
  }
  return out;
}

export interface CacheWrite {
  /** The complete new set of entries. */
  entries: Map<string, CacheEntry>;
  /** Meta shards to rewrite. */
  meta: Set<number>;
  /** Body shards to rewrite, each with its complete new set of bodies. */
  bodies: Map<number, Map<string, BodyEntry>>;
  /** The checksums of the meta files as loaded (kept for shards not rewritten). */
  sums: (string | null)[];
  /** Whether the link results in `entries` hold for the pages as saved: only then is a manifest written. */
  linksTrusted: boolean;
  /** The settings key the pages were parsed and checked under (see pagesVersion). */
  variant?: string;
  /** The new stat table, whole or as the rows changed since `base` (the saved stat.json's checksum). */
  stat?: { full: StatRow[] } | { delta: StatRow[]; base: string };
}

/**
 * Write the dirty shards, then the manifest. A crash or failure part way
 * leaves a manifest that no longer matches: the next lint re-checks every
 * page's links, and loses nothing else.
 */
export function saveCache(dir: string, w: CacheWrite): void {
  const version = pagesVersion(w.variant ?? '');
  const byShard = new Map<number, Record<string, CacheEntry>>();
  for (const shard of w.meta) byShard.set(shard, {});
  for (const [path, e] of w.entries) {
    const bucket = byShard.get(shardOf(path));
    if (bucket) bucket[path] = e;
  }
  if (w.stat) {
    if ('full' in w.stat) {
      writeChecked(statFile(dir), { version: VERSION, pages: w.stat.full });
      rmSync(deltaFile(dir), { force: true });
      // A first save of this version: the caches of earlier versions are never read again.
      for (let v = 1; v < PARSER_VERSION; v++)
        rmSync(join(dir, '..', '..', `wiki-v${v}`), { recursive: true, force: true });
    } else writeChecked(deltaFile(dir), { version: VERSION, base: w.stat.base, pages: w.stat.delta });
    const verified = new Set<string>();
    for (const e of w.entries.values()) {
      const v = e.page.frontmatter.data.verified;
      if (typeof v === 'string') verified.add(v);
    }
    writeChecked(verifiedFile(dir), { version: VERSION, verified: [...verified] });
  }
  const sums = [...w.sums];
  for (const [shard, bucket] of byShard) {
    const file = metaFile(dir, shard);
    if (!Object.keys(bucket).length) {
      rmSync(file, { force: true });
      sums[shard] = null;
    } else sums[shard] = writeChecked(file, { version, entries: bucket });
  }
  for (const [shard, bodies] of w.bodies) {
    const file = bodyFile(dir, shard);
    if (!bodies.size) rmSync(file, { force: true });
    else writeChecked(file, { version, entries: Object.fromEntries(bodies) });
  }
  if (w.linksTrusted) writeChecked(manifestFile(dir), { version, meta: sums });
  else rmSync(manifestFile(dir), { force: true });
}

function isEntry(path: string, e: unknown): e is CacheEntry {
  if (!e || typeof e !== 'object') return false;
  const x = e as Partial<CacheEntry>;
  const p = x.page as Partial<PageInfo> | undefined;
  const l = x.links as Partial<LinkResult> | undefined;
  return (
    typeof x.hash === 'string' &&
    !!p &&
    p.path === path &&
    p.hash === x.hash &&
    !!p.frontmatter &&
    typeof p.frontmatter === 'object' &&
    typeof p.headings === 'string' &&
    typeof p.anchors === 'string' &&
    Array.isArray(p.problems) &&
    Array.isArray(p.wikilinks) &&
    Array.isArray(p.placeholders) &&
    (l === undefined ||
      (!!l && Array.isArray(l.findings) && typeof l.pages === 'string' && typeof l.files === 'string'))
  );
}
