import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { ScaffoldEntry } from './scaffold.js';

/** Runtime state lives here and must never be committed. */
export const STATE_IGNORE_LINE = '.jidoka/';

/** Lines that already keep `.jidoka/` out of git, in the spellings people write. */
const EQUIVALENT = new Set(['.jidoka', '.jidoka/', '/.jidoka', '/.jidoka/', '.jidoka/*', '/.jidoka/*']);

/**
 * `text` with `.jidoka/` appended, or undefined when a line already ignores it.
 * Every existing line, comment and blank is kept as it was.
 */
export function addStateIgnore(text: string): string | undefined {
  const already = text.split(/\r?\n/).some((line) => EQUIVALENT.has(line.trim()));
  if (already) return undefined;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return `${text}${sep}${STATE_IGNORE_LINE}\n`;
}

/** Make the repository's `.gitignore` ignore `.jidoka/`, creating the file when missing. */
export function ensureStateIgnored(root: string): ScaffoldEntry {
  const path = join(root, '.gitignore');
  const exists = existsSync(path);
  const next = addStateIgnore(exists ? readFileSync(path, 'utf8') : '');
  if (next === undefined)
    return { path: '.gitignore', action: 'kept', note: `already ignores ${STATE_IGNORE_LINE}` };
  writeFileAtomic(path, next);
  return exists
    ? { path: '.gitignore', action: 'updated', note: `added ${STATE_IGNORE_LINE}` }
    : { path: '.gitignore', action: 'created', note: `ignores ${STATE_IGNORE_LINE}` };
}
