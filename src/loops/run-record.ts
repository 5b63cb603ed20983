import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../core/atomic-write.js';
import { appendLedger } from '../core/ledger.js';
import { jidokaPaths } from '../core/paths.js';

/**
 * The record of one `jidoka run`: `.jidoka/runs/<run-id>/` holds a folder per
 * step (prompt, transcript, report, check output, diff) and `run.json`, the
 * summary rewritten after every step. The ledger gets a line at start and end.
 */
export interface StepSummary {
  name: string;
  chunk?: number;
  attempt?: number;
  dir: string;
  startedAt: string;
  durationMs: number;
  outcome: string;
  costUsd?: number;
  tokens?: number;
  /** Tool uses the agent's CLI refused in this step (claude's `permission_denials`). */
  permissionDenials?: string[];
  detail?: Record<string, unknown>;
}

export interface RunRecord {
  id: string;
  plan: string;
  dir: string;
  startedAt: string;
  finishedAt?: string;
  outcome?: string;
  resumedFrom?: { chunk: number; attempt: number; step: string };
  steps: StepSummary[];
  /** The sums of the steps' spend: what the run's `run.finished` ledger line carries. */
  costUsd: number;
  tokens: number;
  /** Tool uses refused across the steps, counted (a finding `jidoka review` shows). */
  permissionDenials: number;
}

export function newRunId(planId: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${planId}-${randomBytes(2).toString('hex')}`;
}

export function startRun(root: string, planId: string, resumedFrom?: RunRecord['resumedFrom']): RunRecord {
  const id = newRunId(planId);
  const dir = join(jidokaPaths(root).runs, id);
  mkdirSync(dir, { recursive: true });
  const run: RunRecord = {
    id,
    plan: planId,
    dir,
    startedAt: new Date().toISOString(),
    steps: [],
    costUsd: 0,
    tokens: 0,
    permissionDenials: 0,
    ...(resumedFrom ? { resumedFrom } : {}),
  };
  saveRun(run);
  appendLedger(root, 'run.started', { run: id, plan: planId, ...(resumedFrom ? { resumedFrom } : {}) });
  return run;
}

/** A fresh folder for one step, e.g. `c2-a1-maker`. */
export function stepDir(run: RunRecord, name: string, chunk?: number, attempt?: number): string {
  const prefix = chunk === undefined ? '' : `c${chunk}-a${attempt ?? 0}-`;
  const base = join(run.dir, `${prefix}${name}`);
  let dir = base;
  for (let i = 2; ; i++) {
    try {
      mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      dir = `${base}-${i}`;
    }
  }
}

export function recordStep(run: RunRecord, step: StepSummary): void {
  run.steps.push(step);
  run.costUsd += step.costUsd ?? 0;
  run.tokens += step.tokens ?? 0;
  run.permissionDenials += step.permissionDenials?.length ?? 0;
  saveRun(run);
}

export function writeStepFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

export function finishRun(
  root: string,
  run: RunRecord,
  outcome: string,
  fields: Record<string, unknown> = {},
): void {
  run.finishedAt = new Date().toISOString();
  run.outcome = outcome;
  saveRun(run);
  appendLedger(root, 'run.finished', {
    run: run.id,
    plan: run.plan,
    outcome,
    costUsd: run.costUsd,
    tokens: run.tokens,
    ...(run.permissionDenials ? { permissionDenials: run.permissionDenials } : {}),
    ...fields,
  });
}

/**
 * Close the runs a crash left open (a kill -9 never writes `run.finished`):
 * each gets its `run.finished` line now, outcome `interrupted`, with what its
 * steps spent, so the ledger and the daily budget count that spend. Called
 * by the run that resumes the plan, under the plan's lock.
 */
export function closeInterruptedRuns(root: string, runIds: readonly string[]): string[] {
  const closed: string[] = [];
  for (const id of runIds) {
    const run = readRun(root, id);
    if (!run || run.finishedAt) continue;
    finishRun(root, run, 'interrupted');
    closed.push(id);
  }
  return closed;
}

/** A run's record as saved, or undefined when it is missing or unreadable (a run cleaned up by hand). */
export function readRun(root: string, runId: string): RunRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(jidokaPaths(root).runs, runId, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

function saveRun(run: RunRecord): void {
  writeJsonAtomic(join(run.dir, 'run.json'), run, { durable: false });
}
