import type { Config } from '../config/schema.js';
import { ROLES, type Role } from '../config/schema.js';
import { JidokaError } from '../core/errors.js';
import { gitAt, mainBranch, revParse } from '../git/repo.js';
import { planBranch } from '../git/worktree.js';
import { type AttemptRecord, type MergeCheck, readPlanState } from '../loops/execute/plan-state.js';
import { readRun } from '../loops/run-record.js';
import { findPlan } from '../plans/store.js';

/** One agent step of one of the plan's runs: what it spent, and what its CLI refused it. */
export interface StepSpend {
  run: string;
  name: string;
  chunk?: number;
  attempt?: number;
  outcome: string;
  costUsd: number;
  tokens: number;
  permissionDenials?: string[];
}

/**
 * What a reviewer needs before `jidoka merge`: the branch's diff against
 * main, how each chunk got there, every goal verdict with its evidence, the
 * spend of every agent step and the tool uses their CLIs refused.
 */
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
  /** Every goal check, met or not, with the goal-checker's verdict and evidence. */
  goal: AttemptRecord[];
  /** Every agent step of every run of the plan, from the run records. */
  steps: StepSpend[];
  /** Refused tool uses across those steps, in all and by role. */
  permissionDenials: { total: number; byRole: Partial<Record<Role, number>> };
  spend: { usd: number; tokens: number };
  /** The merge queue's last result for the plan (merged with main in a scratch worktree, checks run there). */
  mergeCheck?: MergeCheck;
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
  const steps = agentSteps(root, state?.runIds ?? []);
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
    steps,
    permissionDenials: countDenials(steps),
    spend: state?.spend ?? { usd: 0, tokens: 0 },
    ...(state?.mergeCheck ? { mergeCheck: state.mergeCheck } : {}),
  };
}

/** The agent steps (a role's name) of the plan's runs, oldest run first. */
function agentSteps(root: string, runIds: string[]): StepSpend[] {
  const out: StepSpend[] = [];
  for (const id of runIds) {
    for (const s of readRun(root, id)?.steps ?? []) {
      if (!(ROLES as readonly string[]).includes(s.name)) continue;
      out.push({
        run: id,
        name: s.name,
        ...(s.chunk !== undefined ? { chunk: s.chunk } : {}),
        ...(s.attempt !== undefined ? { attempt: s.attempt } : {}),
        outcome: s.outcome,
        costUsd: s.costUsd ?? 0,
        tokens: s.tokens ?? 0,
        ...(s.permissionDenials?.length ? { permissionDenials: s.permissionDenials } : {}),
      });
    }
  }
  return out;
}

function countDenials(steps: StepSpend[]): Review['permissionDenials'] {
  const byRole: Partial<Record<Role, number>> = {};
  let total = 0;
  for (const s of steps) {
    const n = s.permissionDenials?.length ?? 0;
    if (!n) continue;
    total += n;
    byRole[s.name as Role] = (byRole[s.name as Role] ?? 0) + n;
  }
  return { total, byRole };
}

export function formatReview(r: Review): string {
  const out: string[] = [];
  const stepsOf = (a: AttemptRecord) =>
    r.steps.filter((s) => s.run === a.runId && s.chunk === a.chunk && s.attempt === a.attempt);
  const shown = new Set<StepSpend>();
  const pushSteps = (a: AttemptRecord) => {
    for (const s of stepsOf(a)) {
      shown.add(s);
      out.push(`       ${formatStep(s)}`);
    }
  };
  out.push(
    `Plan ${r.plan}: ${r.title ?? ''} (${r.status})`,
    `Branch ${r.branch} against ${r.main} (base ${r.base.slice(0, 12)})`,
    '',
  );
  out.push('Commits:', ...r.commits.map((c) => `  ${c.sha.slice(0, 12)} ${c.subject}`), '');
  out.push('Chunks:');
  for (const c of r.chunks) {
    out.push(`  ${c.number}. ${c.title}`);
    for (const a of c.attempts) {
      out.push(`     ${formatAttempt(a)}`);
      pushSteps(a);
    }
    if (!c.attempts.length) out.push('     (no recorded attempts)');
  }
  if (r.goal.length) {
    out.push('  goal');
    for (const a of r.goal) {
      out.push(`     ${formatGoal(a)}`);
      pushSteps(a);
    }
  }
  const others = r.steps.filter((s) => !shown.has(s));
  if (others.length) {
    out.push('  other agent steps');
    for (const s of others) out.push(`     ${formatStep(s)}`);
  }
  const d = r.permissionDenials;
  out.push(
    '',
    `Spend: $${r.spend.usd.toFixed(4)}, ${r.spend.tokens} tokens${spendByRole(r.steps)}`,
    `Permission denials: ${
      d.total
        ? `${d.total} (${Object.entries(d.byRole)
            .map(([role, n]) => `${role} ${n}`)
            .join(', ')})`
        : 'none'
    }`,
    '',
    'Diff stat:',
    r.diffStat || '  (no changes)',
    '',
    'Diff:',
    r.diff,
  );
  out.push(...mergeSection(r));
  return out.join('\n');
}

