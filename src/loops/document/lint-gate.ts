import { relative } from 'node:path';
import type { Config } from '../../config/schema.js';
import { lintWiki } from '../../wiki/lint.js';

export interface LintSummary {
  errors: number;
  warnings: number;
  total: number;
}

export type LintGate =
  | { kind: 'pass'; lint: LintSummary }
  | { kind: 'too-many'; lint: LintSummary; problem: string };

/**
 * The worktree's wiki linted without the cache (the agent just rewrote it).
 * Up to `limits.wikiAutoFixMaxIssues` findings pass and their counts go to
 * the reviewer with the commit; more mean no automatic fix: the sync stops
 * before anything is committed and waits for a person.
 */
export async function lintGate(
  root: string,
  dir: string,
  wikiDir: string,
  config: Config,
): Promise<LintGate> {
  const report = await lintWiki({ root: dir, config, wikiDir, useCache: false });
  const total = report.findings.length;
  const lint = { errors: report.counts.errors, warnings: report.counts.warnings, total };
  const limit = config.limits.wikiAutoFixMaxIssues;
  if (total <= limit) return { kind: 'pass', lint };
  return {
    kind: 'too-many',
    lint,
    problem: `${total} wiki lint issues after the docs agent (more than limits.wikiAutoFixMaxIssues = ${limit}); nothing committed, review ${relative(root, dir)}`,
  };
}
