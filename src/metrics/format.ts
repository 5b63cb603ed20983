import { formatDuration } from '../core/duration.js';
import { type LineMetrics, STATIONS } from './figures.js';
import type { Spread } from './spread.js';

/** `jidoka metrics` for a terminal: one figure a line, the ratio with its counts. */
export function formatMetrics(m: LineMetrics): string {
  const out: string[] = [`line figures ${m.since ? `since ${m.since}` : 'for everything on record'}`];
  out.push('first-pass yield:');
  for (const s of STATIONS) {
    const y = m.stations[s];
    out.push(`  ${s.padEnd(8)} ${percent(y.yield).padStart(5)}  (${y.firstPass} of ${y.entered} first time)`);
  }
  out.push(`  rolled throughput yield ${percent(m.rolledThroughputYield)}`);
  out.push(`chunks: ${m.chunks.entered} started, ${m.chunks.accepted} accepted`);
  out.push(`lead time (approved → merged): ${spread(m.leadTimeMs, 'plan')}`);
  out.push(`cycle time per chunk: ${spread(m.cycleTimeMs, 'chunk')}`);
  out.push(
    `andon: ${m.andon.incidents} incident(s), ${m.andon.stops} stop(s); ${
      m.andon.ratePer100Chunks === null ? '-' : m.andon.ratePer100Chunks.toFixed(1)
    } per 100 chunks`,
  );
  out.push(`time to restore a stopped line: ${spread(m.timeToRestoreMs, 'stop')}`);
  const per = m.spend.costUsdPerAcceptedChunk;
  out.push(
    `spend: $${m.spend.costUsd.toFixed(2)}, ${m.spend.tokens} tokens; per accepted chunk ${
      per === null ? '-' : `$${per.toFixed(2)}, ${Math.round(m.spend.tokensPerAcceptedChunk ?? 0)} tokens`
    }`,
  );
  out.push(
    `work in progress: ${m.wip.total} plan(s): ${m.wip.queued} queued, ${m.wip.inProgress} in progress, ${m.wip.awaitingMerge} awaiting merge`,
  );
  for (const p of m.sources.problems) out.push(`warning: ${p}`);
  return out.join('\n');
}

function percent(y: number | null): string {
  return y === null ? '-' : `${Math.round(y * 100)}%`;
}

function spread(s: Spread, unit: string): string {
  if (!s.n) return `no ${unit} yet`;
  return `median ${formatDuration(s.p50!)}, p90 ${formatDuration(s.p90!)}, ${formatDuration(s.min!)}–${formatDuration(s.max!)} (${s.n} ${unit}${s.n === 1 ? '' : 's'})`;
}
