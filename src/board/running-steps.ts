import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jidokaPaths } from '../core/paths.js';
import { readPlanState } from '../loops/execute/plan-state.js';
import type { Status } from '../status/status.js';

/**
 * Every running step as the board shows it: plan, chunk, attempt, role,
 * elapsed, and the last lines of its output. The runner streams an agent's
 * (or a check's) output into its step folder as it arrives
 * (`transcript.log`, `check-N.log`, see agents/runner.ts), so the tail is
 * read from there: it is the same bytes, and it works for a `jidoka run` in
 * another process as well as for the daemon's own.
 */
export interface RunningStep {
  plan: string;
  chunk: number;
  chunks: number;
  attempt: number;
  /** Where the plan is (plan-state step). */
  step: string;
  /** Who runs now, from the step folder's name: maker, checker, goal, checks, goal-checks, setup… */
  role: string | null;
  startedAt: string | null;
  elapsedMs: number | null;
  /** The step folder, relative to the repository. */
  dir: string | null;
  /** The last lines of the step's output, oldest first. Agent text: show it as text only. */
  tail: string[];
}

const TAIL_BYTES = 16 * 1024;
const TAIL_LINES = 40;

export function runningSteps(root: string, running: Status['running'], now = Date.now()): RunningStep[] {
  return running.map((r) => {
    const base = { ...r, role: null, startedAt: null, elapsedMs: null, dir: null, tail: [] };
    const runId = readPlanState(root, r.plan)?.runIds.at(-1);
    if (!runId) return base;
    const step = newestStepDir(join(jidokaPaths(root).runs, runId));
    if (!step) return base;
    const log = newestLog(step.path);
    return {
      ...base,
      role: roleOf(step.name),
      startedAt: new Date(step.bornMs).toISOString(),
      elapsedMs: Math.max(0, now - step.bornMs),
      dir: join('.jidoka', 'runs', runId, step.name),
      tail: log ? tailLines(log, TAIL_BYTES, TAIL_LINES) : [],
    };
  });
}

/** `c2-a1-maker` → maker, `c3-a2-goal-checks-2` → goal-checks. */
export function roleOf(stepDirName: string): string {
  return stepDirName.replace(/^c\d+-a\d+-/, '').replace(/-\d+$/, '');
}

function newestStepDir(runDir: string): { name: string; path: string; bornMs: number } | undefined {
  let best: { name: string; path: string; bornMs: number } | undefined;
  for (const e of safeList(runDir)) {
    if (!e.isDirectory()) continue;
    const path = join(runDir, e.name);
    const bornMs = bornAt(path);
    if (bornMs !== undefined && (!best || bornMs >= best.bornMs)) best = { name: e.name, path, bornMs };
  }
  return best;
}

function newestLog(stepDir: string): string | undefined {
  let best: { path: string; at: number } | undefined;
  for (const e of safeList(stepDir)) {
    if (!e.isFile() || !e.name.endsWith('.log')) continue;
    const path = join(stepDir, e.name);
    const at = bornAt(path);
    if (at !== undefined && (!best || at >= best.at)) best = { path, at };
  }
  return best?.path;
}

/** The last `lines` lines within the last `bytes` bytes of a file (a partial first line dropped). */
export function tailLines(file: string, bytes: number, lines: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}

function safeList(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** When a file or folder was made (birth time where the file system keeps it, else its change time). */
function bornAt(path: string): number | undefined {
  try {
    const s = statSync(path);
    return s.birthtimeMs > 0 ? s.birthtimeMs : s.ctimeMs;
  } catch {
    return undefined;
  }
}
