import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { jidokaPaths } from '../core/paths.js';

/**
 * What `jidoka status` keeps of each plan file and incident page, in
 * `.jidoka/cache/status-files.json`, keyed by the sha1 of the file's text:
 * parsing frontmatter needs the YAML parser, whose loading alone costs as
 * much as node's own start, and most status runs find every file unchanged.
 * A hit is exactly what parsing would give (same text, same code shape);
 * the cache is an optimisation only, and any damage to it means a miss.
 */
const SHAPE = 1; // bump when what is kept per file changes

interface Saved {
  shape: number;
  files: Record<string, { sha1: string; facts: unknown }>;
}

export interface FileCache {
  /** The facts of `file`: cached when its text is unchanged, else `parse(text)` (kept for next time). */
  facts<T>(file: string, parse: (text: string) => T): T;
  /** Write the cache back when something was parsed; files not asked about this time are dropped. */
  save(): void;
}

export function openFileCache(root: string): FileCache {
  const path = join(jidokaPaths(root).cache, 'status-files.json');
  let saved: Saved = { shape: SHAPE, files: {} };
  try {
    const read = JSON.parse(readFileSync(path, 'utf8')) as Saved;
    if (read.shape === SHAPE && read.files && typeof read.files === 'object') saved = read;
  } catch {}
  const next: Saved = { shape: SHAPE, files: {} };
  let changed = false;
  return {
    facts<T>(file: string, parse: (text: string) => T): T {
      const text = readFileSync(file, 'utf8');
      const sha1 = createHash('sha1').update(text).digest('hex');
      const hit = saved.files[file];
      if (hit && hit.sha1 === sha1) {
        next.files[file] = hit;
        return hit.facts as T;
      }
      const facts = parse(text);
      next.files[file] = { sha1, facts };
      changed = true;
      return facts;
    },
    save() {
      if (!changed && Object.keys(next.files).length === Object.keys(saved.files).length) return;
      try {
        writeJsonAtomic(path, next, { durable: false });
      } catch {} // read-only checkout: status still works, only slower
    },
  };
}
