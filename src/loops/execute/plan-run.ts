import type { Logger } from 'pino';
import type { watchWorktree } from '../../andon/watchdog.js';
import type { Config } from '../../config/schema.js';
import type { Finding } from '../../core/types.js';
import type { PlanWorktree } from '../../git/worktree.js';
import type { Plan } from '../../plans/types.js';
import type { RunRecord } from '../run-record.js';
import type { PlanState } from './plan-state.js';

/** What the caller of `executePlan` gives: the repository, the plan, and how to stop early. */
export interface ExecuteOptions {
  root: string;
  config: Config;
  planId: string;
  logger: Logger;
  /** Kills the running step (its process group) at once: Ctrl-C, or the daemon's grace period ran out. */
  signal?: AbortSignal;
  /** Asked between steps: true means finish here, checkpointed (the daemon is shutting down). */
  draining?: () => boolean;
  /** What other plans running in parallel spent since they started: the day budget counts it too. */
  othersUsd?: () => number;
  /** Asked before every agent step when the plan runs on a worker: the daemon's word (src/queue/worker.ts). */
  gate?: StepGate;
}

/**
 * The one seam for a plan that runs on another machine: before each agent
 * step (maker, checker, goal-checker) the worker asks the daemon, giving the
 * checkpoint as it is now (the steps so far, their spend), and the daemon
 * answers go, drain (finish here, checkpointed) or stop (a red finding).
 */
export type StepGate = (ask: {
  step: 'maker' | 'checker' | 'goal';
  state: PlanState;
  runId: string;
  /** Spent by the running attempt and not yet in the state (the maker's, before the checker). */
  spent: { costUsd: number; tokens: number };
}) => Promise<GateAnswer>;

export type GateAnswer = { go: true } | { go: false; drain: string } | { go: false; stop: Finding };

/** How one run of a plan ended; `jidoka run --json` prints it. */
export interface ExecuteOutcome {
  plan: string;
  runId: string;
  status: 'done' | 'failed' | 'stopped' | 'interrupted';
  message: string;
  incident?: string;
  commits: string[];
}

/**
 * One run of one plan, as the loop's steps share it: the plan, its worktree,
 * its checkpointed state and this run's record. Made once by `prepareRun`;
 * the state inside changes only through the transitions in plan-state.ts.
 */
export interface PlanRun {
  opts: ExecuteOptions;
  plan: Plan;
  worktree: PlanWorktree;
  mainBranch: string;
  /** One file watcher for the worktree, read by every maker step's no-progress watchdog. */
  watcher: ReturnType<typeof watchWorktree>;
  state: PlanState;
  run: RunRecord;
  /** Test files at the plan's base, for the spec-drift guard. */
  baseTestFiles: string[];
  /** The plan's goal checks, only while its content is what a human approved. */
  approvedGoalChecks: string[];
  /** The plan's spend when this run started; today's spend adds what this run spent since. */
  spendAtStart: number;
  /** True until the first chunk is looked at: only a resumed run can find its chunk already committed. */
  resuming: boolean;
  /** A human re-ran a plan that failed the same way too often: the run stops before any step. */
  humanRetryStop: Finding | undefined;
  commits: string[];
}
