import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { runAgent } from '../../agents/run-agent.js';
import { clearYellow, raiseYellow, readLine } from '../../andon/line.js';
import type { Config } from '../../config/schema.js';
import { JidokaError, usageError } from '../../core/errors.js';
import { jidokaPaths } from '../../core/paths.js';
import { gitAt, mainBranch } from '../../git/repo.js';
import { regenerateIndex } from '../../wiki/index-file.js';
import { analyzeWiki, lintWiki } from '../../wiki/lint.js';
import { appendLogEntry } from '../../wiki/log-file.js';
import { pageSources, repoPath } from '../../wiki/model.js';
import { stalePages } from '../../wiki/rules/staleness.js';
import { type UncoveredSource, uncoveredSources } from '../../wiki/rules/uncovered.js';
import {
  boundedDiff,
  changedFiles,
  commitsSince,
  commitWiki,
  createDocsWorktree,
  type DocsWorktree,
  fastForwardMain,
  isAncestor,
  removeDocsWorktree,
  resolveCommit,
  type SyncCommit,
} from './git.js';
import { buildDocsPrompt, type StalePageBrief } from './prompt.js';
import {
  type DocsState,
  lastSyncFromLog,
  readDocsState,
  renderRunLog,
  runLogPath,
  writeDocsState,
  writeRunLog,
} from './record.js';

export interface DocsSyncOptions {
  root: string;
  config: Config;
  dryRun?: boolean;
  /** The sync's date (tests); today otherwise. */
  now?: Date;
  /** Progress lines for people. */
  say?: (line: string) => void;
}

export type DocsSyncStatus =
  | 'up-to-date'
  | 'pending-review'
  | 'dry-run'
  | 'committed'
  | 'agent-failed'
  | 'needs-human';

export interface DocsSyncResult {
  status: DocsSyncStatus;
  head: string;
  since: string | undefined;
  commits: SyncCommit[];
  stale: string[];
  unknownVerified: string[];
  uncovered: UncoveredSource[];
  branch?: string;
  commit?: string;
  /** Kept for a human when the run stopped short of a commit. */
  worktree?: string;
  lint?: { errors: number; warnings: number; total: number };
  /** Why a `docs.commit: main` update stayed on its branch. */
  notOnMain?: string;
  message: string;
}

const DIFF_PER_PAGE = 8 * 1024;
const DIFF_TOTAL = 48 * 1024;
const YELLOW_PREFIX = 'docs sync:';

/**
 * The documentation loop, as a blueprint: find what changed on main since
 * the last sync, map it to pages through their `sources`, have the docs
 * agent update stale pages and write missing ones in a worktree, regenerate
 * the index, append the log and a run log, lint, then commit on a
 * `jidoka/docs-<date>` branch (or fast-forward main). More issues than
 * `limits.wikiAutoFixMaxIssues` after the agent: nothing is committed, the
 * line turns yellow, and the worktree waits for a human.
 */
