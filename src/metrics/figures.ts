import type { AttemptRecord, PlanState } from '../loops/execute/plan-state.js';
import type { RunRecord } from '../loops/run-record.js';
import { goalChunkOf, type LineRecords } from './records.js';
import { median, type Spread, spreadOf } from './spread.js';

/**
 * The line's lean figures (wiki/20_SYSTEM/metrics.md says how each is
 * computed). The JSON shape is stable: `jidoka metrics --json` prints it and
 * the board charts its `series`. Durations are milliseconds; a ratio with
 * nothing to divide is null, never 0.
 */
export interface LineMetrics {
  version: 1;
  generatedAt: string;
  /** Start of the window (`--since`), or null for everything on record. */
  since: string | null;
  stations: Record<Station, StationYield>;
  /** The product of the stations' first-pass yields (those with units in the window). */
  rolledThroughputYield: number | null;
  chunks: { entered: number; accepted: number };
  /** Per merged plan: first approval → merge. */
  leadTimeMs: Spread;
  /** Per accepted chunk: start of its first attempt → end of its last accepted attempt. */
  cycleTimeMs: Spread;
  andon: { incidents: number; stops: number; ratePer100Chunks: number | null };
  /** Per resolved red incident: opened → resolved (the line restarted). */
  timeToRestoreMs: Spread;
  spend: {
    costUsd: number;
    tokens: number;
    costUsdPerAcceptedChunk: number | null;
    tokensPerAcceptedChunk: number | null;
  };
  /** Now, whatever the window: approved and not started, started and not done, done and not merged. */
  wip: { queued: number; inProgress: number; awaitingMerge: number; total: number };
  /** One column per UTC day, oldest first (at most 366), for small charts. */
  series: {
    day: string[];
    fpy: Record<Station, (number | null)[]>;
    rty: (number | null)[];
    chunksAccepted: number[];
    cycleTimeP50Ms: (number | null)[];
    leadTimeP50Ms: (number | null)[];
    incidents: number[];
    costUsd: number[];
  };
  sources: { plans: number; runs: number; incidents: number; problems: string[] };
}

export const STATIONS = ['maker', 'checks', 'checker', 'goal'] as const;
export type Station = (typeof STATIONS)[number];

/** Units that reached the station, and those of them that passed it at their first arrival. */
export interface StationYield {
  entered: number;
  firstPass: number;
  yield: number | null;
}

/** One chunk or plan at the stations: undefined where it has not arrived (yet). */
interface Unit {
  at: number;
  pass: Partial<Record<Station, boolean>>;
}

interface ChunkFacts extends Unit {
  acceptedAt?: number;
}

const DAY = 86_400_000;
const MAX_DAYS = 366;

export function computeFigures(r: LineRecords, opts: { sinceMs?: number; nowMs: number }): LineMetrics {
  const since = opts.sinceMs ?? Number.NEGATIVE_INFINITY;
  const inWindow = (t: number) => t >= since;
  const steps = stepIndex(r.runs);
  const chunks: ChunkFacts[] = [];
  const goals: Unit[] = [];
  for (const state of r.states) {
    const goalChunk = goalChunkFor(state, r);
    const { byChunk, goalChecks } = attemptsOf(state, goalChunk);
    for (const attempts of byChunk.values()) chunks.push(chunkFacts(attempts, steps));
    const goal = goalFacts(state, goalChecks, r.runs);
    if (goal) goals.push(goal);
  }
  const units = [...chunks, ...goals];
  const entered = chunks.filter((c) => inWindow(c.at));
  const accepted = chunks.filter((c) => c.acceptedAt !== undefined && inWindow(c.acceptedAt));
  const leads = leadTimes(r);
  const incidents = r.incidents.filter((i) => inWindow(Date.parse(i.opened_at)));
  const restores = restoreTimes(r).filter((x) => inWindow(x.at));
  const spent = spendOf(r.runs);
  const cost = sum(spent.filter((s) => inWindow(s.at)).map((s) => s.costUsd));
  const tokens = sum(spent.filter((s) => inWindow(s.at)).map((s) => s.tokens));
  const stations = yields(units.filter((u) => inWindow(u.at)));
  return {
    version: 1,
    generatedAt: new Date(opts.nowMs).toISOString(),
    since: opts.sinceMs === undefined ? null : new Date(opts.sinceMs).toISOString(),
    stations,
    rolledThroughputYield: rolled(stations),
    chunks: { entered: entered.length, accepted: accepted.length },
    leadTimeMs: spreadOf(leads.filter((l) => inWindow(l.at)).map((l) => l.ms)),
    cycleTimeMs: spreadOf(accepted.map((c) => c.acceptedAt! - c.at)),
    andon: {
      incidents: incidents.length,
      stops: incidents.filter((i) => i.severity === 'red').length,
      ratePer100Chunks: entered.length ? (incidents.length / entered.length) * 100 : null,
    },
    timeToRestoreMs: spreadOf(restores.map((x) => x.ms)),
    spend: {
      costUsd: cost,
      tokens,
      costUsdPerAcceptedChunk: accepted.length ? cost / accepted.length : null,
      tokensPerAcceptedChunk: accepted.length ? tokens / accepted.length : null,
    },
    wip: workInProgress(r),
    series: dailySeries({ units, chunks, leads, incidents: r.incidents, spent, since, now: opts.nowMs }),
    sources: {
      plans: r.states.length,
      runs: r.runs.length,
      incidents: r.incidents.length,
      problems: r.problems,
    },
  };
}

