import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Logger } from 'pino';
import { runAgent, spendOf } from '../../agents/run-agent.js';
import { agentTimeoutMs, requireAgent } from '../../config/agents.js';
import type { Config } from '../../config/schema.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { setFrontmatterField } from '../../core/frontmatter.js';
import { appendLedger } from '../../core/ledger.js';
import { jidokaPaths } from '../../core/paths.js';
import { gitAt, hasCommits } from '../../git/repo.js';
import { addDetachedWorktree, removeWorktree } from '../../git/worktree.js';
import { recordApproval } from '../../plans/approval.js';
import { markInvalid, planFile, setPlanStatus } from '../../plans/store.js';
import { checkPlan } from '../../plans/validate.js';
import { checkSpecs } from '../checks.js';
import { newRunId } from '../run-record.js';
import { autoApprovable, protectedPaths } from './approval.js';
import { auditorPrompt } from './prompt.js';
import { type AuditSignals, collectSignals, formatSignals } from './signals.js';

/**
 * The audit loop, as a blueprint: collect signals → ask the auditor for plans
 * (written into a staging folder, never straight into plans/) → validate
 * every plan → keep at most `limits.maxPlansPerAudit` as `proposed` (or
 * auto-approve low-risk ones when `approval.auto` allows) → record. Nothing
 * executes until a human approves.
 */
export interface AuditOutcome {
  runDir: string;
  signals: AuditSignals;
  proposed: string[];
  autoApproved: string[];
  invalid: string[];
  overLimit: string[];
  /** Files the auditor changed in its scratch checkout; thrown away with it. */
  discarded?: string[];
  agentFailure?: string;
}

