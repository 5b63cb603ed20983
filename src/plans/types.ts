/**
 * A plan: the unit of work a human approves. `plans/<id>.md` holds YAML
 * frontmatter and a body of Context followed by `## Chunk N: title` sections.
 */
export const PLAN_STATUSES = [
  'proposed',
  'approved',
  'active',
  'done',
  'failed',
  'rejected',
  'invalid',
] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

export const RISKS = ['low', 'medium', 'high'] as const;
export type Risk = (typeof RISKS)[number];

export interface Chunk {
  /** The N of `## Chunk N: title` (1-based, consecutive). */
  number: number;
  title: string;
  /** The markdown of the section, heading excluded. */
  body: string;
  /** 1-based line of the heading in the plan file. */
  line: number;
}

export interface PlanGoal {
  statement: string;
  /** Shell commands that must exit 0 for the goal to be met; run only once a human approved the plan. */
  checks: string[];
}

export interface Plan {
  id: string;
  title: string;
  status: PlanStatus;
  risk: Risk;
  /** A skill name such as `tdd`, read from `skills/<skill>.md`. */
  skill: string | undefined;
  /** Repo-relative globs the maker may touch. */
  scope: string[];
  goal: PlanGoal;
  created: string | undefined;
  /** The markdown before the first chunk (Context). */
  context: string;
  chunks: Chunk[];
  /** Absolute path of the plan file. */
  file: string;
  /** All frontmatter keys as written, including ones Jidoka does not use. */
  frontmatter: Record<string, unknown>;
}
