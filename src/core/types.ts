/**
 * The shared vocabulary of Jidoka: the data that crosses module boundaries
 * (git diff → guards → incidents; checks → guards → prompts). Module-private
 * types stay in their module. Words: plan, chunk, attempt, step, role,
 * verdict, incident, line, breaker (see agents/LANGUAGE.md).
 */

/** One file changed between two trees, as git reports it (renames detected). */
export interface FileChange {
  /** Repo-relative path after the change (for deletions: the deleted path). */
  path: string;
  /** For renames: the path before. */
  oldPath?: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed' | 'typechange';
  additions: number;
  deletions: number;
  binary: boolean;
  /** Lines added, without the leading "+" (empty for binary files). */
  addedLines: string[];
  /** Lines removed, without the leading "-". */
  removedLines: string[];
}

/** What a test run said about itself, parsed from its output (vitest, jest, mocha, node:test, pytest, go test). */
export interface TestSummary {
  total?: number;
  passed?: number;
  failed?: number;
  skipped?: number;
  /** Stable ids of failing tests ("file > name"), for the repeat-failure fingerprint. */
  failing: string[];
}

/** One configured check (or goal check) run by Jidoka in the worktree. */
export interface CheckResult {
  name: string;
  command: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** Combined stdout+stderr, bounded (tail kept). */
  output: string;
  tests: TestSummary | undefined;
  passed: boolean;
  /** One of the plan's goal checks: its tests are counted apart from the chunk checks'. */
  goal?: true;
  /** A run on the candidate with the base's test files restored (evidence, not counted). */
  heldOut?: true;
  /** True when the check ran inside the bwrap sandbox. */
  sandboxed?: boolean;
}

export const CATEGORIES = [
  'env_tooling',
  'build_fail',
  'test_fail',
  'spec_drift',
  'gate_tampering',
  'scope_creep',
  'no_progress',
  'hang',
  'repeat_failure',
  'false_done',
  'budget',
  'repo_integrity',
  'secret_leak',
  'agent_error',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const BREAKERS = [
  'scope',
  'spec_drift',
  'gate_tampering',
  'false_done',
  'no_progress',
  'timeout',
  'repeat_failure',
  'consecutive_failures',
  'budget',
  'secrets',
  'repo_integrity',
  'human_retries',
  'manual',
  'worktree_setup',
  'checked_tree',
  'file_limits',
  'worker_stalled',
] as const;
export type BreakerId = (typeof BREAKERS)[number];

/**
 * What a breaker decided. `block`: the chunk is not accepted this attempt
 * (counts as a failed attempt). `rollback`: like block, and the worktree is
 * reset to the chunk's start after the work is preserved under a ref.
 * `yellow` / `red` say what happens to the line.
 */
export interface Finding {
  breaker: BreakerId;
  category: Category;
  /** 1.0 when computed from diffs, exit codes and timings; lower priors when guessed from text. */
  confidence: number;
  action: 'block' | 'rollback' | 'fail_attempt';
  line: 'none' | 'yellow' | 'red';
  message: string;
  /** Files, patterns, counts: the facts the finding was computed from. */
  evidence: Record<string, unknown>;
}

export type LineStateName = 'running' | 'yellow' | 'stopped';
