import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listIncidents, parseIncident } from '../andon/incident/files.js';
import {
  type AndonSummary,
  andonSummary,
  type SummarizedIncident,
  summarizeIncident,
} from '../andon/summary.js';
import type { Config } from '../config/schema.js';
import { spentToday } from '../core/ledger.js';
import { isStale, readLock } from '../core/lock.js';
import { jidokaPaths } from '../core/paths.js';
import { heartbeatLate, readHeartbeat } from '../daemon/heartbeat.js';
import type { PlanState } from '../loops/execute/plan-state.js';
import { readMerging } from '../merge/merging-now.js';
import {
  formatMergeQueue,
  type MergeQueueView,
  mergeQueueView,
  type QueuedPlan,
} from '../merge/queue-view.js';
import { readApprovals } from '../plans/approvals-file.js';
import { planFiles } from '../plans/store.js';
import { checkPlan } from '../plans/validate.js';
import { type FileCache, openFileCache } from './file-cache.js';
import { lastAgentStep } from './sandbox.js';

/**
 * Everything `jidoka status` shows, gathered from files only (no git, no
 * processes), so it is instant and safe to run while the daemon works.
 * The JSON form is stable and documented in the README.
 */
export interface Status {
  andon: AndonSummary;
  daemon: {
    running: boolean;
    pid?: number;
    since?: string;
    /** The daemon's last heartbeat: `responding` false when it is late (a hung or stopped process). */
    heartbeat?: { at: string; ageMs: number; state: string; busy: boolean; responding: boolean };
  };
  /** `sandbox.mode` from the config (each running plan says whether its last agent step was sandboxed). */
  sandbox: { mode: string };
  queue: { id: string; title: string; risk: string; created: string | null }[];
  /** Done plans on their way to main: the one being merged, the waiting, the ready, the last failures and why. */
  mergeQueue: MergeQueueView;
  running: {
    plan: string;
    chunk: number;
    chunks: number;
    attempt: number;
    step: string;
    pid?: number;
    /** The plan's last agent step so far (its step folder's result): did it run inside the sandbox? */
    lastStep?: { name: string; sandboxed: boolean };
  }[];
  plans: Record<string, number>;
  spend: {
    todayUsd: number;
    todayTokens: number;
    limitUsdPerDay: number;
    plans: { plan: string; usd: number; tokens: number }[];
  };
}

/** What status keeps of a plan file (cached by its text). */
interface PlanFacts {
  id: string;
  status: string | null;
  plan: { status: string; title: string; risk: string; created: string | null; chunks: number } | null;
}

function planFacts(root: string, file: string, maxChunks: number, cache: FileCache): PlanFacts {
  return cache.facts(file, (text): PlanFacts => {
    const e = checkPlan(text, relative(root, file), file, maxChunks);
    const p = e.plan;
    return {
      id: e.id,
      status: e.status ?? null,
      plan: p
        ? {
            status: p.status,
            title: p.title,
            risk: p.risk,
            created: p.created ?? null,
            chunks: p.chunks.length,
          }
        : null,
    };
  });
}

function incidentFacts(root: string, cache: FileCache) {
  return listIncidents(root, (_text, file) =>
    cache.facts(file, (text): SummarizedIncident => summarizeIncident(parseIncident(text, file))),
  );
}

export function collectStatus(root: string, config: Config): Status {
  const paths = jidokaPaths(root);
  const lock = readLock(paths.lock);
  const cache = openFileCache(root);
  const entries = planFiles(root).map((f) => planFacts(root, f, config.limits.maxChunksPerPlan, cache));
  const andon = andonSummary(root, incidentFacts(root, cache));
  cache.save();
  const plans: Record<string, number> = {};
  for (const e of entries) plans[e.status ?? 'invalid'] = (plans[e.status ?? 'invalid'] ?? 0) + 1;
  const running: Status['running'] = [];
  const spendPlans: Status['spend']['plans'] = [];
  const approvals = readApprovals(root);
  const queued: QueuedPlan[] = [];
  for (const e of entries) {
    const st = planState(paths.plansState, e.id);
    if (e.status === 'done' && st)
      queued.push({ id: e.id, status: e.status, state: st, approvedAt: approvals[e.id]?.at ?? '' });
    if (!st) continue;
    spendPlans.push({ plan: e.id, usd: st.spend.usd, tokens: st.spend.tokens });
    const runLock = readLock(join(paths.plansState, `${e.id}.lock`));
    if (st.status === 'running' && runLock && !isStale(runLock)) {
      const last = lastAgentStep(root, st.runIds.at(-1));
      running.push({
        plan: e.id,
        chunk: st.chunk,
        chunks: e.plan?.chunks ?? 0,
        attempt: st.attempt,
        step: st.step,
        ...(st.activePid ? { pid: st.activePid } : {}),
        ...(last ? { lastStep: last } : {}),
      });
    }
  }
  const today = spentToday(root);
  return {
    andon,
    daemon: lock && !isStale(lock) ? runningDaemon(root, lock) : { running: false },
    sandbox: { mode: config.sandbox.mode },
    queue: entries
      .filter((e) => e.plan?.status === 'approved')
      .map((e) => ({ id: e.id, title: e.plan!.title, risk: e.plan!.risk, created: e.plan!.created ?? null })),
    mergeQueue: mergeQueueView(queued, readMerging(root)),
    running,
    plans,
    spend: {
      todayUsd: today.usd,
      todayTokens: today.tokens,
      limitUsdPerDay: config.limits.budgetUsdPerDay,
      plans: spendPlans,
    },
  };
}

