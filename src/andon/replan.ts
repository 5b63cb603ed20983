import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type AgentResult, runAgent } from '../agents/run-agent.js';
import { agentTimeoutMs } from '../config/agents.js';
import type { Config } from '../config/schema.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { setFrontmatterField } from '../core/frontmatter.js';
import { log } from '../core/log.js';
import { jidokaPaths } from '../core/paths.js';
import { clipEnd } from '../core/text.js';
import { markInvalid, planFile } from '../plans/store.js';
import type { Plan } from '../plans/types.js';
import { checkPlan } from '../plans/validate.js';
import { readIncident } from './incident/files.js';
import { renderWhy } from './incident/page.js';
import { replaceSection } from './incident/sections.js';
import { placeholderReason, type Why } from './incident/whys.js';

/**
 * The diagnose role's two jobs after a stop, both read-only on the code:
 *
 * - `replan` (Meta-Andon): a plan failed `limits.consecutiveFailures`
 *   attempts in a row, so more attempts are the wrong answer. The diagnose
 *   agent reads the plan and the incident and writes ONE revised plan into
 *   `JIDOKA_PLANS_DIR`; Jidoka validates it and files it as `proposed`,
 *   with `supersedes:` and `incident:` keys. A human approves it or not.
 * - `draftWhys`: the agent drafts the Five Whys of an incident; a human
 *   still checks them and writes the root cause when resolving.
 *
 * Neither ever throws for what the agent did: the outcome says what
 * happened, and the incident's timeline records it.
 */

/** The diagnose agent's step, for the caller's run record: its folder, start and result (spend, denials). */
export interface DiagnoseStep {
  dir: string;
  started: number;
  result: AgentResult;
}

export interface ReplanResult {
  /** The revised plan's id, when one was filed. */
  planId?: string;
  file?: string;
  /** Validation problems (the plan was filed as invalid, kept for a human). */
  problems: string[];
  agentFailure?: string;
  /** Why nothing ran (no diagnose agent configured). */
  skipped?: string;
  /** The agent's step, when it ran. */
  step?: DiagnoseStep;
}

export async function replan(input: {
  root: string;
  config: Config;
  plan: Plan;
  incidentId: string;
}): Promise<ReplanResult> {
  const { root, config, plan, incidentId } = input;
  const agent = config.agents.diagnose;
  const incident = readIncident(root, incidentId);
  if (!agent) {
    const skipped = 'no diagnose agent is configured (agents.diagnose); write a revised plan by hand';
    appendTimeline(incident.file, `Meta-Andon: ${skipped}`);
    return { problems: [], skipped };
  }
  const stepDir = freshDir(join(jidokaPaths(root).runs, `andon-${incidentId}`), 'replan');
  const staging = join(stepDir, 'plans');
  mkdirSync(staging, { recursive: true });
  const started = Date.now();
  const result = await runAgent({
    role: 'diagnose',
    agent,
    prompt: replanPrompt(root, plan, incident.text, staging),
    cwd: root,
    stepDir,
    plan: plan.id,
    extraEnv: { JIDOKA_PLANS_DIR: staging, JIDOKA_INCIDENT: incidentId },
    timeoutMs: agentTimeoutMs(config, agent),
    maxOutputBytes: config.limits.maxOutputBytes,
  });
  const step = { dir: stepDir, started, result };
  const written = readdirSync(staging)
    .filter((n) => n.endsWith('.md'))
    .sort();
  if (!written.length) {
    const why = result.failure ?? 'the diagnose agent wrote no plan file into JIDOKA_PLANS_DIR';
    appendTimeline(incident.file, `Meta-Andon: no revised plan (${why})`);
    return { problems: [], agentFailure: why, step };
  }
  // One revised plan per incident; extra files stay in the run folder.
  let text = readFileSync(join(staging, written[0]!), 'utf8');
  const id = uniquePlanId(root, `${plan.id}-r`);
  if (!/^---/.test(text)) text = `---\n---\n${text}`;
  for (const [k, v] of [
    ['id', id],
    ['status', 'proposed'],
    ['supersedes', plan.id],
    ['incident', incidentId],
  ] as const)
    text = setFrontmatterField(text, k, v);
  const dest = planFile(root, id);
  const check = checkPlan(text, relative(root, dest), dest, config.limits.maxChunksPerPlan);
  writeFileAtomic(dest, text);
  const problems = check.problems.map(
    (p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.key ? `${p.key}: ` : ''}${p.message}`,
  );
  if (check.problems.length) markInvalid(dest, check.problems);
  appendTimeline(
    incident.file,
    `Meta-Andon: revised plan [${id}](../../../plans/${id}.md) ${problems.length ? `filed as invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})` : 'proposed'} by the diagnose agent; it supersedes \`${plan.id}\``,
  );
  log().info({ plan: plan.id, revised: id, incident: incidentId }, 'Meta-Andon: revised plan proposed');
  return {
    planId: id,
    file: dest,
    problems,
    ...(result.failure ? { agentFailure: result.failure } : {}),
    step,
  };
}

