import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '../config/schema.js';
import { parseFrontmatter } from '../core/frontmatter.js';
import { clipChars, clipEnd, clipStart } from '../core/text.js';
import type { CheckResult } from '../core/types.js';
import type { Chunk, Plan } from '../plans/types.js';
import { DEFAULT_ROLE_TEXT, ROLE_FILES, ROLE_TITLES } from './roles.js';
import { READ_ONLY_ROLES } from './run-agent.js';
import { CHECKER_SHAPE, GOAL_SHAPE } from './verdict.js';

export interface PromptInput {
  root: string;
  role: Role;
  plan: Plan;
  chunk?: Chunk;
  attempt?: number;
  /** Bounded here: reasons are capped, the failing output keeps its last 4 KB. */
  retry?: { checkerReasons: string[]; failingOutput: string };
  /** For the checker / goal-checker; when absent, the prompt says what is inserted at run time. */
  diff?: string;
  checks?: CheckResult[];
  /** For the checker: tool uses the maker's CLI refused (e.g. `Bash: npm test`), so it knows what the maker could not do. */
  makerDenials?: string[];
  /** Where the agent writes its report; when absent the prompt points at $JIDOKA_REPORT_FILE. */
  reportFile?: string;
  /** Adapter name, to pick `.agents/<tool>/agents/<role>.md`. */
  tool?: string;
}

/** The JSON each role writes to its report file. Only the checker's and goal-checker's are verdicts. */
export const REPORT_SHAPES: Record<Role, string> = {
  maker: '{"summary": "what you changed and how you tested it", "done": true | false}',
  checker: CHECKER_SHAPE,
  goal: GOAL_SHAPE,
  auditor: '{"plans": ["<id of each plan file you wrote>"], "notes": "..."}',
  docs: '{"pages": ["wiki/<each page you wrote or updated>.md"], "notes": "..."}',
  diagnose:
    '{"whys": [{"why": "...", "hypothesis": "...", "verification": "...", "conclusion": "..."}], "rootCause": "...", "countermeasure": {"measure": "...", "level": "L1" | "L2" | "L3" | "L4", "where": "..."}}',
};

const LIMITS = {
  failingOutput: 4 * 1024,
  reasons: 20,
  reasonChars: 1000,
  diff: 200 * 1024,
  checkOutput: 2 * 1024,
};

/**
 * Assemble the prompt for one role from files the user can read and edit:
 * the role file, the plan's skill, agents/CONTEXT.md (with its Standards),
 * agents/GOALS.md, agents/LANGUAGE.md, then the plan, the chunk, the scope,
 * retry feedback, review material and the report contract. Pure apart from
 * reading those files; `jidoka prompt` prints exactly this.
 */
export function buildPrompt(input: PromptInput): string {
  const { root, role, plan } = input;
  const chunk = input.chunk ?? (role === 'maker' || role === 'checker' ? plan.chunks[0] : undefined);
  const parts: string[] = [];

  parts.push(header(input, chunk));
  parts.push(roleText(root, role, input.tool));
  if (plan.skill) parts.push(fileSection(root, `skills/${plan.skill}.md`, `Skill: ${plan.skill}`));
  for (const f of ['agents/CONTEXT.md', 'agents/GOALS.md', 'agents/LANGUAGE.md'])
    parts.push(fileSection(root, f, f));
  parts.push(planSection(plan, role));
  if (chunk && role !== 'goal') parts.push(chunkSection(plan, chunk));
  parts.push(scopeSection(plan, role));
  if (input.retry) parts.push(retrySection(input.retry));
  if (role === 'checker' || role === 'goal') {
    parts.push(diffSection(input.diff, role));
    parts.push(checksSection(input.checks, role));
  }
  if (role === 'checker' && input.makerDenials?.length) parts.push(denialsSection(input.makerDenials));
  parts.push(reportSection(role, input.reportFile));
  return `${parts.filter(Boolean).join('\n\n---\n\n').trim()}\n`;
}

/**
 * The prompt for a role that works on the repository rather than a plan's
 * chunk (auditor, docs, diagnose): the same role file, skill and context
 * files as buildPrompt, then the caller's task sections, then the report
 * contract. One assembly for every role, so users edit prompts in one place.
 */
