import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../core/atomic-write.js';
import { jidokaPaths } from '../../core/paths.js';
import { clipChars } from '../../core/text.js';
import { LOG_PAGE } from '../../wiki/model.js';
import { LOG_HEADING } from '../../wiki/rules/log-format.js';
import type { SyncCommit } from './git.js';

/** What the documentation loop remembers between runs, in `.jidoka/state/docs.json`. */
export interface DocsState {
  /** The main-branch commit the wiki was last synced to. */
  lastSync: string;
  at: string;
  branch?: string;
  commit?: string;
}

export function docsStateFile(root: string): string {
  return join(jidokaPaths(root).state, 'docs.json');
}

export function readDocsState(root: string): DocsState | undefined {
  try {
    const v = JSON.parse(readFileSync(docsStateFile(root), 'utf8')) as DocsState;
    return typeof v.lastSync === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function writeDocsState(root: string, state: DocsState): void {
  writeJsonAtomic(docsStateFile(root), state);
}

/** The `- head: <sha>` of the newest `sync` entry in log.md: the record a fresh clone has. */
export function lastSyncFromLog(wikiDir: string): string | undefined {
  const file = join(wikiDir, LOG_PAGE);
  if (!existsSync(file)) return undefined;
  let inSync = false;
  let found: string | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('## ')) inSync = LOG_HEADING.exec(line.slice(3))?.[2] === 'sync';
    else if (inSync) {
      const m = /^- head: ([0-9a-f]{7,40})\b/.exec(line);
      if (m) found = m[1];
    }
  }
  return found;
}

export interface RunLogInput {
  /** Repo-relative wiki folder; `stale` and `unknownVerified` are repo-relative pages under it. */
  wikiRel: string;
  date: string;
  title: string;
  head: string;
  since: string | undefined;
  commits: SyncCommit[];
  stale: string[];
  unknownVerified: string[];
  uncovered: string[];
  agent: { outcome: string; pages: string[]; notes: string; costUsd?: number };
  outsideWiki: string[];
}

/** The run log page in 90_LOG/: what this sync saw and did, linted like any page. */
export function renderRunLog(r: RunLogInput, pagePath: string): string {
  const rel = (repoPage: string) =>
    posix.relative(posix.dirname(pagePath), repoPage.slice(r.wikiRel ? r.wikiRel.length + 1 : 0));
  const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;
  const lines = [
    '---',
    `title: ${r.title}`,
    'type: log',
    `updated: ${r.date}`,
    '---',
    `# ${r.title}`,
    '',
    `Documentation sync to ${code(r.head.slice(0, 12))}: ${r.stale.length} stale page${r.stale.length === 1 ? '' : 's'}, ${r.uncovered.length} uncovered source${r.uncovered.length === 1 ? '' : 's'}, ${r.commits.length} commit${r.commits.length === 1 ? '' : 's'} since ${r.since ? code(r.since.slice(0, 12)) : 'the start'}.`,
    '',
    '## Commits',
    '',
    ...(r.commits.length
      ? r.commits.map((c) => `- ${code(c.sha.slice(0, 12))} ${code(c.subject)}`)
      : ['- none']),
    '',
    '## Stale pages',
    '',
    ...(r.stale.length || r.unknownVerified.length
      ? [
          ...r.stale.map((p) => `- [${p}](${rel(p)})`),
          ...r.unknownVerified.map((p) => `- [${p}](${rel(p)}) (verified commit unknown)`),
        ]
      : ['- none']),
    '',
    '## Uncovered sources',
    '',
    ...(r.uncovered.length ? r.uncovered.map((u) => `- ${code(u)}`) : ['- none']),
    '',
    '## Docs agent',
    '',
    `- outcome: ${r.agent.outcome}`,
    `- pages reported: ${r.agent.pages.length ? r.agent.pages.map(code).join(', ') : 'none'}`,
    ...(r.agent.notes ? [`- notes: ${code(clipChars(r.agent.notes.replace(/\s+/g, ' '), 500))}`] : []),
    ...(r.agent.costUsd !== undefined ? [`- cost: $${r.agent.costUsd.toFixed(4)}`] : []),
    ...(r.outsideWiki.length
      ? [`- changed outside the wiki (not committed): ${r.outsideWiki.map(code).join(', ')}`]
      : []),
    '',
  ];
  return lines.join('\n');
}

export function writeRunLog(wikiDir: string, pagePath: string, text: string): void {
  writeFileAtomic(join(wikiDir, pagePath), text);
}

/** `90_LOG/docs-sync-<date>.md`, or `-2`, `-3`… when a page of that name exists. */
export function runLogPath(wikiDir: string, date: string): string {
  for (let n = 1; ; n++) {
    const p = `90_LOG/docs-sync-${date}${n === 1 ? '' : `-${n}`}.md`;
    if (!existsSync(join(wikiDir, p))) return p;
  }
}
