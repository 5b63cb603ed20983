import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listIncidents } from '../andon/incident/files.js';
import { readLedger } from '../core/ledger.js';
import { jidokaPaths } from '../core/paths.js';
import type { PlanState } from '../loops/execute/plan-state.js';
import type { RunRecord } from '../loops/run-record.js';
import { listPlans } from '../plans/store.js';

/**
 * Everything the line's figures are computed from, as it is on disk: the
 * plans' checkpoints (`.jidoka/state/plans/*.json`, with every attempt's
 * outcome), the run records (`.jidoka/runs/<run>/run.json`, with every
 * step), the incident pages, the approvals and merges in the ledger, and the
 * plan files' statuses. Nothing is written, so the figures are as true for
 * past runs as for the last one.
 */
export interface LineRecords {
  states: PlanState[];
  runs: RunRecord[];
  incidents: IncidentFacts[];
  /** Plan id → every time a human approved it (ledger, then approvals.json). */
  approvals: Record<string, string[]>;
  /** Plan id → when it was merged (ledger `plan.merged`, or its state's `mergedAt`). */
  merges: Record<string, string>;
  /** Plan files: id, status, chunk count (when the file parses). */
  plans: { id: string; status: string | undefined; chunks: number | undefined }[];
  /** Files that could not be read, for people: file and why. */
  problems: string[];
}

export interface IncidentFacts {
  id: string;
  severity: 'yellow' | 'red';
  plan: string | null;
  opened_at: string;
  resolved_at: string | null;
}

export function readLineRecords(root: string, maxChunks?: number): LineRecords {
  const paths = jidokaPaths(root);
  const problems: string[] = [];
  const states = readJsonFiles<PlanState>(
    existsSync(paths.plansState) ? listJson(paths.plansState).map((f) => join(paths.plansState, f)) : [],
    problems,
  );
  const runDirs = existsSync(paths.runs) ? readdirSync(paths.runs) : [];
  const runs = readJsonFiles<RunRecord>(
    runDirs.map((d) => join(paths.runs, d, 'run.json')).filter((f) => existsSync(f)),
    problems,
  );
  const listed = listIncidents(root);
  problems.push(...listed.problems);
  const incidents = listed.incidents.map((i) => ({
    id: i.id,
    severity: i.severity,
    plan: i.plan,
    opened_at: i.opened_at,
    resolved_at: i.resolved_at,
  }));
  const approvals: Record<string, string[]> = {};
  const merges: Record<string, string> = {};
  for (const e of readLedger(root)) {
    const plan = typeof e.plan === 'string' ? e.plan : undefined;
    if (!plan) continue;
    if (e.event === 'plan.approved') approvals[plan] = [...(approvals[plan] ?? []), e.at];
    if (e.event === 'plan.merged') merges[plan] ??= e.at;
  }
  const approvalsFile = join(paths.state, 'approvals.json');
  if (existsSync(approvalsFile)) {
    const all = readJsonFiles<Record<string, { at?: string }>>([approvalsFile], problems)[0] ?? {};
    for (const [plan, a] of Object.entries(all))
      if (a?.at) approvals[plan] = [...(approvals[plan] ?? []), a.at];
  }
  for (const s of states) if (s.mergedAt) merges[s.plan] ??= s.mergedAt;
  const plans = listPlans(root, maxChunks).map((e) => ({
    id: e.id,
    status: e.status,
    chunks: e.plan?.chunks.length,
  }));
  return { states, runs, incidents, approvals, merges, plans, problems };
}

/** The chunk number the goal phase's steps carry in their folder names (`c<N+1>-a<k>-goal`). */
export function goalChunkOf(run: RunRecord): number | undefined {
  for (const s of run.steps) {
    const m = /^c(\d+)-a\d+-goal/.exec(basename(s.dir));
    if (m) return Number(m[1]);
  }
  return undefined;
}

function listJson(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json'));
}

function readJsonFiles<T>(files: string[], problems: string[]): T[] {
  const out: T[] = [];
  for (const f of files) {
    try {
      out.push(JSON.parse(readFileSync(f, 'utf8')) as T);
    } catch (err) {
      problems.push(
        `${f}: unreadable (${err instanceof Error ? err.message : String(err)}); left out of the figures`,
      );
    }
  }
  return out;
}
