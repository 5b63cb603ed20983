import { computeFigures, type LineMetrics } from './figures.js';
import { readLineRecords } from './records.js';

export type { LineMetrics, Station, StationYield } from './figures.js';
export { STATIONS } from './figures.js';
export type { Spread } from './spread.js';

export interface MetricsOptions {
  /** Only what happened at or after this time (ms since the epoch); everything on record when absent. */
  sinceMs?: number;
  /** "Now", for the window's end and the daily series (tests pin it). */
  nowMs?: number;
  /** limits.maxChunksPerPlan, so plan files parse as the line reads them. */
  maxChunks?: number;
}

/**
 * The line's lean figures for the repository at `root`, computed from the
 * records on disk (plan checkpoints, run records, incidents, ledger). Read
 * only, safe while the daemon runs; `jidoka metrics` and the board call it.
 */
export async function computeMetrics(root: string, opts: MetricsOptions = {}): Promise<LineMetrics> {
  const records = readLineRecords(root, opts.maxChunks);
  return computeFigures(records, {
    nowMs: opts.nowMs ?? Date.now(),
    ...(opts.sinceMs !== undefined ? { sinceMs: opts.sinceMs } : {}),
  });
}
