import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StatRow } from './cache.js';
import { contentHash } from './hash.js';
import type { ParseItem } from './parse-pool.js';
import type { ParsedPage } from './types.js';

/**
 * Size, mtime and content hash of every page when the cache was last saved
 * (wiki-relative path → [size, mtimeMs, sha1]). A size of -1 marks an entry
 * whose file was modified too close to when it was read to trust its mtime
 * ("racily clean", as git's index calls it): it is read again next time.
 */
export type StatTable = Map<string, [size: number, mtimeMs: number, hash: string]>;

/** What the scout found: every page, its stat data and content hash, and the pages the cache cannot know. */
export interface ScoutReport {
  /** When the scan started (ms): stat data this recent is not trusted next time. */
  startedAt: number;
  /** Every page, sorted; `size`, `mtimeMs` and `hash` are parallel to it. */
  files: string[];
  size: number[];
  mtimeMs: number[];
  hash: string[];
  /** Indices (in `files`) of the files read and hashed because their stat data did not match the table. */
  reread: number[];
  /** Entries in the table scouted against (0: no table yet), its stat.json checksum, its delta's rows. */
  tableSize: number;
  base: string | null;
  delta: StatRow[];
  /** Where it ran. */
  thread: 'main' | 'worker';
  /** Files read whose hash the table did not have, with their text: to be parsed. */
  fresh: ParseItem[];
  /** From the scout worker: those of `fresh` it parsed (the rest are read and parsed by the caller). */
  parsed?: ParsedPage[];
}

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

/**
 * Find what changed since the table was written: stat every page, and read
 * and hash those whose size or mtime differ; those whose content is new are
 * `fresh`. For large wikis this runs on a worker thread (scout-worker.ts),
 * which also parses them, beside the main thread's cache load.
 */
export function scoutPages(
  wikiDir: string,
  saved: { table: StatTable; base: string | null; delta: StatRow[] },
): ScoutReport {
  const table = saved.table;
  const startedAt = Date.now();
  const files = listPages(wikiDir);
  const report: ScoutReport = {
    startedAt,
    files,
    size: new Array(files.length),
    mtimeMs: new Array(files.length),
    hash: new Array(files.length),
    reread: [],
    tableSize: table.size,
    base: saved.base,
    delta: saved.delta,
    thread: 'main',
    fresh: [],
  };
  files.forEach((path, i) => {
    const abs = join(wikiDir, path);
    const st = statSync(abs);
    report.size[i] = st.size;
    report.mtimeMs[i] = st.mtimeMs;
    const known = table.get(path);
    if (known && known[0] === st.size && known[1] === st.mtimeMs) {
      report.hash[i] = known[2];
      return;
    }
    const text = readFileSync(abs, 'utf8');
    const hash = contentHash(text);
    report.hash[i] = hash;
    report.reread.push(i);
    if (!known || known[2] !== hash) report.fresh.push({ path, text, hash });
  });
  return report;
}
