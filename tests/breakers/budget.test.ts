import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportedUsage } from '../../src/agents/adapters/command.js';
import { approve, met, twoChunkPlan, write } from '../support/line.js';
import { runCli } from '../support/repo.js';
import {
  alive,
  calls,
  childPid,
  expectDone,
  expectRedStop,
  line,
  run,
  SPAWN_CHILD,
  showAt,
  status,
} from './harness.js';

/** A custom agent reports its spend in its report file (the `command` adapter's usage contract). */
const spent = (costUsd: number) => ({ report: { usage: { costUsd, inputTokens: 1000, outputTokens: 200 } } });

describe('breaker: budget (end to end)', () => {
  it('a maker reporting $0.60 a call against a $1 plan budget: once reached, nothing more is dispatched', () => {
    const l = line({
      plan: twoChunkPlan('p1'),
      limits: { budgetUsdPerPlan: 1 },
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "a";\n'), spent(0.6)],
          [write('src/b.js', 'module.exports = "b";\n'), spent(0.6), SPAWN_CHILD],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, { category: 'budget', detector: 'budget' });
    expect(r.json.message).toMatch(/budget reached: plan spend \$1\.20 of \$1; no further dispatch/);
    expect(alive(childPid(l))).toBe(false);
    // Chunk 1 ($0.60) was checked and committed; after chunk 2's maker ($1.20) the checker was refused.
    expect(calls(l)).toEqual({ maker: 2, checker: 1 });
    expect(showAt(l.root, `refs/andon/${id}`, 'src/b.js')).toBe('module.exports = "b";');
    expect(showAt(l.root, `jidoka/${l.planId}`, 'src/b.js')).toBeUndefined();
    const plan = status(l.root).spend.plans.find((p) => p.plan === l.planId);
    expect(plan).toMatchObject({ usd: 1.2, tokens: 2400 });
    // The next run is refused before any dispatch, too.
    expect(runCli(l.root, ['run', l.planId]).stderr).toContain(`the line is stopped by incident ${id}`);
    expect(calls(l).maker).toBe(2);
  });

  it('does not trip on a maker that stays under the budget, and reports the spend', () => {
    const l = line({
      plan: twoChunkPlan('p1'),
      limits: { budgetUsdPerPlan: 1 },
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "a";\n'), spent(0.1)],
          [write('src/b.js', 'module.exports = "b";\n'), spent(0.1)],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    const plan = status(l.root).spend.plans.find((p) => p.plan === l.planId);
    expect(plan?.usd).toBeCloseTo(0.2);
    expect(plan?.tokens).toBe(2400);
  });

  it('reads usage from a report file, ignoring what it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jidoka-usage-'));
    const file = join(dir, 'report.json');
    expect(reportedUsage(file)).toEqual({});
    writeFileSync(
      file,
      JSON.stringify({ decision: 'approve', usage: { costUsd: 0.25, inputTokens: 10, outputTokens: 5 } }),
    );
    expect(reportedUsage(file)).toEqual({
      costUsd: 0.25,
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    });
    writeFileSync(file, JSON.stringify({ usage: { costUsd: -1, outputTokens: 7 } }));
    expect(reportedUsage(file)).toEqual({ usage: { inputTokens: 0, outputTokens: 7, totalTokens: 7 } });
    writeFileSync(file, 'not json');
    expect(reportedUsage(file)).toEqual({});
  });
});
