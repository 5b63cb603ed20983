import type { Config } from '../config/schema.js';
import { JidokaError } from '../core/errors.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';
import { planBranch } from '../git/worktree.js';
import { type AttemptRecord, readPlanState } from '../loops/execute/plan-state.js';
import { findPlan } from '../plans/store.js';

/** What a reviewer needs before `jidoka merge`: the branch's diff against main and how each chunk got there. */
export interface Review {
  plan: string;
  title: string | undefined;
  status: string | undefined;
  branch: string;
  main: string;
  base: string;
  commits: { sha: string; subject: string }[];
  diffStat: string;
  diff: string;
  chunks: { number: number; title: string; attempts: AttemptRecord[] }[];
  goal: AttemptRecord[];
  spend: { usd: number; tokens: number };
}

export async function buildReview(root: string, config: Config, planId: string): Promise<Review> {
  const entry = findPlan(root, planId, config.limits.maxChunksPerPlan);
  const git = gitAt(root);
  const main = await mainBranch(git, config.git.mainBranch);
  const branch = planBranch(planId);
  if (!(await revParse(git, `refs/heads/${branch}`))) {
    throw new JidokaError(`plan ${planId} has no branch ${branch} yet`, {
      exitCode: 1,
      hint: `run it first: \`jidoka run ${planId}\``,
    });
  }
  const base = (await git.raw(['merge-base', main, branch])).trim();
  const log = (await git.raw(['log', '--reverse', '--format=%H%x00%s', `${base}..${branch}`])).trim();
  const state = readPlanState(root, planId);
  const chunks = (entry.plan?.chunks ?? []).map((c) => ({
    number: c.number,
    title: c.title,
    attempts: (state?.attempts ?? []).filter((a) => a.chunk === c.number),
  }));
  return {
    plan: planId,
    title: entry.plan?.title,
    status: entry.status,
    branch,
    main,
    base,
    commits: log
      ? log.split('\n').map((l) => {
          const [sha, subject] = l.split('\x00');
          return { sha: sha!, subject: subject ?? '' };
        })
      : [],
    diffStat: (await git.raw(['diff', '--stat', `${base}..${branch}`])).trimEnd(),
    diff: await git.raw(['diff', '--no-color', `${base}..${branch}`]),
    chunks,
    goal: (state?.attempts ?? []).filter((a) => a.chunk > chunks.length),
    spend: state?.spend ?? { usd: 0, tokens: 0 },
  };
}

export function formatReview(r: Review): string {
  const out: string[] = [];
  out.push(
    `Plan ${r.plan}: ${r.title ?? ''} (${r.status})`,
    `Branch ${r.branch} against ${r.main} (base ${r.base.slice(0, 12)})`,
    '',
  );
  out.push('Commits:', ...r.commits.map((c) => `  ${c.sha.slice(0, 12)} ${c.subject}`), '');
  out.push('Chunks:');
  for (const c of r.chunks) {
    out.push(`  ${c.number}. ${c.title}`);
    for (const a of c.attempts) out.push(`     ${formatAttempt(a)}`);
    if (!c.attempts.length) out.push('     (no recorded attempts)');
  }
  if (r.goal.length) {
    out.push('  goal');
    for (const a of r.goal) out.push(`     ${formatAttempt(a)}`);
  }
  out.push(
    '',
    `Spend: $${r.spend.usd.toFixed(4)}, ${r.spend.tokens} tokens`,
    '',
    'Diff stat:',
    r.diffStat || '  (no changes)',
    '',
    'Diff:',
    r.diff,
  );
  out.push(`Merge with \`jidoka merge ${r.plan}\` (or \`jidoka merge ${r.plan} --pr\` for a draft PR).`);
  return out.join('\n');
}

function formatAttempt(a: AttemptRecord): string {
  const checks = a.checks.length
    ? ` checks ${a.checks.filter((c) => c.passed).length}/${a.checks.length} passed;`
    : '';
  const verdict = a.verdict
    ? ` verdict ${a.verdict.decision}${a.verdict.reasons.length ? `: ${a.verdict.reasons.join('; ')}` : ''};`
    : '';
  const reasons = !a.verdict && a.reasons.length ? ` ${a.reasons.join('; ')};` : '';
  return `attempt ${a.attempt}: ${a.outcome};${checks}${verdict}${reasons} $${a.costUsd.toFixed(4)}, ${a.tokens} tokens${a.commit ? `; commit ${a.commit.slice(0, 12)}` : ''}${a.incident ? `; incident ${a.incident}` : ''}`;
}