export function buildRepoPrompt(input: {
  root: string;
  role: Role;
  title: string;
  skill?: string;
  sections: string[];
  reportFile?: string;
  tool?: string;
}): string {
  const lines = [
    `# Jidoka: you are the ${ROLE_TITLES[input.role]}: ${input.title}`,
    '',
    'You run non-interactively: nobody will answer questions. Decide, act, and finish.',
  ];
  if (READ_ONLY_ROLES.includes(input.role))
    lines.push(
      'You are READ-ONLY in the repository: do not edit its files. Write only where this prompt tells you to (your report file, or the plans directory).',
    );
  const parts = [lines.join('\n'), roleText(input.root, input.role, input.tool)];
  if (input.skill) parts.push(fileSection(input.root, `skills/${input.skill}.md`, `Skill: ${input.skill}`));
  for (const f of ['agents/CONTEXT.md', 'agents/GOALS.md', 'agents/LANGUAGE.md'])
    parts.push(fileSection(input.root, f, f));
  parts.push(...input.sections, reportSection(input.role, input.reportFile));
  return `${parts.filter(Boolean).join('\n\n---\n\n').trim()}\n`;
}

function header(input: PromptInput, chunk: Chunk | undefined): string {
  const { role, plan } = input;
  const where =
    role === 'goal' || !chunk
      ? `plan \`${plan.id}\` (${plan.title})`
      : `plan \`${plan.id}\` (${plan.title}), chunk ${chunk.number} of ${plan.chunks.length}: ${chunk.title}`;
  const attempt = input.attempt ? `, attempt ${input.attempt}` : '';
  const lines = [`# Jidoka: you are the ${ROLE_TITLES[role]} for ${where}${attempt}`, ''];
  lines.push('You run non-interactively: nobody will answer questions. Decide, act, and finish.');
  if (READ_ONLY_ROLES.includes(role))
    lines.push(
      'You are READ-ONLY: you must not create, edit or delete any file in the repository or worktree. The only file you write is your report file (see the end of this prompt).',
    );
  return lines.join('\n');
}

/** `.agents/<tool>/agents/<role file>` without its frontmatter, else the built-in text. */
function roleText(root: string, role: Role, tool: string | undefined): string {
  if (tool) {
    const rel = `.agents/${tool}/agents/${ROLE_FILES[role]}`;
    const file = join(root, rel);
    if (existsSync(file)) {
      const body = parseFrontmatter(readFileSync(file, 'utf8')).body.trim();
      return `<!-- role: ${rel} -->\n${body}`;
    }
  }
  return `<!-- role: built-in default (create .agents/${tool ?? '<tool>'}/agents/${ROLE_FILES[role]} to replace it) -->\n${DEFAULT_ROLE_TEXT[role]}`;
}

function fileSection(root: string, rel: string, title: string): string {
  const file = join(root, rel);
  if (!existsSync(file)) return `# ${title}\n\n(${rel} does not exist in this repository.)`;
  return `<!-- from ${rel} -->\n${readFileSync(file, 'utf8').trim()}`;
}

function planSection(plan: Plan, role: Role): string {
  const lines = [`# Plan: ${plan.title}`, '', `- id: \`${plan.id}\``, `- risk: ${plan.risk}`];
  if (plan.skill) lines.push(`- skill: ${plan.skill}`);
  lines.push(`- goal: ${plan.goal.statement}`);
  if (plan.goal.checks.length) {
    lines.push('- goal checks (Jidoka runs these; each must exit 0):');
    for (const c of plan.goal.checks) lines.push(`  - \`${c}\``);
  }
  if (plan.context.trim()) lines.push('', plan.context.trim());
  if (role === 'goal') {
    lines.push('', '## Chunks (all done)', '');
    for (const c of plan.chunks) lines.push(`${c.number}. ${c.title}`);
  }
  return lines.join('\n');
}

function chunkSection(plan: Plan, chunk: Chunk): string {
  return `# Chunk ${chunk.number} of ${plan.chunks.length}: ${chunk.title}\n\n${chunk.body.trim()}`;
}

function scopeSection(plan: Plan, role: Role): string {
  const globs = plan.scope.length
    ? plan.scope.map((g) => `- \`${g}\``).join('\n')
    : '- (no scope: no file may change)';
  const lead =
    role === 'maker'
      ? 'You may change only files matching these globs (relative to the repository root). Any other change blocks the chunk; several roll it back.'
      : 'The maker may change only files matching these globs (relative to the repository root).';
  return `# Scope\n\n${lead}\n\n${globs}`;
}