/**
 * Which steps ran for each attempt: `run|chunk|attempt` → step names (maker,
 * checks, checker, ...). Keyed by run, since a human's restart of a stopped
 * plan numbers its attempts from 1 again.
 */
function stepIndex(runs: RunRecord[]): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  for (const run of runs)
    for (const s of run.steps) {
      if (s.chunk === undefined || s.attempt === undefined) continue;
      const key = `${run.id}|${s.chunk}|${s.attempt}`;
      index.set(key, (index.get(key) ?? new Set()).add(s.name));
    }
  return index;
}

/** The goal phase's records carry chunk N+1; N from the plan file, else from the goal steps' folders. */
function goalChunkFor(state: PlanState, r: LineRecords): number {
  const chunks = r.plans.find((p) => p.id === state.plan)?.chunks;
  if (chunks !== undefined) return chunks + 1;
  for (const run of r.runs) {
    if (run.plan !== state.plan) continue;
    const n = goalChunkOf(run);
    if (n !== undefined) return n;
  }
  return Number.POSITIVE_INFINITY;
}

/** The plan's attempts per chunk in the order they ended, and its goal checks (met or missed); interrupted attempts judged nothing. */
function attemptsOf(state: PlanState, goalChunk: number) {
  const byChunk = new Map<number, AttemptRecord[]>();
  const goalChecks: AttemptRecord[] = [];
  const ordered = [...state.attempts].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const a of ordered) {
    if (a.chunk >= goalChunk) goalChecks.push(a);
    else if (a.outcome !== 'interrupted') byChunk.set(a.chunk, [...(byChunk.get(a.chunk) ?? []), a]);
  }
  return { byChunk, goalChecks };
}

/**
 * One chunk at the three chunk stations. An attempt passed the maker when its
 * work reached Jidoka's checks; it passed the checks (and the guards) when
 * the checker was dispatched; it passed the checker when it was accepted.
 * Each station is judged at the chunk's first arrival there.
 */
function chunkFacts(attempts: AttemptRecord[], steps: Map<string, Set<string>>): ChunkFacts {
  const passed = attempts.map((a) => stationsPassed(a, steps.get(`${a.runId}|${a.chunk}|${a.attempt}`)));
  const firstAt = (s: 'maker' | 'checks') => passed.find((p) => p[s]);
  const pass: ChunkFacts['pass'] = { maker: passed[0]!.maker };
  const atChecks = firstAt('maker');
  if (atChecks) pass.checks = atChecks.checks;
  const atChecker = firstAt('checks');
  if (atChecker) pass.checker = atChecker.checker;
  const first = attempts[0]!;
  const lastAccepted = attempts.filter((a) => a.outcome === 'accepted').at(-1);
  return {
    at: Date.parse(first.at) - first.durationMs,
    pass,
    ...(lastAccepted ? { acceptedAt: Date.parse(lastAccepted.at) } : {}),
  };
}

function stationsPassed(a: AttemptRecord, ran: Set<string> | undefined) {
  const judged = a.outcome === 'accepted' || a.outcome === 'rejected';
  // A run folder gone missing: a failed attempt whose checks all passed failed at the checker.
  const checkerFailed =
    !ran && a.outcome === 'failed' && a.checks.length > 0 && a.checks.every((c) => c.passed);
  return {
    maker: judged || ran?.has('checks') === true || (!ran && a.checks.length > 0),
    checks: judged || ran?.has('checker') === true || checkerFailed,
    checker: a.outcome === 'accepted',
  };
}

/**
 * The plan at the goal, judged at its first goal check: its record (attempt
 * `chunks + 1`: `accepted` when met, `failed` when missed), or, for plans
 * recorded before met goals had a record, met when the plan is done.
 */
function goalFacts(state: PlanState, checks: AttemptRecord[], runs: RunRecord[]): Unit | undefined {
  const first = checks[0];
  if (first) return { at: Date.parse(first.at), pass: { goal: first.outcome === 'accepted' } };
  if (state.status !== 'done') return undefined;
  const doneAt = runs
    .filter((run) => run.plan === state.plan && run.outcome === 'done' && run.finishedAt)
    .map((run) => Date.parse(run.finishedAt!))
    .sort((a, b) => a - b)[0];
  return { at: doneAt ?? Date.parse(state.updatedAt), pass: { goal: true } };
}

