import { relative } from 'node:path';
import { listIncidents } from '../andon/incident/files.js';
import { parseWhys, type Why } from '../andon/incident/whys.js';
import type { Config } from '../config/schema.js';
import { listPlans } from '../plans/store.js';
import { collectStatus, type Status } from '../status/status.js';
import type { WikiHealth } from '../wiki/live-lint.js';
import { type RunningStep, runningSteps } from './running-steps.js';

/**
 * Everything the board page shows, in one JSON document: what `jidoka
 * status --json` prints, plus what only the board shows (each running step
 * with its output tail, every incident with its Five Whys, every plan, the
 * budgets, the wiki's health). Read from files only, like status.
 */
export interface BoardSnapshot {
  status: Status;
  steps: RunningStep[];
  incidents: BoardIncident[];
  plans: { id: string; title: string | null; status: string; risk: string | null; chunks: number }[];
  budgets: { usdPerPlan: number; usdPerDay: number; tokensPerPlan: number };
  wiki: WikiHealth | null;
}

export interface BoardIncident {
  id: string;
  title: string;
  status: string;
  severity: string;
  category: string;
  plan: string | null;
  opened_at: string;
  resolved_at: string | null;
  prevention_level: string | null;
  countermeasure: string | null;
  file: string;
  whys: Why[];
}

/** Resolved incidents beyond this many (newest kept) are left to `jidoka andon list`. */
const RESOLVED_SHOWN = 20;

export function boardSnapshot(root: string, config: Config, wiki: WikiHealth | undefined): BoardSnapshot {
  const status = collectStatus(root, config);
  const { incidents } = listIncidents(root);
  const open = incidents.filter((i) => i.status !== 'resolved');
  const resolved = incidents.filter((i) => i.status === 'resolved').slice(-RESOLVED_SHOWN);
  return {
    status,
    steps: runningSteps(root, status.running),
    incidents: [...open, ...resolved].map((i) => ({
      id: i.id,
      title: i.title,
      status: i.status,
      severity: i.severity,
      category: i.category,
      plan: i.plan,
      opened_at: i.opened_at,
      resolved_at: i.resolved_at,
      prevention_level: i.prevention_level,
      countermeasure: i.countermeasure,
      file: relative(root, i.file),
      whys: parseWhys(i.body),
    })),
    plans: listPlans(root, config.limits.maxChunksPerPlan).map((e) => ({
      id: e.id,
      title: e.plan?.title ?? null,
      status: e.status ?? 'invalid',
      risk: e.plan?.risk ?? null,
      chunks: e.plan?.chunks.length ?? 0,
    })),
    budgets: {
      usdPerPlan: config.limits.budgetUsdPerPlan,
      usdPerDay: config.limits.budgetUsdPerDay,
      tokensPerPlan: config.limits.budgetTokensPerPlan,
    },
    wiki: wiki ?? null,
  };
}
