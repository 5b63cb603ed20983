import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spreadOf } from '../../src/metrics/spread.js';
import { recordApproval } from '../../src/plans/approval.js';
import { planFile } from '../../src/plans/store.js';
import {
  expectRedStop,
  fillWhys,
  frontmatterOf,
  incidentFile,
  line,
  resolve,
  run,
} from '../breakers/harness.js';
import { write } from '../support/line.js';
import { runCli } from '../support/repo.js';

/**
 * `jidoka metrics` on a line that really ran: a three-chunk plan with known
 * first-pass failures at every station, a red stop and its resolution, a
 * merge, then a one-chunk plan that passes everything first time. The
 * expected figures are counted by hand from the script below; the durations
 * are read from the records the run left (attempts, incident page, ledger).
 */
const PLAN = `---
id: p1
title: Add three modules
status: proposed
risk: low
skill: tdd
scope:
  - src/**
goal:
  statement: the three modules exist
  checks:
    - node -e "require('./src/a.js'); require('./src/b.js'); require('./src/c.js')"
created: 2026-11-21
---
## Context

The metrics scenario.

## Chunk 1: Module a

Create src/a.js exporting "a".

## Chunk 2: Module b

Create src/b.js exporting "b".

## Chunk 3: Module c

Create src/c.js exporting "c".
`;

// Every paid call reports its spend: maker $0.10 / 120 tokens, checker $0.05 / 60, goal $0.02 (no tokens).
const MAKER_USAGE = { costUsd: 0.1, inputTokens: 100, outputTokens: 20 };
const CHECKER_USAGE = { costUsd: 0.05, inputTokens: 50, outputTokens: 10 };
const GOAL_USAGE = { costUsd: 0.02 };
const paid = (...actions: object[]) => [...actions, { report: { usage: MAKER_USAGE } }];
const verdict = (decision: 'approve' | 'reject') => [
  { report: { decision, reasons: [decision], usage: CHECKER_USAGE } },
];
const goal = (met: boolean) => [
  { report: { met, evidence: [met ? 'all three load' : 'c is a stub'], usage: GOAL_USAGE } },
];
const AWS_KEY = 'AKIAZ7Q3MEXW5KT2LB9P';
// `src/a.js`, when present, must export "a".
const CHECKS = [
  `node -e "const f='./src/a.js'; if (require('fs').existsSync(f) && require(f) !== 'a') process.exit(1)"`,
];

const SCRIPT = {
  maker: [
    [{ exit: 1 }], // p1 chunk 1, attempt 1: the maker fails (maker station: miss)
    paid(write('src/a.js', 'module.exports = "b";\n')), // attempt 2: checks fail (checks station: miss)
    paid(write('src/a.js', 'module.exports = "a";\n')), // attempt 3: checker rejects (checker station: miss)
    paid(write('src/a.js', 'module.exports = "a"; // v2\n')), // attempt 4: accepted
    paid(write('src/b.js', 'module.exports = "b";\n')), // chunk 2, attempt 1: accepted first time everywhere
    paid(write('src/c.js', `module.exports = "c"; // ${AWS_KEY}\n`)), // chunk 3, attempt 1: secret, red stop (checks: miss)
    paid(write('src/c.js', 'module.exports = "c";\n')), // after the resolve, attempt 2: accepted (checker: pass)
    paid(write('src/c.js', 'module.exports = "c"; // v2\n')), // after the goal miss, attempt 3: accepted
    paid(write('src/d.js', 'module.exports = "d";\n')), // plan `other`, chunk 1: accepted first time
  ],
  checker: [verdict('reject'), verdict('approve')],
  goal: [goal(false), goal(true)], // p1: missed, then met; other: met first time
};

