import { join } from 'node:path';
import { type AndonSummary, andonSummary } from '../andon/summary.js';
import type { Config } from '../config/schema.js';
import { readLedger, spentOn } from '../core/ledger.js';
import { isStale, readLock } from '../core/lock.js';
import { jidokaPaths } from '../core/paths.js';
import { readPlanState } from '../loops/execute/plan-state.js';
import { listPlans } from '../plans/store.js';

/**
 * Everything `jidoka status` shows, gathered from files only (no git, no
 * processes), so it is instant and safe to run while the daemon works.
 * The JSON form is stable and documented in the README.
 */
export interface Status {
  andon: AndonSummary;
  daemon: { running: boolean; pid?: number; since?: string };
  queue: { id: string; title: string; risk: string; created: string | null }[];
  running: { plan: string; chunk: number; chunks: number; attempt: number; step: string; pid?: number }[];
  plans: Record<string, number>;
  spend: {
    todayUsd: number;
    todayTokens: number;
    limitUsdPerDay: number;
    plans: { plan: string; usd: number; tokens: number }[];
  };
}

export function collectStatus(root: string, config: Config): Status {
  const paths = jidokaPaths(root);
  const lock = readLock(paths.lock);
  const entries = listPlans(root, config.limits.maxChunksPerPlan);
  const plans: Record<string, number> = {};
  for (const e of entries) plans[e.status ?? 'invalid'] = (plans[e.status ?? 'invalid'] ?? 0) + 1;
  const running: Status['running'] = [];
  const spendPlans: Status['spend']['plans'] = [];
  for (const e of entries) {
    const st = readPlanState(root, e.id);
    if (!st) continue;
    spendPlans.push({ plan: e.id, usd: st.spend.usd, tokens: st.spend.tokens });
    const runLock = readLock(join(paths.plansState, `${e.id}.lock`));
    if (st.status === 'running' && runLock && !isStale(runLock))
      running.push({
        plan: e.id,
        chunk: st.chunk,
        chunks: e.plan?.chunks.length ?? 0,
        attempt: st.attempt,
        step: st.step,
        ...(st.activePid ? { pid: st.activePid } : {}),
      });
  }
  const today = spentOn(readLedger(root), new Date().toISOString().slice(0, 10));
  return {
    andon: andonSummary(root),
    daemon:
      lock && !isStale(lock) ? { running: true, pid: lock.pid, since: lock.startedAt } : { running: false },
    queue: entries
      .filter((e) => e.plan?.status === 'approved')
      .map((e) => ({ id: e.id, title: e.plan!.title, risk: e.plan!.risk, created: e.plan!.created ?? null })),
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
  out.push(
    `daemon: ${s.daemon.running ? `running (pid ${s.daemon.pid}, since ${s.daemon.since})` : 'not running'}`,
  );
  out.push(
    `plans: ${
      Object.entries(s.plans)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || 'none'
    }`,
  );
  out.push(`queue: ${s.queue.length ? s.queue.map((q) => `${q.id} (${q.risk})`).join(', ') : 'empty'}`);
  for (const r of s.running)
    out.push(
      `running: ${r.plan}, chunk ${r.chunk}/${r.chunks}, attempt ${r.attempt}, step ${r.step}${r.pid ? ` (agent pid ${r.pid})` : ''}`,
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