/**
 * What the merge queue made of the plan, and what to do next: a merged
 * result that failed says why (the conflicted files, or the checks that
 * failed on the merged tree with their output) and how to run it again on
 * the new main.
 */
function mergeSection(r: Review): string[] {
  const c = r.mergeCheck;
  const merge = `Merge with \`jidoka merge ${r.plan}\` (or \`jidoka merge ${r.plan} --pr\` for a draft PR).`;
  if (!c) return [merge];
  const on = `${c.main} at ${c.mainSha.slice(0, 12)}, ${r.branch} at ${c.branchSha.slice(0, 12)}, ${c.at}`;
  if (c.status === 'merged') return ['', `Merged into ${c.main}: ${c.commit?.slice(0, 12) ?? ''} (${on}).`];
  if (c.status === 'ready')
    return [
      '',
      `Merge queue: ready; merged with ${on}, the checks pass (${c.commit?.slice(0, 12) ?? ''}).`,
      merge,
    ];
  const upToDate = `cd .jidoka/worktrees/${r.plan} && git merge ${c.main}`;
  const again = `The queue checks the plan again by itself when ${c.main} or ${r.branch} moves; \`jidoka merge ${r.plan}\` runs the same step now.`;
  if (c.status === 'conflict')
    return [
      '',
      `Merge queue: NOT MERGED, conflict with ${c.main} (${on}) in: ${(c.files ?? []).join(', ') || c.reason}.`,
      `To run it on the new ${c.main}: ${upToDate}, resolve those files and commit; then \`jidoka merge ${r.plan}\`.`,
      again,
    ];
  return [
    '',
    `Merge queue: NOT MERGED, the checks failed on ${r.branch} merged with ${c.main} (${on}): ${(c.failedChecks ?? []).join(', ')}.`,
    ...(c.output ? ['Output of the failing checks on the merged tree:', c.output.trimEnd()] : []),
    `To run it on the new ${c.main}: ${upToDate}, make those checks pass there and commit; then \`jidoka merge ${r.plan}\`.`,
    again,
  ];
}

function spendByRole(steps: StepSpend[]): string {
  const by = new Map<string, { usd: number; tokens: number }>();
  for (const s of steps) {
    const t = by.get(s.name) ?? { usd: 0, tokens: 0 };
    t.usd += s.costUsd;
    t.tokens += s.tokens;
    by.set(s.name, t);
  }
  if (!by.size) return '';
  return ` (${[...by].map(([name, t]) => `${name} $${t.usd.toFixed(4)}, ${t.tokens} tokens`).join('; ')})`;
}

function formatStep(s: StepSpend): string {
  const refused = s.permissionDenials?.length ? `; refused: ${s.permissionDenials.join('; ')}` : '';
  const failed = s.outcome === 'finished' ? '' : `; ${s.outcome}`;
  return `${s.name}: $${s.costUsd.toFixed(4)}, ${s.tokens} tokens${failed}${refused}`;
}

function formatAttempt(a: AttemptRecord): string {
  const checks = a.checks.length
    ? ` checks ${a.checks.filter((c) => c.passed).length}/${a.checks.length} passed;`
    : '';
  const verdict = a.verdict
    ? ` verdict ${a.verdict.decision}${a.verdict.reasons.length ? `: ${a.verdict.reasons.join('; ')}` : ''};`
    : '';
  const reasons = !a.verdict && a.reasons.length ? ` ${a.reasons.join('; ')};` : '';
  return `attempt ${a.attempt}: ${a.outcome};${checks}${verdict}${denied(a)}${reasons} $${a.costUsd.toFixed(4)}, ${a.tokens} tokens${a.commit ? `; commit ${a.commit.slice(0, 12)}` : ''}${a.incident ? `; incident ${a.incident}` : ''}`;
}

/** A goal check: met or not, the goal checks, the goal-checker's evidence (or why there is no verdict). */
function formatGoal(a: AttemptRecord): string {
  const checks = a.checks.length
    ? ` goal checks ${a.checks.filter((c) => c.passed).length}/${a.checks.length} passed;`
    : '';
  const evidence = a.reasons.length ? ` ${a.verdict ? 'evidence: ' : ''}${a.reasons.join('; ')};` : '';
  return `check ${a.attempt}: ${a.outcome === 'accepted' ? 'met' : 'not met'};${checks}${evidence}${denied(a)} $${a.costUsd.toFixed(4)}, ${a.tokens} tokens${a.incident ? `; incident ${a.incident}` : ''}`;
}

/** The refused tool uses, by step, next to the verdict they may have shaped. */
function denied(a: AttemptRecord): string {
  return Object.entries(a.permissionDenials ?? {})
    .map(([step, list]) => ` ${step} was refused: ${list.join('; ')};`)
    .join('');
}