export async function syncDocs(opts: DocsSyncOptions): Promise<DocsSyncResult> {
  const { root, config } = opts;
  const say = opts.say ?? (() => {});
  const date = (opts.now ?? new Date()).toISOString().slice(0, 10);
  const wikiDir = jidokaPaths(root).wikiDir;
  const wikiRel = posix.normalize(relative(root, wikiDir).split('\\').join('/'));
  if (!existsSync(wikiDir))
    throw usageError(`no wiki folder at ${wikiDir}`, 'run `jidoka init` to scaffold wiki/');

  // 1. The commits on main since the last sync.
  const main = await mainBranch(gitAt(root), config.git.mainBranch);
  const head = await resolveCommit(root, main);
  if (!head)
    throw usageError(
      `branch ${main} has no commits`,
      'commit something first, or set git.mainBranch in jidoka.yaml',
    );
  const recorded = readDocsState(root)?.lastSync ?? lastSyncFromLog(wikiDir);
  const since = recorded ? await resolveCommit(root, recorded) : undefined;
  const commits = await commitsSince(root, since, head);

  // 2. Map them to pages: stale pages and uncovered sources, against main's tree.
  if (opts.dryRun) {
    const plan = await planSync(root, wikiDir, config, head);
    const result = { status: 'dry-run' as const, head, since, commits, ...plan.summary, message: '' };
    result.message = describeDryRun(result, main);
    return result;
  }
  // A docs branch still waiting for review would only be written again.
  const pending = await pendingReview(root, readDocsState(root), main);
  if (pending)
    return {
      status: 'pending-review',
      head,
      since,
      commits,
      stale: [],
      unknownVerified: [],
      uncovered: [],
      branch: pending,
      message: `the previous docs update waits for review on ${pending}: merge it into ${main} (or delete the branch), then sync again`,
    };
  if (!config.agents.docs)
    throw usageError(
      'no docs agent configured',
      'add agents.docs (adapter, model) to jidoka.yaml; see the file `jidoka init` writes',
    );
  const wt = await createDocsWorktree(root, date, head);
  say(`worktree ${relative(root, wt.dir)} on ${wt.branch} at ${head.slice(0, 8)}`);
  try {
    const wtWiki = join(wt.dir, wikiRel);
    const plan = await planSync(wt.dir, wtWiki, config, head);
    const base = { head, since, commits, ...plan.summary, branch: wt.branch };
    if (
      !plan.summary.stale.length &&
      !plan.summary.unknownVerified.length &&
      !plan.summary.uncovered.length
    ) {
      await removeDocsWorktree(root, wt, true);
      writeDocsState(root, { lastSync: head, at: new Date().toISOString() });
      clearDocsYellow(root);
      return {
        ...base,
        branch: undefined,
        status: 'up-to-date',
        message: `the wiki is up to date with ${main} at ${head.slice(0, 8)}`,
      };
    }

    // 3. The docs agent updates stale pages and writes missing ones.
    say(
      `docs agent: ${plan.summary.stale.length} stale page(s), ${plan.summary.uncovered.length} uncovered source(s)`,
    );
    const prompt = buildDocsPrompt({
      root: wt.dir,
      tool: config.agents.docs.adapter,
      head,
      date,
      wikiRel,
      stale: plan.briefs,
      unknownVerified: plan.summary.unknownVerified,
      uncovered: plan.summary.uncovered,
    });
    const stepDir = join(jidokaPaths(root).runs, `docs-sync-${stamp()}`, 'docs');
    const agent = await runAgent({
      role: 'docs',
      agent: config.agents.docs,
      prompt,
      cwd: wt.dir,
      stepDir,
      timeoutMs: config.agents.docs.timeout ?? config.limits.agentTimeout,
      maxOutputBytes: config.limits.maxOutputBytes,
    });
    if (agent.failure) {
      return {
        ...base,
        status: 'agent-failed',
        worktree: wt.dir,
        message: `the docs agent failed: ${agent.failure}; nothing was committed. Its work (if any) is in ${wt.dir}; the record is in ${stepDir}`,
      };
    }
    const report = readReport(agent.reportFile);
    const outsideWiki = (await changedFiles(wt.dir)).filter((f) => !f.startsWith(`${wikiRel}/`));

    // 4. Run log page, regenerated index, log entry.
    const logPage = runLogPath(wtWiki, date);
    const title = `Docs sync ${logPage.slice('90_LOG/docs-sync-'.length, -3)}`;
    writeRunLog(
      wtWiki,
      logPage,
      renderRunLog(
        {
          wikiRel,
          date,
          title,
          head,
          since,
          commits,
          stale: plan.summary.stale,
          unknownVerified: plan.summary.unknownVerified,
          uncovered: plan.summary.uncovered.map((u) => u.path),
          agent: {
            outcome: 'finished',
            pages: report.pages,
            notes: report.notes,
            costUsd: agent.parsed.costUsd,
          },
          outsideWiki,
        },
        logPage,
      ),
    );
    await regenerateIndex(wt.dir, { wikiDir: wtWiki });
    appendLogEntry(
      wt.dir,
      {
        date,
        kind: 'sync',
        title: `${plan.summary.stale.length} stale, ${plan.summary.uncovered.length} uncovered, ${report.pages.length} pages written by the docs agent`,
        lines: [
          `head: ${head}`,
          `since: ${since ?? 'first sync'}`,
          `commits: ${commits.length}`,
          `run log: [${title}](${logPage})`,
        ],
      },
      { wikiDir: wtWiki },
    );

    // 5. Lint. Too many issues: report, turn the line yellow, wait for a human.
    const lint = await lintWiki({ root: wt.dir, config, wikiDir: wtWiki, useCache: false });
    const total = lint.findings.length;
    const lintSummary = { errors: lint.counts.errors, warnings: lint.counts.warnings, total };
    const limit = config.limits.wikiAutoFixMaxIssues;
    if (total > limit) {
      const reason = `${YELLOW_PREFIX} ${total} wiki lint issues after the docs agent (more than limits.wikiAutoFixMaxIssues = ${limit}); nothing committed, review ${relative(root, wt.dir)}`;
      raiseYellow(root, reason);
      return {
        ...base,
        status: 'needs-human',
        worktree: wt.dir,
        lint: lintSummary,
        message: `${reason}. Run \`jidoka wiki lint ${relative(root, join(wt.dir, wikiRel))}\` there to see them.`,
      };
    }

    // 6. Commit on the docs branch; fast-forward main when so configured.
    const commit = await commitWiki(
      wt.dir,
      wikiRel,
      `docs: sync wiki to ${head.slice(0, 8)} (${plan.summary.stale.length} stale, ${plan.summary.uncovered.length} uncovered)`,
    );
    await removeDocsWorktree(root, wt, false);
    writeDocsState(root, { lastSync: head, at: new Date().toISOString(), branch: wt.branch, commit });
    clearDocsYellow(root);
    let notOnMain: string | undefined;
    if (config.docs.commit === 'main') {
      // A stopped line merges nothing: the update waits on its branch.
      notOnMain =
        readLine(root).state === 'stopped'
          ? 'the line is stopped'
          : await fastForwardMain(root, main, head, commit, wikiRel);
      if (!notOnMain) await gitAt(root).raw(['branch', '-D', wt.branch]);
    }
    const where =
      config.docs.commit === 'main' && !notOnMain
        ? `committed to ${main} (${commit.slice(0, 8)})`
        : `committed on ${wt.branch} (${commit.slice(0, 8)}) for review: git diff ${main}...${wt.branch}`;
    return {
      ...base,
      ...(config.docs.commit === 'main' && !notOnMain ? { branch: undefined } : {}),
      status: 'committed',
      commit,
      lint: lintSummary,
      ...(notOnMain ? { notOnMain } : {}),
      message: `${where}; lint: ${lintSummary.errors} errors, ${lintSummary.warnings} warnings${notOnMain ? `. docs.commit is main, but ${notOnMain}: merge ${wt.branch} yourself` : ''}`,
    };
  } catch (err) {
    // Keep the worktree for a human when something unexpected happened mid-run.
    if (err instanceof JidokaError) throw err;
    throw new JidokaError(`docs sync failed in ${wt.dir}: ${(err as Error).message}`, {
      exitCode: 1,
      hint: `inspect ${wt.dir}; remove it with \`git worktree remove --force ${wt.dir}\` when done`,
    });
  }
}