function replanPrompt(root: string, plan: Plan, incidentText: string, staging: string): string {
  const template = join(root, 'plans', 'TEMPLATE.md');
  const planText = existsSync(plan.file) ? readFileSync(plan.file, 'utf8') : '';
  return [
    '# Role: diagnose (read-only re-plan)',
    '',
    `The plan \`${plan.id}\` failed repeatedly and the line was stopped (Meta-Andon). More attempts at the same plan are not the answer: write a revised plan instead.`,
    '',
    'Rules:',
    '- Do not edit, create or delete any file in the repository. Read what you need.',
    `- Write exactly one markdown plan file into the directory in $JIDOKA_PLANS_DIR (${staging}).`,
    `- Frontmatter: id, title, status: proposed, risk, skill, scope (repo-relative globs), goal (statement and objective checks), created; add \`supersedes: ${plan.id}\` and \`incident: <the incident id>\`.`,
    '- Body: a Context section that says what went wrong and what the revision changes, then `## Chunk N: title` sections (smaller chunks than before).',
    '- Address the cause in the incident record, not the symptom; never weaken tests or gates to make the plan pass.',
    '',
    existsSync(template) ? `## Plan template\n\n${clipEnd(readFileSync(template, 'utf8'), 4000)}\n` : '',
    `## The failed plan (${relative(root, plan.file)})`,
    '',
    clipEnd(planText, 16_000),
    '',
    '## The incident record',
    '',
    clipEnd(incidentText, 16_000),
  ].join('\n');
}

/** A step dir no earlier run used, so a second run never reads the first one's files. */
function freshDir(parent: string, name: string): string {
  for (let i = 1; ; i++) {
    const dir = join(parent, i === 1 ? name : `${name}-${i}`);
    if (!existsSync(dir)) return dir;
  }
}

function uniquePlanId(root: string, prefix: string): string {
  for (let i = 2; ; i++) if (!existsSync(planFile(root, `${prefix}${i}`))) return `${prefix}${i}`;
}

// ── Five Whys drafts ───────────────────────────────────────────────────────

export interface DraftResult {
  drafted: boolean;
  whys: Why[];
  reason?: string;
  /** The agent's step, when it ran. */
  step?: DiagnoseStep;
}

/**
 * Ask the diagnose agent to draft the Five Whys of an incident. It reads the
 * incident (and may read the worktree, without editing) and writes
 * `{"whys":[{"hypothesis","verification","conclusion"}, ...]}` to its
 * report file. At least three complete levels are written into the page,
 * marked as a draft; anything less leaves the page for a human.
 */
export async function draftWhys(input: {
  root: string;
  config: Config;
  incidentId: string;
  /** Where the agent may look (the plan's worktree); the repo root otherwise. */
  cwd?: string;
}): Promise<DraftResult> {
  const { root, config, incidentId } = input;
  const agent = config.agents.diagnose;
  const incident = readIncident(root, incidentId);
  if (!agent) return { drafted: false, whys: [], reason: 'no diagnose agent is configured' };
  const stepDir = freshDir(join(jidokaPaths(root).runs, `andon-${incidentId}`), 'whys');
  const started = Date.now();
  const result = await runAgent({
    role: 'diagnose',
    agent,
    prompt: whysPrompt(incident.text),
    cwd: input.cwd ?? root,
    stepDir,
    ...(incident.plan ? { plan: incident.plan } : {}),
    extraEnv: { JIDOKA_INCIDENT: incidentId },
    timeoutMs: agentTimeoutMs(config, agent),
    maxOutputBytes: config.limits.maxOutputBytes,
  });
  const step = { dir: stepDir, started, result };
  const whys = readWhysReport(result.reportFile);
  const complete = whys.filter(
    (w) =>
      !placeholderReason(w.hypothesis) &&
      !placeholderReason(w.verification) &&
      !placeholderReason(w.conclusion),
  );
  if (result.failure || complete.length < 3) {
    const reason =
      result.failure ??
      `the report had ${complete.length} complete why${complete.length === 1 ? '' : 's'}, 3 are needed`;
    appendTimeline(
      incident.file,
      `the diagnose agent did not draft the whys (${reason}); they are left for a human`,
    );
    return { drafted: false, whys: complete, reason, step };
  }
  const current = readFileSync(incident.file, 'utf8');
  const section = [
    `Drafted by the diagnose agent (${agent.adapter}${agent.model ? `, ${agent.model}` : ''}); a person checks each level before resolving.`,
    '',
    ...complete.flatMap((w, i) => [...renderWhy(i + 1, w), '']),
  ].join('\n');
  let text = replaceSection(current, 'Five Whys', section);
  text = setFrontmatterField(text, 'status', 'analyzed');
  writeFileAtomic(incident.file, text);
  appendTimeline(incident.file, `the diagnose agent drafted ${complete.length} whys`);
  return { drafted: true, whys: complete, step };
}

function whysPrompt(incidentText: string): string {
  return [
    '# Role: diagnose (Five Whys draft)',
    '',
    'The line was stopped. Read the incident record below, and the code and history in the current directory if useful. Do not edit any file.',
    '',
    'Write JSON to the file named by $JIDOKA_REPORT_FILE:',
    '',
    '```json',
    '{"whys": [{"hypothesis": "...", "verification": "how you checked it (command, file, evidence)", "conclusion": "what the check showed"}]}',
    '```',
    '',
    'At least three levels, each one asking why the previous conclusion happened, down to a cause a process change can prevent. State only what you verified.',
    '',
    '## The incident record',
    '',
    clipEnd(incidentText, 24_000),
  ].join('\n');
}

function readWhysReport(file: string): Why[] {
  if (!existsSync(file)) return [];
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as { whys?: unknown };
    if (!Array.isArray(value.whys)) return [];
    return value.whys.flatMap((w, i) => {
      if (!w || typeof w !== 'object') return [];
      const o = w as Record<string, unknown>;
      const s = (k: string) =>
        typeof o[k] === 'string' ? (o[k] as string).replace(/\s*\n\s*/g, ' ').trim() : '';
      return [
        {
          n: i + 1,
          hypothesis: s('hypothesis'),
          verification: s('verification'),
          conclusion: s('conclusion'),
        },
      ];
    });
  } catch {
    return [];
  }
}

function appendTimeline(file: string, line: string): void {
  const text = readFileSync(file, 'utf8');
  writeFileAtomic(file, `${text.trimEnd()}\n- ${new Date().toISOString()} ${line}\n`);
}
