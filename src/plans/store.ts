import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { JidokaError } from '../core/errors.js';
import { setFrontmatterField } from '../core/frontmatter.js';
import type { Plan, PlanStatus } from './types.js';
import { checkPlan, type PlanCheck, type PlanProblem } from './validate.js';

/**
 * Plans on disk: `plans/<id>.md`. Reading never changes a file; status
 * changes rewrite only the `status:` line (and, for invalid plans, a
 * problems section at the end), so the rest of the file stays byte for byte.
 */
export interface PlanEntry extends PlanCheck {
  file: string;
  relFile: string;
}

export const DEFAULT_MAX_CHUNKS = 10;
const NOT_PLANS = new Set(['TEMPLATE.md', 'README.md']);

export function planFile(root: string, id: string): string {
  return join(root, 'plans', `${id}.md`);
}

export function readPlanEntry(root: string, file: string, maxChunks = DEFAULT_MAX_CHUNKS): PlanEntry {
  const relFile = relative(root, file);
  const check = checkPlan(readFileSync(file, 'utf8'), relFile, file, maxChunks);
  return { ...check, file, relFile };
}

/** Every plan file in plans/ (TEMPLATE.md and README.md excluded), sorted by file name. */
export function listPlans(root: string, maxChunks = DEFAULT_MAX_CHUNKS): PlanEntry[] {
  return planFiles(root).map((file) => readPlanEntry(root, file, maxChunks));
}

/** The paths of the plan files listPlans reads. */
export function planFiles(root: string): string[] {
  const dir = join(root, 'plans');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.md') && !NOT_PLANS.has(n))
    .sort()
    .map((n) => join(dir, n));
}

/** The plan `id`, valid, or a clear error: exit 2 when it does not exist, exit 1 when it is invalid. */
export function loadPlan(root: string, id: string, maxChunks = DEFAULT_MAX_CHUNKS): Plan {
  const entry = findPlan(root, id, maxChunks);
  if (!entry.plan) {
    throw new JidokaError(`plan ${id} is invalid:\n${entry.problems.map(formatPlanProblem).join('\n')}`, {
      exitCode: 1,
      hint: `fix ${entry.relFile} and run \`jidoka plan validate ${id}\``,
    });
  }
  return entry.plan;
}

export function findPlan(root: string, id: string, maxChunks = DEFAULT_MAX_CHUNKS): PlanEntry {
  const file = planFile(root, id);
  if (/[\\/]/.test(id) || !existsSync(file)) {
    const known = listPlans(root, maxChunks).map((p) => p.id);
    throw new JidokaError(`no plan ${JSON.stringify(id)} in plans/`, {
      exitCode: 2,
      hint: known.length
        ? `known plans: ${known.join(', ')}`
        : 'plans/ has no plans yet; write one from plans/TEMPLATE.md or run `jidoka audit`',
    });
  }
  return readPlanEntry(root, file, maxChunks);
}

export function formatPlanProblem(p: PlanProblem): string {
  return `  ${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.key}: ${p.message}`;
}

export function setPlanStatus(file: string, status: PlanStatus): void {
  const text = readFileSync(file, 'utf8');
  const next = setFrontmatterField(text, 'status', status);
  if (next !== text) writeFileAtomic(file, next);
}

const PROBLEMS_HEADING = '## Validation problems (written by Jidoka)';

/**
 * Mark a plan invalid and write the reasons into it; the plan is kept so a
 * human can fix it. A previous problems section is replaced, not repeated.
 */
export function markInvalid(file: string, problems: PlanProblem[]): void {
  let text = readFileSync(file, 'utf8');
  const at = text.indexOf(`\n${PROBLEMS_HEADING}`);
  if (at >= 0) text = text.slice(0, at + 1);
  try {
    text = setFrontmatterField(text, 'status', 'invalid');
  } catch {
    // A frontmatter block that never closes cannot be edited in place; put a fresh one on top.
    text = `---\nstatus: invalid\n---\n${text}`;
  }
  const list = problems.map((p) => `- line ${p.line ?? '?'}, \`${p.key}\`: ${p.message}`).join('\n');
  const section = `${PROBLEMS_HEADING}\n\nThis plan failed validation and will not run. Fix the problems below, delete this section, and set \`status: proposed\`.\n\n${list}\n`;
  const next = `${text.replace(/\s*$/, '')}\n\n${section}`;
  if (next !== readFileSync(file, 'utf8')) writeFileAtomic(file, next);
}

/**
 * A hash of what a human approved: the whole file with the status line
 * blanked, so Jidoka's own status flips do not void an approval while any
 * edit to chunks, scope or goal checks does.
 */
export function approvalHash(file: string): string {
  return approvalHashOf(readFileSync(file, 'utf8'));
}

/** The same hash of a plan's text (a worker checks a dispatched plan's text with it). */
export function approvalHashOf(text: string): string {
  return createHash('sha256')
    .update(text.replace(/^status:[^\n]*$/m, 'status:'))
    .digest('hex');
}