describe('jidoka metrics (a real line run)', () => {
  it('first-pass yields, RTY, andon rate, restore, lead and cycle time, cost per chunk and WIP match the records', () => {
    const l = line({
      plan: PLAN,
      checks: CHECKS,
      limits: { maxAttempts: 6, consecutiveFailures: 6, repeatFailure: 3 },
      script: SCRIPT,
    });
    const stopped = run(l.root, l.planId);
    const incident = expectRedStop(l, stopped, { category: 'secret_leak' });
    fillWhys(l.root, incident);
    expect(resolve(l.root, incident).code).toBe(0);
    const done = run(l.root, l.planId);
    expect(done.json.status, done.json.message).toBe('done');
    const merged = runCli(l.root, ['merge', l.planId]);
    expect(merged.code, merged.stderr).toBe(0);
    recordApproval(l.root, 'other', planFile(l.root, 'other'), 'Test User <test@example.invalid>');
    expect(run(l.root, 'other').json.status).toBe('done');

    const r = runCli(l.root, ['metrics', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);

    // Four chunks: p1's three and other's one; each station judged at a chunk's first arrival.
    expect(m.chunks).toEqual({ entered: 4, accepted: 4 });
    expect(m.stations).toEqual({
      maker: { entered: 4, firstPass: 3, yield: 0.75 },
      checks: { entered: 4, firstPass: 2, yield: 0.5 },
      checker: { entered: 4, firstPass: 3, yield: 0.75 },
      goal: { entered: 2, firstPass: 1, yield: 0.5 },
    });
    expect(m.rolledThroughputYield).toBeCloseTo(0.75 * 0.5 * 0.75 * 0.5, 10);
    expect(m.andon).toEqual({ incidents: 1, stops: 1, ratePer100Chunks: 25 });

    // Spend: 8 paid maker calls, 6 checker calls, 3 goal calls.
    expect(m.spend.costUsd).toBeCloseTo(8 * 0.1 + 6 * 0.05 + 3 * 0.02, 10);
    expect(m.spend.tokens).toBe(8 * 120 + 6 * 60);
    expect(m.spend.costUsdPerAcceptedChunk).toBeCloseTo(1.16 / 4, 10);
    expect(m.spend.tokensPerAcceptedChunk).toBe(1320 / 4);

    // Restore: the incident page's opened → resolved.
    const page = frontmatterOf(incidentFile(l.root, incident));
    const restore = Date.parse(String(page.resolved_at)) - Date.parse(String(page.opened_at));
    expect(m.timeToRestoreMs).toEqual({ n: 1, p50: restore, p90: restore, min: restore, max: restore });

    // Lead time: p1's approval (approvals.json) → its merge (ledger).
    const approvedAt = JSON.parse(readFileSync(join(l.root, '.jidoka/state/approvals.json'), 'utf8')).p1.at;
    const mergedAt = ledger(l.root).find((e) => e.event === 'plan.merged' && e.plan === 'p1')!.at;
    const lead = Date.parse(mergedAt) - Date.parse(approvedAt);
    expect(m.leadTimeMs).toEqual({ n: 1, p50: lead, p90: lead, min: lead, max: lead });

    // Cycle time: each chunk's first attempt start → its last accepted attempt's end, from the checkpoints.
    const cycles = [...chunkCycles(l.root, 'p1', 3), ...chunkCycles(l.root, 'other', 1)].sort(
      (a, b) => a - b,
    );
    expect(m.cycleTimeMs.n).toBe(4);
    expect(m.cycleTimeMs.min).toBe(cycles[0]);
    expect(m.cycleTimeMs.max).toBe(cycles[3]);
    expect(m.cycleTimeMs.p50).toBe((cycles[1]! + cycles[2]!) / 2);
    // Chunk 3 waited out the stop: its cycle time spans the time to restore.
    expect(chunkCycles(l.root, 'p1', 3)[2]).toBeGreaterThan(restore);

    // WIP now: p1 merged, other done and waiting for its merge.
    expect(m.wip).toEqual({ queued: 0, inProgress: 0, awaitingMerge: 1, total: 1 });
    // The daily series add up to the totals.
    const total = (xs: number[]) => xs.reduce((n, x) => n + x, 0);
    expect(total(m.series.chunksAccepted)).toBe(4);
    expect(total(m.series.incidents)).toBe(1);
    expect(total(m.series.costUsd)).toBeCloseTo(1.16, 10);
    expect(m.series.day.at(-1)).toBe(new Date().toISOString().slice(0, 10));
    expect(m.sources.problems).toEqual([]);

    // A window that starts after everything: nothing in it, work in progress unchanged.
    const later = JSON.parse(runCli(l.root, ['metrics', '--json', '--since', '0ms']).stdout);
    expect(later.chunks).toEqual({ entered: 0, accepted: 0 });
    expect(later.stations.maker).toEqual({ entered: 0, firstPass: 0, yield: null });
    expect(later.wip.awaitingMerge).toBe(1);

    const text = runCli(l.root, ['metrics']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/maker\s+75%\s+\(3 of 4 first time\)/);
    expect(text.stdout).toContain('rolled throughput yield 14%');
    expect(text.stdout).toContain('1 incident(s), 1 stop(s); 25.0 per 100 chunks');
    expect(runCli(l.root, ['metrics', '--since', 'soon']).code).toBe(2);
  }, 240_000);
});

function ledger(root: string): { at: string; event: string; plan?: string }[] {
  return readFileSync(join(root, '.jidoka', 'ledger.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

/** Per chunk 1..n of a plan: first attempt's start → last accepted attempt's end, from its checkpoint. */
function chunkCycles(root: string, plan: string, n: number): number[] {
  const state = JSON.parse(readFileSync(join(root, '.jidoka', 'state', 'plans', `${plan}.json`), 'utf8'));
  const out: number[] = [];
  for (let c = 1; c <= n; c++) {
    const attempts = state.attempts.filter((a: { chunk: number }) => a.chunk === c);
    const first = attempts[0];
    const accepted = attempts.filter((a: { outcome: string }) => a.outcome === 'accepted').at(-1);
    out.push(Date.parse(accepted.at) - (Date.parse(first.at) - first.durationMs));
  }
  return out;
}

describe('spreadOf', () => {
  it('median of an even count is the mean of the middle two; p90 interpolates between ranks', () => {
    expect(spreadOf([4, 1, 3, 2])).toEqual({ n: 4, p50: 2.5, p90: 3.7, min: 1, max: 4 });
    expect(spreadOf([5])).toEqual({ n: 1, p50: 5, p90: 5, min: 5, max: 5 });
    expect(spreadOf([])).toEqual({ n: 0, p50: null, p90: null, min: null, max: null });
  });
});
