import { regenerateIndex } from '../../wiki/index-file.js';
import { appendLogEntry } from '../../wiki/log-file.js';
import type { DocsAgentReport } from './docs-agent.js';
import { renderRunLog, runLogPath, writeRunLog } from './record.js';
import type { SyncFindings } from './survey.js';
import type { MainChanges } from './sync-state.js';

export interface SyncRecord {
  wikiRel: string;
  date: string;
  changes: MainChanges;
  findings: SyncFindings;
  agent: DocsAgentReport;
}

/**
 * The deterministic step after the agent, in the worktree's wiki: a run log
 * page `90_LOG/docs-sync-<date>.md`, the regenerated index (which lists that
 * page and any the agent wrote), and a `sync` entry in log.md whose
 * `- head:` line is how a fresh clone finds the last sync.
 */
export async function recordSync(dir: string, wikiDir: string, r: SyncRecord): Promise<void> {
  const { head, since, commits } = r.changes;
  const logPage = runLogPath(wikiDir, r.date);
  const title = `Docs sync ${logPage.slice('90_LOG/docs-sync-'.length, -3)}`;
  const run = {
    wikiRel: r.wikiRel,
    date: r.date,
    title,
    head,
    since,
    commits,
    stale: r.findings.stale,
    unknownVerified: r.findings.unknownVerified,
    uncovered: r.findings.uncovered.map((u) => u.path),
    agent: { outcome: 'finished', pages: r.agent.pages, notes: r.agent.notes, costUsd: r.agent.costUsd },
    outsideWiki: r.agent.outsideWiki,
  };
  writeRunLog(wikiDir, logPage, renderRunLog(run, logPage));
  await regenerateIndex(dir, { wikiDir });
  appendLogEntry(
    dir,
    {
      date: r.date,
      kind: 'sync',
      title: `${r.findings.stale.length} stale, ${r.findings.uncovered.length} uncovered, ${r.agent.pages.length} pages written by the docs agent`,
      lines: [
        `head: ${head}`,
        `since: ${since ?? 'first sync'}`,
        `commits: ${commits.length}`,
        `run log: [${title}](${logPage})`,
      ],
    },
    { wikiDir },
  );
}
