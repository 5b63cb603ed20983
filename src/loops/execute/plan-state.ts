import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../core/atomic-write.js';
import { jidokaPaths } from '../../core/paths.js';
import type { Category } from '../../core/types.js';

/**
 * The execution loop's checkpoint for one plan, `.jidoka/state/plans/<id>.json`,
 * written atomically after every step. It is what survives a crash or kill -9:
 * the chunk and attempt in progress, the step reached, the failures so far
 * (they feed the breakers, which count across restarts) and the spend.
 */
export type Step = 'start' | 'maker' | 'checks' | 'guards' | 'checker' | 'commit' | 'goal';

export interface AttemptRecord {
  chunk: number;
  attempt: number;
  runId: string;
  outcome: 'accepted' | 'rejected' | 'failed' | 'blocked' | 'stopped' | 'interrupted';
  reasons: string[];
  fingerprint?: string;
  costUsd: number;
  tokens: number;
  durationMs: number;
  checks: { name: string; passed: boolean; exitCode: number | null; durationMs: number }[];
  verdict?: { decision: string; reasons: string[] };
  commit?: string;
  incident?: string;
  /** The failure's category (checks, agent, a breaker's), for incidents opened by a run of failures. */
  category?: Category;
  at: string;
}

export interface PlanState {
  plan: string;
  status: 'running' | 'done' | 'failed' | 'stopped';
  branch: string;
  worktree: string;
  /** The main-branch commit the plan started from. */
  baseSha: string;
  /** The chunk being worked on (1-based); chunks before it are committed. */
  chunk: number;
  /** The attempt in progress on that chunk (1-based), kept across restarts. */
  attempt: number;
  step: Step;
  /** The plan-branch commit the current chunk started from. */
  chunkStartSha: string;
  /** The goal phase: attempts made at the goal check. */
  goalAttempt: number;
  /** Failed attempts in a row on this plan, across chunks and restarts (Meta-Andon). */
  consecutiveFailures: number;
  /** The last failure, carried into the next attempt's prompt. */
  lastFailure?: { reasons: string[]; output: string };
  /** Test count of the last accepted state, for the spec-drift count check. */
  testTotal?: number;
  spend: { usd: number; tokens: number };
  /** Process group of the agent running now; a resume kills it if a crash left it behind. */
  activePid?: number | undefined;
  /** Tree the checker approved, so a crash between approval and commit can commit without re-running agents. */
  approvedTree?: string | undefined;
  mergedAt?: string;
  mergeCommit?: string;
  attempts: AttemptRecord[];
  runIds: string[];
  updatedAt: string;
}

function file(root: string, planId: string): string {
  return join(jidokaPaths(root).plansState, `${planId}.json`);
}

export function readPlanState(root: string, planId: string): PlanState | undefined {
  const f = file(root, planId);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as PlanState;
}

export function writePlanState(root: string, state: PlanState): void {
  state.updatedAt = new Date().toISOString();
  writeJsonAtomic(file(root, state.plan), state);
}