function retrySection(retry: { checkerReasons: string[]; failingOutput: string }): string {
  const lines = [
    '# Retry: the previous attempt was not accepted',
    '',
    'Fix every point below; do not start over unless a point says so.',
  ];
  const reasons = retry.checkerReasons.slice(0, LIMITS.reasons);
  if (reasons.length) {
    lines.push('', '## Reasons', '');
    for (const r of reasons) lines.push(`- ${clipChars(r.trim(), LIMITS.reasonChars)}`);
    if (retry.checkerReasons.length > reasons.length)
      lines.push(`- (${retry.checkerReasons.length - reasons.length} more reasons omitted)`);
  }
  if (retry.failingOutput.trim())
    lines.push(
      '',
      `## Failing check output (last ${LIMITS.failingOutput / 1024} KB)`,
      '',
      fence(clipEnd(retry.failingOutput, LIMITS.failingOutput)),
    );
  return lines.join('\n');
}

function diffSection(diff: string | undefined, role: Role): string {
  const what =
    role === 'checker' ? 'this attempt against the chunk’s start' : 'the whole plan against its base';
  if (diff === undefined)
    return `# Diff\n\n(Inserted at run time: the git diff of ${what}, up to ${LIMITS.diff / 1024} KB.)`;
  const body = clipStart(diff, LIMITS.diff, 'read the rest with `git diff`');
  return `# Diff of ${what}\n\n${fence(body || '(empty diff)', 'diff')}`;
}

function checksSection(checks: CheckResult[] | undefined, role: Role): string {
  const which = role === 'checker' ? 'the configured checks' : 'the goal checks';
  if (checks === undefined)
    return `# Checks Jidoka ran\n\n(Inserted at run time: the result of each of ${which}, run by Jidoka in the worktree, with the last ${LIMITS.checkOutput / 1024} KB of its output.)`;
  if (!checks.length) return `# Checks Jidoka ran\n\n(none are configured)`;
  const lines = [
    '# Checks Jidoka ran',
    '',
    'These results are the facts; an agent’s claim about checks is not.',
  ];
  for (const c of checks) {
    const status = c.passed ? 'PASSED' : c.timedOut ? 'TIMED OUT' : `FAILED (exit ${c.exitCode ?? c.signal})`;
    lines.push('', `## ${c.name}: ${status}`, '', `\`${c.command}\`, ${c.durationMs} ms`);
    if (c.tests)
      lines.push(
        `tests: ${c.tests.passed ?? '?'} passed, ${c.tests.failed ?? '?'} failed${c.tests.failing.length ? `: ${c.tests.failing.slice(0, 10).join('; ')}` : ''}`,
      );
    if (!c.passed && c.output.trim()) lines.push('', fence(clipEnd(c.output, LIMITS.checkOutput)));
  }
  return lines.join('\n');
}

function denialsSection(denials: string[]): string {
  const shown = denials.slice(0, LIMITS.reasons);
  return [
    '# What the maker was refused',
    '',
    'The maker’s CLI refused these tool uses, so the maker could not do them (it may not have run the tests it meant to). Judge the change without assuming it did; the checks above are what Jidoka ran.',
    '',
    ...shown.map((d) => `- ${clipChars(d.trim(), LIMITS.reasonChars)}`),
    ...(denials.length > shown.length ? [`- (${denials.length - shown.length} more omitted)`] : []),
  ].join('\n');
}

function reportSection(role: Role, reportFile: string | undefined): string {
  const where = reportFile
    ? `\`${reportFile}\` (also in the environment as \`$JIDOKA_REPORT_FILE\`)`
    : 'the file named by the environment variable `$JIDOKA_REPORT_FILE`';
  const lines = ['# Your report', ''];
  if (role === 'checker' || role === 'goal') {
    lines.push(
      `Write your verdict as exactly one JSON object to ${where}, and nothing else into that file. Jidoka reads your verdict only from this file, never from your messages; a missing or malformed report counts as a failure, never as a pass.`,
    );
  } else {
    lines.push(
      `When you finish, write one JSON object to ${where}. Your final message is kept as your summary.`,
    );
  }
  lines.push('', 'Shape:', '', fence(REPORT_SHAPES[role], 'json'));
  if (role === 'auditor')
    lines.push('', 'Write each plan as `<id>.md` into the directory named by `$JIDOKA_PLANS_DIR`.');
  return lines.join('\n');
}

/** A fenced block whose fence is longer than any backtick run inside. */
function fence(text: string, lang = 'text'): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}${lang}\n${text.replace(/\n+$/, '')}\n${f}`;
}
