import { basename } from 'node:path';
import { parseFrontmatter } from '../core/frontmatter.js';
import { splitChunks } from './parse.js';
import { PLAN_STATUSES, type Plan, type PlanStatus, RISKS, type Risk } from './types.js';

export interface PlanProblem {
  /** Repo-relative path of the plan file. */
  file: string;
  line: number | undefined;
  key: string;
  message: string;
}

export interface PlanCheck {
  /** The plan when every rule passed (its status may still be `invalid`: a human flips it back). */
  plan: Plan | undefined;
  problems: PlanProblem[];
  /** The id read from the frontmatter, or the file name when there is none. */
  id: string;
  status: string | undefined;
}

/** A safe slug: a valid branch name, no leading `-`, no `..`, no path separators. */
export const PLAN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Parse and validate a plan file's text. Pure: `file` is the repo-relative
 * path (used in messages and to check the id matches the file name),
 * `absFile` is stored on the plan. Every problem names its line and key.
 */
export function checkPlan(text: string, file: string, absFile: string, maxChunks: number): PlanCheck {
  const problems: PlanProblem[] = [];
  const stem = basename(file).replace(/\.md$/, '');
  const add = (line: number | undefined, key: string, message: string) =>
    problems.push({ file, line, key, message });
  const fm = parseFrontmatter(text);
  if (!fm.present) {
    add(
      1,
      'frontmatter',
      'missing frontmatter: a plan starts with a --- block (id, title, status, risk, skill, scope, goal, created)',
    );
    return { plan: undefined, problems, id: stem, status: undefined };
  }
  for (const e of fm.errors) add(e.line, 'frontmatter', `invalid YAML: ${e.message}`);
  if (fm.errors.length) {
    const status = /^status:\s*(\S+)/m.exec(text)?.[1];
    return { plan: undefined, problems, id: stem, status };
  }
  const d = fm.data;
  const at = (key: string) => fm.lineOf([key]) ?? 1;

  const id = typeof d.id === 'string' ? d.id : undefined;
  if (id === undefined) add(at('id'), 'id', 'missing id: add `id: <slug>` matching the file name');
  else if (!PLAN_ID.test(id) || id.includes('..') || id.endsWith('.lock') || id.endsWith('.'))
    add(
      at('id'),
      'id',
      `id ${JSON.stringify(id)} is not a safe slug: use letters, digits, ".", "_" and "-", starting with a letter or digit, no ".."`,
    );
  else if (id !== stem)
    add(
      at('id'),
      'id',
      `id ${JSON.stringify(id)} does not match the file name ${basename(file)}; rename one of them`,
    );

  const title = typeof d.title === 'string' && d.title.trim() ? d.title.trim() : undefined;
  if (!title) add(at('title'), 'title', 'missing title');

  const status = d.status;
  if (typeof status !== 'string' || !(PLAN_STATUSES as readonly string[]).includes(status))
    add(
      at('status'),
      'status',
      `status must be one of ${PLAN_STATUSES.join(', ')}${status === undefined ? '' : `, got ${JSON.stringify(status)}`}`,
    );

  const risk = d.risk;
  if (typeof risk !== 'string' || !(RISKS as readonly string[]).includes(risk))
    add(
      at('risk'),
      'risk',
      `risk must be one of ${RISKS.join(', ')}${risk === undefined ? '' : `, got ${JSON.stringify(risk)}`}`,
    );

  const skill = d.skill;
  if (skill !== undefined && (typeof skill !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(skill)))
    add(at('skill'), 'skill', 'skill must be the name of a file in skills/ without .md, e.g. tdd');

  const scope = d.scope;
  const scopeList: string[] = [];
  if (!Array.isArray(scope) || scope.length === 0) {
    add(
      at('scope'),
      'scope',
      'scope must be a non-empty list of repo-relative globs the maker may touch, e.g. ["src/foo/**"]',
    );
  } else {
    scope.forEach((g, i) => {
      const line = fm.lineOf(['scope', i]) ?? at('scope');
      const why = typeof g === 'string' ? scopeGlobProblem(g) : 'must be a string';
      if (why) add(line, `scope[${i}]`, `${JSON.stringify(g)} ${why}`);
      else scopeList.push(g as string);
    });
  }

  const goal = d.goal;
  let statement = '';
  const checks: string[] = [];
  if (goal === undefined || goal === null)
    add(
      at('goal'),
      'goal',
      'missing goal: add goal: { statement: "...", checks: ["<command that exits 0 when met>"] }',
    );
  else if (typeof goal === 'string') statement = goal.trim();
  else if (typeof goal !== 'object' || Array.isArray(goal))
    add(at('goal'), 'goal', 'goal must be a mapping with statement and checks');
  else {
    const g = goal as Record<string, unknown>;
    if (typeof g.statement !== 'string' || !g.statement.trim())
      add(
        fm.lineOf(['goal', 'statement']) ?? at('goal'),
        'goal.statement',
        'goal.statement must say what is true when the plan is done',
      );
    else statement = g.statement.trim();
    if (g.checks !== undefined) {
      if (!Array.isArray(g.checks))
        add(
          fm.lineOf(['goal', 'checks']) ?? at('goal'),
          'goal.checks',
          'goal.checks must be a list of shell commands',
        );
      else
        g.checks.forEach((c, i) => {
          if (typeof c === 'string' && c.trim()) checks.push(c);
          else
            add(
              fm.lineOf(['goal', 'checks', i]) ?? at('goal'),
              `goal.checks[${i}]`,
              'each goal check must be a non-empty command string',
            );
        });
    }
    for (const k of Object.keys(g))
      if (k !== 'statement' && k !== 'checks')
        add(fm.lineOf(['goal', k]), `goal.${k}`, 'unknown key (goal takes statement and checks)');
  }

  const { context, chunks, badHeadings } = splitChunks(fm.body, fm.bodyLine);
  for (const b of badHeadings)
    add(b.line, 'chunks', `malformed chunk heading ${JSON.stringify(b.text)}: write "## Chunk N: title"`);
  if (chunks.length === 0)
    add(fm.bodyLine, 'chunks', 'a plan needs at least one "## Chunk 1: title" section');
  if (chunks.length > maxChunks)
    add(
      chunks[maxChunks]?.line,
      'chunks',
      `${chunks.length} chunks is more than limits.maxChunksPerPlan (${maxChunks}); split the plan`,
    );
  chunks.forEach((c, i) => {
    if (c.number !== i + 1)
      add(
        c.line,
        'chunks',
        `chunk numbers must run 1, 2, 3...: expected Chunk ${i + 1}, found Chunk ${c.number}`,
      );
    if (!c.body.trim()) add(c.line, 'chunks', `Chunk ${c.number} has no description of the work`);
  });

  const created =
    d.created instanceof Date
      ? d.created.toISOString().slice(0, 10)
      : typeof d.created === 'string'
        ? d.created
        : undefined;
  const plan: Plan | undefined = problems.length
    ? undefined
    : {
        id: id!,
        title: title!,
        status: status as PlanStatus,
        risk: risk as Risk,
        skill: skill as string | undefined,
        scope: scopeList,
        goal: { statement, checks },
        created,
        context,
        chunks,
        file: absFile,
        frontmatter: d,
      };
  return { plan, problems, id: id ?? stem, status: typeof status === 'string' ? status : undefined };
}

/** Why a scope glob is unsafe, or undefined. Globs are repo-relative and may not climb out of the repo. */
export function scopeGlobProblem(glob: string): string | undefined {
  if (!glob.trim()) return 'is empty';
  if (glob.startsWith('/') || /^[A-Za-z]:[\\/]/.test(glob) || glob.startsWith('~'))
    return 'must be repo-relative, not absolute';
  if (glob.split(/[\\/]/).some((seg) => seg === '..'))
    return 'must not climb out of the repository with ".."';
  if (glob.startsWith('!')) return 'negations are not supported in scope; list what the maker may touch';
  return undefined;
}