/**
 * The plan's checkpoint, read here rather than with readPlanState: its module
 * brings the guards (and picomatch) along, which `status` does not need.
 */
function planState(dir: string, id: string): PlanState | undefined {
  const file = join(dir, `${id}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PlanState;
  } catch {
    return undefined;
  }
}

/** The lock's daemon, with its heartbeat when that is its own (same pid). */
function runningDaemon(root: string, lock: { pid: number; startedAt: string }): Status['daemon'] {
  const beat = readHeartbeat(root);
  const now = Date.now();
  return {
    running: true,
    pid: lock.pid,
    since: lock.startedAt,
    ...(beat && beat.pid === lock.pid
      ? {
          heartbeat: {
            at: beat.at,
            ageMs: Math.max(0, now - Date.parse(beat.at)),
            state: beat.state,
            busy: beat.busy,
            responding: !heartbeatLate(beat, now),
          },
        }
      : {}),
  };
}

export function formatStatus(s: Status): string {
  const out: string[] = [];
  const a = s.andon;
  if (a.line.state === 'stopped')
    out.push(
      `LINE STOPPED by ${a.line.incident ?? 'hand'} (${a.line.category ?? 'manual'}): ${a.line.reason ?? ''}`,
      `  restart: jidoka andon show ${a.line.incident ?? '<id>'}, then jidoka andon resolve ${a.line.incident ?? '<id>'} --root-cause ... --countermeasure ... --level L1|L2|L3|L4`,
    );
  else if (a.line.state === 'yellow') out.push(`line: YELLOW: ${a.line.yellow?.reason ?? ''}`);
  else out.push('line: running');
  out.push(`daemon: ${daemonLine(s.daemon)}`);
  out.push(
    `sandbox: ${s.sandbox.mode === 'bwrap' ? 'bwrap (agent steps and checks run sandboxed)' : `${s.sandbox.mode} (steps run unsandboxed)`}`,
  );
  out.push(
    `plans: ${
      Object.entries(s.plans)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || 'none'
    }`,
  );
  out.push(`queue: ${s.queue.length ? s.queue.map((q) => `${q.id} (${q.risk})`).join(', ') : 'empty'}`);
  out.push(...formatMergeQueue(s.mergeQueue));
  for (const r of s.running)
    out.push(
      `running: ${r.plan}, chunk ${r.chunk}/${r.chunks}, attempt ${r.attempt}, step ${r.step}${r.pid ? ` (agent pid ${r.pid})` : ''}${
        r.lastStep
          ? `; last agent step ${r.lastStep.name} ${r.lastStep.sandboxed ? 'sandboxed' : 'NOT sandboxed'}`
          : ''
      }`,
    );
  out.push(
    `incidents: ${a.incidents.open} open, ${a.incidents.resolved} resolved; standards added by Kaizen: ${a.standardsAdded}`,
  );
  for (const i of a.openIncidents) out.push(`  ${i.id} [${i.severity}] ${i.category}: ${i.title}`);
  out.push(
    `spend today: $${s.spend.todayUsd.toFixed(2)} of $${s.spend.limitUsdPerDay} (${s.spend.todayTokens} tokens)`,
  );
  return out.join('\n');
}

function daemonLine(d: Status['daemon']): string {
  if (!d.running) return 'not running';
  const base = `running (pid ${d.pid}, since ${d.since}`;
  const hb = d.heartbeat;
  if (!hb) return `${base}; no heartbeat yet)`;
  const age = `${Math.round(hb.ageMs / 1000)}s ago`;
  if (!hb.responding)
    return `NOT RESPONDING: pid ${d.pid} is alive but its last heartbeat was ${age} (hung, or stopped with SIGSTOP?)`;
  return `${base}; heartbeat ${age}${hb.state === 'stopping' ? ', stopping' : ''}${hb.busy ? ', busy' : ', idle'})`;
}