function yields(units: Unit[]): Record<Station, StationYield> {
  const out = {} as Record<Station, StationYield>;
  for (const s of STATIONS) {
    const arrived = units.filter((u) => u.pass[s] !== undefined);
    const firstPass = arrived.filter((u) => u.pass[s]).length;
    out[s] = {
      entered: arrived.length,
      firstPass,
      yield: arrived.length ? firstPass / arrived.length : null,
    };
  }
  return out;
}

function rolled(stations: Record<Station, StationYield>): number | null {
  const ys = STATIONS.map((s) => stations[s].yield).filter((y): y is number => y !== null);
  return ys.length ? ys.reduce((p, y) => p * y, 1) : null;
}

/** Per merged plan: its earliest approval before the merge → the merge. */
function leadTimes(r: LineRecords): { at: number; ms: number }[] {
  const out: { at: number; ms: number }[] = [];
  for (const [plan, mergedAt] of Object.entries(r.merges)) {
    const merged = Date.parse(mergedAt);
    const approved = (r.approvals[plan] ?? []).map((a) => Date.parse(a)).filter((a) => a <= merged);
    if (approved.length) out.push({ at: merged, ms: merged - Math.min(...approved) });
  }
  return out;
}

function restoreTimes(r: LineRecords): { at: number; ms: number }[] {
  return r.incidents
    .filter((i) => i.severity === 'red' && i.resolved_at)
    .map((i) => ({
      at: Date.parse(i.resolved_at!),
      ms: Date.parse(i.resolved_at!) - Date.parse(i.opened_at),
    }));
}

/** Every step's spend, at the step's start. */
function spendOf(runs: RunRecord[]): { at: number; costUsd: number; tokens: number }[] {
  return runs.flatMap((run) =>
    run.steps.map((s) => ({ at: Date.parse(s.startedAt), costUsd: s.costUsd ?? 0, tokens: s.tokens ?? 0 })),
  );
}

function workInProgress(r: LineRecords): LineMetrics['wip'] {
  let queued = 0;
  let inProgress = 0;
  let awaitingMerge = 0;
  for (const p of r.plans) {
    if (p.status === 'approved') queued++;
    else if (p.status === 'active') inProgress++;
    else if (p.status === 'done' && !r.merges[p.id]) awaitingMerge++;
  }
  return { queued, inProgress, awaitingMerge, total: queued + inProgress + awaitingMerge };
}

function dailySeries(d: {
  units: Unit[];
  chunks: ChunkFacts[];
  leads: { at: number; ms: number }[];
  incidents: LineRecords['incidents'];
  spent: { at: number; costUsd: number }[];
  since: number;
  now: number;
}): LineMetrics['series'] {
  const times = [
    ...d.units.map((u) => u.at),
    ...d.incidents.map((i) => Date.parse(i.opened_at)),
    ...d.spent.map((s) => s.at),
  ].filter((t) => Number.isFinite(t) && t >= d.since);
  const today = Math.floor(d.now / DAY);
  const earliest = times.reduce((m, t) => Math.min(m, t), d.now);
  const first = Math.max(today - MAX_DAYS + 1, Math.floor(earliest / DAY));
  const series: LineMetrics['series'] = {
    day: [],
    fpy: { maker: [], checks: [], checker: [], goal: [] },
    rty: [],
    chunksAccepted: [],
    cycleTimeP50Ms: [],
    leadTimeP50Ms: [],
    incidents: [],
    costUsd: [],
  };
  const onDay = (t: number, day: number) => Math.floor(t / DAY) === day && t >= d.since;
  for (let day = first; day <= today; day++) {
    const stations = yields(d.units.filter((u) => onDay(u.at, day)));
    const accepted = d.chunks.filter((c) => c.acceptedAt !== undefined && onDay(c.acceptedAt, day));
    series.day.push(new Date(day * DAY).toISOString().slice(0, 10));
    for (const s of STATIONS) series.fpy[s].push(stations[s].yield);
    series.rty.push(rolled(stations));
    series.chunksAccepted.push(accepted.length);
    series.cycleTimeP50Ms.push(median(accepted.map((c) => c.acceptedAt! - c.at)));
    series.leadTimeP50Ms.push(median(d.leads.filter((l) => onDay(l.at, day)).map((l) => l.ms)));
    series.incidents.push(d.incidents.filter((i) => onDay(Date.parse(i.opened_at), day)).length);
    series.costUsd.push(sum(d.spent.filter((s) => onDay(s.at, day)).map((s) => s.costUsd)));
  }
  return series;
}

function sum(xs: number[]): number {
  return xs.reduce((n, x) => n + x, 0);
}
