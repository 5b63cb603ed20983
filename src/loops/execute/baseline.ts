import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportedTotal } from '../../andon/guards.js';
import { writeJsonAtomic } from '../../core/atomic-write.js';
import { jidokaPaths } from '../../core/paths.js';
import { gitAt } from '../../git/repo.js';
import { checkSpecs, runChecks } from '../checks.js';
import { recordStep, stepDir } from '../run-record.js';
import type { PlanRun } from './plan-run.js';
import { setBaseline, writePlanState } from './plan-state.js';

/**
 * The test count at the plan's base, before chunk 1: the chunk checks run
 * once on the untouched worktree, so the first chunk is held to what the
 * suite was, not only later chunks to earlier ones. Computed once per base
 * commit (and per check list) and cached in `.jidoka/cache/baseline/`; a
 * suite that reports no count gives no baseline.
 */
export async function recordBaseline(p: PlanRun): Promise<void> {
  const { opts, state } = p;
  if (state.testTotal !== undefined || state.chunk !== 1 || !opts.config.checks.length) return;
  const file = join(jidokaPaths(opts.root).cache, 'baseline', `${state.baseSha}.json`);
  const key = JSON.stringify(opts.config.checks);
  const cached = readCached(file, key);
  const total = cached !== undefined ? cached.total : await measure(p);
  if (total === 'unknown') return;
  if (cached === undefined) writeJsonAtomic(file, { checks: key, total });
  if (typeof total === 'number') {
    setBaseline(state, total);
    writePlanState(opts.root, state);
  }
}

function readCached(file: string, key: string): { total: number | null } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { checks?: string; total?: number | null };
    return data.checks === key && (typeof data.total === 'number' || data.total === null)
      ? { total: data.total }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Run the chunk checks on the worktree at base. Only a worktree that is
 * exactly the base is measured (a resumed plan may hold a maker's work);
 * what the checks change in tracked files is put back, since no agent has
 * worked here yet. 'unknown' when the worktree is not the base.
 */
async function measure(p: PlanRun): Promise<number | null | 'unknown'> {
  const { opts, state } = p;
  const git = gitAt(p.worktree.path);
  const head = (await git.raw(['rev-parse', 'HEAD'])).trim();
  const dirty = (await git.raw(['status', '--porcelain'])).trim();
  if (head !== state.baseSha || dirty) return 'unknown';
  const dir = stepDir(p.run, 'baseline', 0, 0);
  const started = Date.now();
  const checks = await runChecks({
    cwd: p.worktree.path,
    specs: checkSpecs(opts.config.checks, opts.config.limits.checkTimeout),
    stepDir: dir,
    maxOutputBytes: opts.config.limits.maxOutputBytes,
    sandbox: opts.config.sandbox,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const total = reportedTotal(checks) ?? null;
  recordStep(p.run, {
    name: 'baseline',
    dir,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    outcome: total === null ? 'no test count' : `${total} tests`,
  });
  if ((await git.raw(['status', '--porcelain'])).trim()) {
    await git.raw(['reset', '--hard', '--quiet', state.baseSha]);
    await git.raw(['clean', '-fdq']);
  }
  return opts.signal?.aborted ? 'unknown' : total;
}
