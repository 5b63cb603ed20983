import type { GitFacts } from '../git-facts.js';
import { pageSources, repoPath, sourcesMatcher, type WikiModel } from '../model.js';
import type { LintFinding, PageInfo } from '../types.js';
import { finding } from './finding.js';

export interface StaleInfo {
  page: PageInfo;
  verified: string;
  /** Commits after `verified` touching the page's sources, newest first, with only the matching files. */
  commits: { sha: string; subject: string; files: string[] }[];
}

/** Pages whose sources changed in commits after their `verified` sha. The docs loop uses this too. */
export function stalePages(model: WikiModel, facts: GitFacts): StaleInfo[] {
  const out: StaleInfo[] = [];
  for (const page of model.pages.values()) {
    const verified = page.frontmatter.data.verified;
    const sources = pageSources(page);
    if (typeof verified !== 'string' || !sources.length) continue;
    const full = facts.resolved.get(verified);
    const after = full ? facts.after.get(full) : undefined;
    if (!full || !after?.length) continue;
    const match = sourcesMatcher(sources);
    const commits = [];
    for (const c of after) {
      const files = c.files.filter(match);
      if (files.length) commits.push({ sha: c.sha, subject: c.subject, files });
    }
    if (commits.length) out.push({ page, verified: full, commits });
  }
  return out;
}

/** stale-page and unknown-verified. */
export function stalenessRules(model: WikiModel, facts: GitFacts): LintFinding[] {
  const out: LintFinding[] = [];
  // Only pages whose `verified` git does not know; the rest are looked at by stalePages.
  if ([...facts.resolved.values()].includes(null))
    for (const page of model.pages.values()) {
      const verified = page.frontmatter.data.verified;
      if (typeof verified !== 'string' || !pageSources(page).length) continue;
      if (facts.resolved.get(verified) === null)
        out.push(
          finding(
            'unknown-verified',
            repoPath(model, page.path),
            page.frontmatter.keyLines.verified ?? 1,
            1,
            `verified: ${verified} is not a commit in this repository (rewritten history or a typo; a shallow clone lacks old commits); check the page against the code and set verified to the current commit (${facts.head})`,
          ),
        );
    }
  for (const s of stalePages(model, facts)) {
    const files = [...new Set(s.commits.flatMap((c) => c.files))];
    const commits = s.commits.slice(0, 5).map((c) => `${c.sha.slice(0, 8)} "${clip(c.subject, 60)}"`);
    out.push(
      finding(
        'stale-page',
        repoPath(model, s.page.path),
        s.page.frontmatter.keyLines.verified ?? 1,
        1,
        `${list(files, 5)} changed in ${s.commits.length} commit${s.commits.length === 1 ? '' : 's'} after verified ${s.verified.slice(0, 8)} (${commits.join(', ')}${s.commits.length > 5 ? ', …' : ''}); update the page for those changes, then set verified: ${facts.head}`,
      ),
    );
  }
  return out;
}

function list(items: string[], max: number): string {
  return items.length > max
    ? `${items.slice(0, max).join(', ')} and ${items.length - max} more`
    : items.join(', ');
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
