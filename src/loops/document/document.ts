import { existsSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { requireAgent } from '../../config/agents.js';
import type { Config } from '../../config/schema.js';
import { JidokaError, usageError } from '../../core/errors.js';
import { jidokaPaths } from '../../core/paths.js';
import { runDocsAgent } from './docs-agent.js';
import { createDocsWorktree, type DocsWorktree, removeDocsWorktree } from './git.js';
import { lintGate } from './lint-gate.js';
import { commitUpdate, landUpdate } from './publish.js';
import * as end from './result.js';
import { nothingToDo, surveyWiki } from './survey.js';
import { changesSinceLastSync, markSynced, pendingReview, raiseDocsYellow } from './sync-state.js';
import { recordSync } from './wiki-record.js';

export type { DocsSyncResult, DocsSyncStatus } from './result.js';

export interface DocsSyncOptions {
  root: string;
  config: Config;
  dryRun?: boolean;
  /** The sync's date (tests); today otherwise. */
  now?: Date;
  /** Progress lines for people. */
  say?: (line: string) => void;
  /** Stops the docs agent (the daemon's shutdown); the sync then ends `agent-failed`, its worktree kept. */
  signal?: AbortSignal;
}

/**
 * The documentation loop, as a blueprint: find what changed on main since
 * the last sync, map it to pages through their `sources`, have the docs
 * agent update stale pages and write missing ones in a worktree, record the
 * run in the wiki, lint, then commit on a `jidoka/docs-<date>` branch (or
 * fast-forward main). Too many lint issues after the agent: nothing is
 * committed, the line turns yellow, and the worktree waits for a person.
 * The agent works in a worktree so the user's checkout is never touched and
 * a rejected update costs nothing.
 */
export async function syncDocs(opts: DocsSyncOptions): Promise<end.DocsSyncResult> {
  const { root, config } = opts;
  const say = opts.say ?? (() => {});
  const date = (opts.now ?? new Date()).toISOString().slice(0, 10);
  const { wikiDir, wikiRel } = wikiFolder(root);
  const changes = await changesSinceLastSync(root, config, wikiDir);
  const { main, head } = changes;
  if (opts.dryRun) return end.dryRun(changes, (await surveyWiki(root, wikiDir, config, head)).findings);
  const pending = await pendingReview(root, main);
  if (pending) return end.pendingReview(changes, pending);
  const agent = requireAgent(config, 'docs');

  const wt = await createDocsWorktree(root, date, head);
  say(`worktree ${relative(root, wt.dir)} on ${wt.branch} at ${head.slice(0, 8)}`);
  try {
    const wtWiki = join(wt.dir, wikiRel);
    const survey = await surveyWiki(wt.dir, wtWiki, config, head);
    const { findings } = survey;
    const base = end.syncBase(changes, findings, wt.branch);
    if (nothingToDo(findings)) {
      await removeDocsWorktree(root, wt, true);
      markSynced(root, head);
      return end.upToDate(base, main);
    }

    say(
      `docs agent: ${findings.stale.length} stale page(s), ${findings.uncovered.length} uncovered source(s)`,
    );
    const step = { root, config, agent, dir: wt.dir, wikiRel, head, date, survey, signal: opts.signal };
    const run = await runDocsAgent(step);
    if (run.kind === 'failed') return end.agentFailed(base, wt.dir, run.failure, run.stepDir);
    await recordSync(wt.dir, wtWiki, { wikiRel, date, changes, findings, agent: run.report });

    const gate = await lintGate(root, wt.dir, wtWiki, config);
    if (gate.kind === 'too-many') {
      const reason = raiseDocsYellow(root, gate.problem);
      return end.needsHuman(base, { root, dir: wt.dir, wikiRel }, gate.lint, reason);
    }

    const commit = await commitUpdate(root, wt, wikiRel, head, findings);
    markSynced(root, head, { branch: wt.branch, commit });
    const landing = await landUpdate(root, config, wt, { main, head, commit, wikiRel });
    return end.committed(base, main, commit, gate.lint, landing);
  } catch (err) {
    throw keptForInspection(err, wt);
  }
}

/** The wiki folder, absolute and repo-relative (the worktree has it at the same place). */
function wikiFolder(root: string): { wikiDir: string; wikiRel: string } {
  const wikiDir = jidokaPaths(root).wikiDir;
  if (!existsSync(wikiDir))
    throw usageError(`no wiki folder at ${wikiDir}`, 'run `jidoka init` to scaffold wiki/');
  return { wikiDir, wikiRel: posix.normalize(relative(root, wikiDir).split('\\').join('/')) };
}

/** Something unexpected mid-run: the worktree stays for a person, and the error says where. */
function keptForInspection(err: unknown, wt: DocsWorktree): unknown {
  if (err instanceof JidokaError) return err;
  return new JidokaError(`docs sync failed in ${wt.dir}: ${(err as Error).message}`, {
    exitCode: 1,
    hint: `inspect ${wt.dir}; remove it with \`git worktree remove --force ${wt.dir}\` when done`,
  });
}
