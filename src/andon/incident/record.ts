import type { BreakerId, Category, CheckResult, Finding } from '../../core/types.js';

/**
 * Incident pages: `wiki/90_LOG/incidents/<id>.md`, an A3 / Five Whys record
 * per stop (DESIGN.md, "Andon"). Jidoka writes the facts; the diagnose agent
 * or a human writes the whys; `jidoka andon resolve` records the root cause
 * and countermeasure. Pages are read back with the one frontmatter parser,
 * and edited section by section so a human's text elsewhere survives.
 */

export const INCIDENT_STATUSES = ['open', 'contained', 'analyzed', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const PREVENTION_LEVELS = ['L1', 'L2', 'L3', 'L4'] as const;
export type PreventionLevel = (typeof PREVENTION_LEVELS)[number];
export const LEVEL_NAMES: Record<PreventionLevel, string> = {
  L1: 'poka-yoke',
  L2: 'auto-detect',
  L3: 'standard',
  L4: 'alert',
};

/** Marks what a human (or the diagnose agent) still has to write. Not TODO/TBD: the wiki linter treats those as forgotten text. */
export const AWAITING = '_Awaiting analysis';

export const BREAKER_TITLES: Record<BreakerId, string> = {
  scope: 'Scope fence',
  spec_drift: 'Spec drift',
  gate_tampering: 'Gate tampering',
  false_done: 'False done',
  no_progress: 'No progress',
  timeout: 'Step timeout',
  repeat_failure: 'Repeat failure',
  consecutive_failures: 'Consecutive failures (Meta-Andon)',
  budget: 'Budget',
  secrets: 'Secret in the diff',
  repo_integrity: 'Repository integrity',
  human_retries: 'Human-involved retries',
  manual: 'Line stopped by hand',
  worktree_setup: 'Worktree setup failed',
  checked_tree: 'Committed tree is not the checked tree',
  file_limits: 'File too large, or a symlink out of the repository',
  worker_stalled: 'A plan stalled twice on the workers',
};

/** The page as read back. Frontmatter keys are DESIGN.md's, plus title and type. */
export interface Incident {
  id: string;
  title: string;
  status: IncidentStatus;
  severity: 'yellow' | 'red';
  category: Category;
  confidence: number;
  plan: string | null;
  chunk: number | null;
  attempt: number | null;
  detector: string;
  base_sha: string | null;
  head_sha: string | null;
  preserved_ref: string | null;
  opened_at: string;
  resolved_at: string | null;
  prevention_level: PreventionLevel | null;
  countermeasure: string | null;
  /** Absolute path of the page. */
  file: string;
  body: string;
  text: string;
}

/** Everything the page's facts come from. */
export interface IncidentFacts {
  id: string;
  severity: 'yellow' | 'red';
  status: IncidentStatus;
  finding: Finding;
  plan?: string;
  chunk?: number;
  attempt?: number;
  baseSha?: string;
  headSha?: string;
  preservedRef?: string;
  preservedSha?: string;
  openedAt: string;
  diffStat?: string;
  failingChecks?: CheckResult[];
  logExcerpt?: string;
  maxLogBytes: number;
  fingerprint?: string;
  containment: string[];
  timeline: string[];
}