export async function runAudit(opts: {
  root: string;
  config: Config;
  logger: Logger;
  dryRun?: boolean;
  /** Kills the auditor (its process group): the daemon's shutdown ran out of grace. */
  signal?: AbortSignal;
  wikiFindings?: AuditSignals['wiki'];
}): Promise<AuditOutcome> {
  const { root, config } = opts;
  const runDir = join(jidokaPaths(root).runs, newRunId('audit'));
  mkdirSync(runDir, { recursive: true });
  const signals = await collectSignals(root, config, {
    stepDir: runDir,
    ...(opts.wikiFindings ? { wiki: opts.wikiFindings } : {}),
  });
  writeFileAtomic(join(runDir, 'signals.md'), formatSignals(signals));
  const outcome: AuditOutcome = {
    runDir,
    signals,
    proposed: [],
    autoApproved: [],
    invalid: [],
    overLimit: [],
  };
  if (opts.dryRun) return outcome;

  const agent = requireAgent(config, 'auditor');
  const staging = join(runDir, 'plans');
  mkdirSync(staging, { recursive: true });
  // The auditor reads the code in a scratch checkout of HEAD: whatever it edits
  // there is discarded, so the only way its work reaches the line is a plan.
  // Without one it does not run at all: never in the main checkout.
  const scratch = await scratchCheckout(root, basename(runDir));
  if ('problem' in scratch) {
    outcome.agentFailure = `the auditor did not run: ${scratch.problem}`;
    appendLedger(root, 'audit.finished', {
      runDir: relative(root, runDir),
      agentFailure: outcome.agentFailure,
    });
    return outcome;
  }
  let result: Awaited<ReturnType<typeof runAgent>>;
  try {
    result = await runAgent({
      role: 'auditor',
      agent,
      prompt: auditorPrompt(root, config, signals, agent.adapter),
      cwd: scratch.dir,
      stepDir: join(runDir, 'auditor'),
      extraEnv: { JIDOKA_PLANS_DIR: staging },
      timeoutMs: agentTimeoutMs(config, agent),
      maxOutputBytes: config.limits.maxOutputBytes,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    outcome.discarded = await changedFiles(scratch.dir);
  } finally {
    await removeWorktree(root, scratch.dir);
  }
  if (result.failure) outcome.agentFailure = result.failure;
  await intakePlans(root, config, staging, outcome);
  appendLedger(root, 'audit.finished', {
    runDir: relative(root, runDir),
    proposed: outcome.proposed,
    autoApproved: outcome.autoApproved,
    invalid: outcome.invalid,
    overLimit: outcome.overLimit,
    ...(outcome.discarded?.length ? { discarded: outcome.discarded } : {}),
    ...(outcome.agentFailure ? { agentFailure: outcome.agentFailure } : {}),
    // The auditor's spend, counted once here (`jidoka status`, the daily budget).
    ...spendOf(result),
  });
  return outcome;
}

/**
 * Move the auditor's plans from staging into plans/: validated, status forced
 * to proposed, ids never clobbering a plan. At most `limits.maxPlansPerAudit`
 * valid plans land, and as many invalid ones (kept to show what went wrong,
 * but an auditor writing garbage cannot flood plans/); the rest stay in the
 * run's staging folder and are listed as over the limit.
 */
export async function intakePlans(
  root: string,
  config: Config,
  staging: string,
  outcome: AuditOutcome,
): Promise<void> {
  if (!existsSync(staging)) return;
  const files = readdirSync(staging)
    .filter((n) => n.endsWith('.md'))
    .sort();
  if (!files.length) return;
  mkdirSync(join(root, 'plans'), { recursive: true });
  const limit = config.limits.maxPlansPerAudit;
  const guarded = config.approval.auto
    ? protectedPaths(
        (await gitAt(root).raw(['ls-files'])).split('\n').filter(Boolean),
        checkSpecs(config.checks, 0).map((c) => c.command),
      )
    : [];
  for (const name of files) {
    let text = readFileSync(join(staging, name), 'utf8');
    const first = checkPlan(text, `plans/${name}`, join(staging, name), config.limits.maxChunksPerPlan);
    const id = uniqueId(root, first.id.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[-.]+/, '') || 'plan');
    if (first.id !== id && /^---/.test(text)) text = safeSet(text, 'id', id);
    // An agent never approves its own plan.
    text = safeSet(text, 'status', 'proposed');
    const dest = planFile(root, id);
    const check = checkPlan(text, relative(root, dest), dest, config.limits.maxChunksPerPlan);
    const full = check.problems.length
      ? outcome.invalid.length >= limit
      : outcome.proposed.length + outcome.autoApproved.length >= limit;
    if (full) {
      outcome.overLimit.push(name); // kept in the run's staging folder, not queued
      continue;
    }
    writeFileAtomic(dest, text);
    if (check.problems.length) {
      markInvalid(dest, check.problems);
      outcome.invalid.push(id);
      continue;
    }
    if (config.approval.auto && check.plan && autoApprovable(check.plan.risk, check.plan.scope, guarded)) {
      setPlanStatus(dest, 'approved');
      recordApproval(root, id, dest, 'jidoka (approval.auto: low risk, no tests or gates in scope)');
      outcome.autoApproved.push(id);
    } else outcome.proposed.push(id);
  }
}

/** A detached worktree of HEAD under .jidoka/tmp/, or undefined when there is no commit to check out. */
/** A detached checkout of HEAD under `.jidoka/tmp`, or why there is none (no commit yet, git failed). */
async function scratchCheckout(root: string, name: string): Promise<{ dir: string } | { problem: string }> {
  if (!(await hasCommits(gitAt(root))))
    return {
      problem: 'the repository has no commit yet, so there is no code to audit in a scratch checkout',
    };
  const dir = join(jidokaPaths(root).tmp, name);
  try {
    await addDetachedWorktree(root, dir, 'HEAD');
    return { dir };
  } catch (err) {
    return {
      problem: `its scratch checkout ${relative(root, dir)} could not be made (${(err as Error).message.trim()}); fix that, then run \`jidoka audit\` again`,
    };
  }
}

async function changedFiles(dir: string): Promise<string[]> {
  const status = await gitAt(dir).raw(['status', '--porcelain', '--untracked-files=all']);
  return status
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
}

function uniqueId(root: string, id: string): string {
  if (!existsSync(planFile(root, id))) return id;
  for (let i = 2; ; i++) if (!existsSync(planFile(root, `${id}-${i}`))) return `${id}-${i}`;
}

function safeSet(text: string, key: string, value: string): string {
  try {
    return setFrontmatterField(text, key, value);
  } catch {
    return text;
  }
}
