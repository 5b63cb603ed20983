import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { usageError } from '../core/errors.js';
import { jidokaPaths } from '../core/paths.js';
import { LOG_PAGE } from './model.js';
import { LOG_HEADING } from './rules/log-format.js';

export interface LogEntry {
  /** ISO date, `YYYY-MM-DD` (a time may follow: `2025-01-31T09:30Z`). */
  date: string;
  /** One word, lowercase: sync, merge, incident, run… */
  kind: string;
  title: string;
  /** Bullet lines under the heading (without the leading "- "). */
  lines: string[];
}

const HEADER =
  '# Log\n\nAppend-only timeline of this wiki: one entry per documentation sync, merge or incident, newest last. Each entry starts with `## YYYY-MM-DD kind | title`, so `grep "^## 2025-" wiki/log.md` lists them.\n';

/**
 * Append one entry to wiki/log.md (created with its header when missing).
 * Appends with O_APPEND so concurrent writers (docs loop, execution loop)
 * never lose each other's entries.
 */
export function appendLogEntry(root: string, entry: LogEntry, opts: { wikiDir?: string } = {}): string {
  const title = entry.title.replace(/\s+/g, ' ').trim();
  const heading = `${entry.date} ${entry.kind} | ${title}`;
  if (!LOG_HEADING.test(heading))
    throw usageError(
      `log entry "${heading}" does not fit "YYYY-MM-DD kind | title"`,
      'pass an ISO date, a lowercase one-word kind and a non-empty title',
    );
  const path = join(resolve(opts.wikiDir ?? jidokaPaths(root).wikiDir), LOG_PAGE);
  mkdirSync(dirname(path), { recursive: true });
  let prefix = '';
  if (!existsSync(path)) prefix = HEADER;
  else {
    const text = readFileSync(path, 'utf8');
    if (text && !text.endsWith('\n')) prefix = '\n';
  }
  const body = entry.lines.map((l) => `- ${l.replace(/\n+/g, ' ')}`).join('\n');
  appendFileSync(path, `${prefix}\n## ${heading}\n${body ? `\n${body}\n` : ''}`);
  return path;
}