/** The branch of the last committed sync when it exists, still at that commit, and is not merged into main. */
async function pendingReview(
  root: string,
  state: DocsState | undefined,
  main: string,
): Promise<string | undefined> {
  if (!state?.branch || !state.commit) return undefined;
  const at = await resolveCommit(root, `refs/heads/${state.branch}`);
  if (at !== state.commit) return undefined;
  return (await isAncestor(root, state.commit, main)) ? undefined : state.branch;
}

interface SyncPlan {
  summary: { stale: string[]; unknownVerified: string[]; uncovered: UncoveredSource[] };
  briefs: StalePageBrief[];
}

/** Stale pages (with their commits and bounded diffs) and uncovered sources of the wiki in `dir`. */
async function planSync(dir: string, wikiDir: string, config: Config, head: string): Promise<SyncPlan> {
  const { model, facts } = await analyzeWiki(dir, wikiDir, { useCache: false });
  if (!facts) return { summary: { stale: [], unknownVerified: [], uncovered: [] }, briefs: [] };
  const stale = stalePages(model, facts);
  const briefs: StalePageBrief[] = [];
  let budget = DIFF_TOTAL;
  for (const s of stale) {
    const files = [...new Set(s.commits.flatMap((c) => c.files))];
    const diff =
      budget > 0 ? await boundedDiff(dir, s.verified, head, files, Math.min(DIFF_PER_PAGE, budget)) : '';
    budget -= Buffer.byteLength(diff);
    briefs.push({
      file: repoPath(model, s.page.path),
      sources: [...pageSources(s.page)],
      verified: s.verified,
      commits: s.commits,
      diff,
    });
  }
  const unknownVerified = [...model.pages.values()]
    .filter((p) => {
      const v = p.frontmatter.data.verified;
      return typeof v === 'string' && pageSources(p).length > 0 && facts.resolved.get(v) === null;
    })
    .map((p) => repoPath(model, p.path));
  return {
    summary: {
      stale: briefs.map((b) => b.file),
      unknownVerified,
      uncovered: uncoveredSources(model, facts.files, config.docs.uncovered),
    },
    briefs,
  };
}

function describeDryRun(r: Omit<DocsSyncResult, 'message'>, main: string): string {
  const lines = [
    `dry run: nothing changed. ${main} is at ${r.head.slice(0, 8)}; ${r.commits.length} commit(s) since ${r.since ? `the last sync (${r.since.slice(0, 8)})` : 'the start (no sync recorded)'}.`,
  ];
  if (!r.stale.length && !r.unknownVerified.length && !r.uncovered.length)
    lines.push('The wiki is up to date: nothing to do.');
  for (const p of r.stale) lines.push(`would update ${p}: its sources changed after its verified commit`);
  for (const p of r.unknownVerified) lines.push(`would re-check ${p}: its verified commit is unknown`);
  for (const u of r.uncovered)
    lines.push(`would ask for a page covering ${u.path}: no page's sources include it`);
  return lines.join('\n');
}

function readReport(file: string): { pages: string[]; notes: string } {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { pages?: unknown; notes?: unknown };
    return {
      pages: Array.isArray(v.pages) ? v.pages.filter((p): p is string => typeof p === 'string') : [],
      notes: typeof v.notes === 'string' ? v.notes : '',
    };
  } catch {
    // The docs report is informational: the lint, not the agent's claim, decides.
    return { pages: [], notes: '' };
  }
}

/** A yellow raised by an earlier docs sync clears once a sync succeeds. */
function clearDocsYellow(root: string): void {
  if (readLine(root).yellow?.reason.startsWith(YELLOW_PREFIX)) clearYellow(root);
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

export type { DocsWorktree };
