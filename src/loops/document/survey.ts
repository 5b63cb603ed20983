import type { Config } from '../../config/schema.js';
import { analyzeWiki } from '../../wiki/lint.js';
import { pageSources, repoPath } from '../../wiki/model.js';
import { stalePages } from '../../wiki/rules/staleness.js';
import { type UncoveredSource, uncoveredSources } from '../../wiki/rules/uncovered.js';
import { boundedDiff } from './git.js';
import type { StalePageBrief } from './prompt.js';

/** What a sync has to do, as the result reports it: repo-relative pages and sources. */
export interface SyncFindings {
  stale: string[];
  unknownVerified: string[];
  uncovered: UncoveredSource[];
}

export interface WikiSurvey {
  findings: SyncFindings;
  /** Each stale page with the commits that made it stale and a bounded diff, for the prompt. */
  briefs: StalePageBrief[];
}

const DIFF_PER_PAGE = 8 * 1024;
const DIFF_TOTAL = 48 * 1024;

/**
 * The wiki in `dir` against `head`: stale pages, pages whose `verified`
 * commit git does not know, and sources no page covers. Read where the agent
 * will work (the worktree), so it sees the same tree; diffs share one budget
 * so a sync of many pages still fits a prompt.
 */
export async function surveyWiki(
  dir: string,
  wikiDir: string,
  config: Config,
  head: string,
): Promise<WikiSurvey> {
  const { model, facts } = await analyzeWiki(dir, wikiDir, { useCache: false });
  if (!facts) return { findings: { stale: [], unknownVerified: [], uncovered: [] }, briefs: [] };
  const briefs: StalePageBrief[] = [];
  let budget = DIFF_TOTAL;
  for (const s of stalePages(model, facts)) {
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
    findings: {
      stale: briefs.map((b) => b.file),
      unknownVerified,
      uncovered: uncoveredSources(model, facts.files, config.docs.uncovered),
    },
    briefs,
  };
}

/** Nothing stale, nothing unknown, nothing uncovered: the wiki is up to date. */
export function nothingToDo(f: SyncFindings): boolean {
  return !f.stale.length && !f.unknownVerified.length && !f.uncovered.length;
}
