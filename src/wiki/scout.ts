import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { StatRow } from './cache.js';
import type { ParseItem } from './parse-page.js';
import { readParseItem } from './read-page.js';
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
  /** Symlinks in the wiki (to a page or folder, folders ending in `/`) that lead outside the repository: not read. */
  outside: string[];
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

/**
 * Every markdown file under the wiki folder, wiki-relative posix paths,
 * sorted. Dot-folders are skipped. Symlinks are followed (each folder once,
 * so a loop ends) while they stay inside `root`, the repository; those that
 * leave it are listed in `outside` and not followed.
 */
export function listPages(wikiDir: string, root = wikiDir): { pages: string[]; outside: string[] } {
  const pages: string[] = [];
  const outside: string[] = [];
  const realRoot = realpathOrSelf(root);
  const seen = new Set<string>([realpathOrSelf(wikiDir)]);
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const abs = join(dir, e.name);
      if (e.isDirectory()) walk(abs, r);
      else if (e.isFile()) {
        if (e.name.endsWith('.md')) pages.push(r);
      } else if (e.isSymbolicLink()) {
        let real: string;
        let isDir: boolean;
        try {
          real = realpathSync(abs);
          isDir = statSync(real).isDirectory();
        } catch {
          if (e.name.endsWith('.md')) pages.push(r); // dangling: reading it reports it
          continue;
        }
        if (!isDir && !e.name.endsWith('.md')) continue;
        if (!isInside(realRoot, real)) outside.push(isDir ? `${r}/` : r);
        else if (!isDir) pages.push(r);
        else if (!seen.has(real)) {
          seen.add(real);
          walk(abs, r);
        }
      }
    }
  };
  walk(wikiDir, '');
  return { pages: pages.sort(), outside: outside.sort() };
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
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
  root = wikiDir,
): ScoutReport {
  const table = saved.table;
  const startedAt = Date.now();
  const { pages: files, outside } = listPages(wikiDir, root);
  const report: ScoutReport = {
    startedAt,
    files,
    outside,
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
    const known = table.get(path);
    let st: { size: number; mtimeMs: number } | undefined;
    try {
      st = statSync(abs);
    } catch {
      // A dangling symlink, or gone since it was listed: reading it below makes that its finding.
    }
    if (st && known && known[0] === st.size && known[1] === st.mtimeMs) {
      report.size[i] = st.size;
      report.mtimeMs[i] = st.mtimeMs;
      report.hash[i] = known[2];
      return;
    }
    const item = readParseItem(abs, path);
    // Unread files are saved with size -1: read again next time.
    report.size[i] = st && item.unreadable === undefined ? st.size : -1;
    report.mtimeMs[i] = st?.mtimeMs ?? 0;
    report.hash[i] = item.hash;
    report.reread.push(i);
    if (!known || known[2] !== item.hash) report.fresh.push(item);
  });
  return report;
}
