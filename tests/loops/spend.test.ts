import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onePlan } from '../breakers/harness.js';
import { approve, reject, setupLine, write } from '../support/line.js';
import { runCli } from '../support/repo.js';

/**
 * What every agent step spent is counted once and agrees everywhere: the
 * run record (its steps and its total), the ledger's run.finished line,
 * `jidoka status --json` and `jidoka review --json`. Each scripted step
 * reports distinct token counts in its report (the `command` adapter's
 * usage contract), so a step left out shows in the sums.
 */

const usage = (inputTokens: number, outputTokens: number, costUsd: number) => ({
  usage: { inputTokens, outputTokens, costUsd },
});

interface Step {
  name: string;
  chunk?: number;
  attempt?: number;
  tokens?: number;
  costUsd?: number;
}
interface Run {
  steps: Step[];
  tokens: number;
  costUsd: number;
}

function runRecords(root: string): Run[] {
  const dir = join(root, '.jidoka/runs');
  return readdirSync(dir)
    .filter((d) => !d.startsWith('andon-'))
    .map((d) => JSON.parse(readFileSync(join(dir, d, 'run.json'), 'utf8')) as Run);
}

function ledger(root: string): Record<string, unknown>[] {
  return readFileSync(join(root, '.jidoka/ledger.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const sum = (steps: Step[], key: 'tokens' | 'costUsd') => steps.reduce((n, s) => n + (s[key] ?? 0), 0);

describe('spend: every step counted, the same everywhere', () => {
  it('maker, checker and goal-checker tokens agree in the run record, the ledger, status and review', () => {
    const { root, planId } = setupLine({
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "a";\n'), { report: usage(100, 10, 0.001) }],
          [write('src/b.js', 'module.exports = "b";\n'), { report: usage(200, 20, 0.002) }],
        ],
        checker: [
          [{ report: { decision: 'approve', reasons: ['a ok'], ...usage(300, 30, 0.003) } }],
          [{ report: { decision: 'approve', reasons: ['b ok'], ...usage(400, 40, 0.004) } }],
        ],
        goal: [[{ report: { met: true, evidence: ['both load'], ...usage(5000, 500, 0.05) } }]],
      },
      roles: ['maker', 'checker', 'goal'],
    });
    expect(runCli(root, ['plan', 'approve', planId]).code).toBe(0);
    const r = runCli(root, ['run', planId]);
    expect(r.code, r.stderr + r.stdout).toBe(0);

    const expected = 110 + 220 + 330 + 440 + 5500;
    const [run] = runRecords(root);
    const agentSteps = run!.steps.filter((s) => ['maker', 'checker', 'goal'].includes(s.name));
    expect(agentSteps.map((s) => [s.name, s.tokens])).toEqual([
      ['maker', 110],
      ['checker', 330],
      ['maker', 220],
      ['checker', 440],
      ['goal', 5500],
    ]);
    expect(sum(run!.steps, 'tokens')).toBe(expected);
    expect(run!.tokens).toBe(expected);
    expect(run!.costUsd).toBeCloseTo(0.06, 10);

    const finished = ledger(root).filter((e) => e.event === 'run.finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ tokens: expected });
    expect(finished[0]!.costUsd).toBeCloseTo(0.06, 10);

    const status = JSON.parse(runCli(root, ['status', '--json']).stdout);
    expect(status.spend.todayTokens).toBe(expected);
    expect(status.spend.todayUsd).toBeCloseTo(0.06, 10);
    expect(status.spend.plans).toEqual([{ plan: planId, usd: expect.any(Number), tokens: expected }]);

    const review = JSON.parse(runCli(root, ['review', planId, '--json']).stdout);
    expect(review.spend.tokens).toBe(expected);
    expect(sum(review.steps, 'tokens')).toBe(expected);
    expect(review.goal).toHaveLength(1);
    expect(review.goal[0]).toMatchObject({
      outcome: 'accepted',
      verdict: { decision: 'met', reasons: ['both load'] },
      tokens: 5500,
      costUsd: 0.05,
      checks: [{ name: expect.stringMatching(/^goal: /), passed: true }],
    });
    expect(review.steps.find((s: Step) => s.name === 'goal')).toMatchObject({
      chunk: 3,
      attempt: 1,
      tokens: 5500,
    });

    const text = runCli(root, ['review', planId]).stdout;
    expect(text).toMatch(
      /goal\n\s+check 1: met; goal checks 1\/1 passed; evidence: both load; \$0\.0500, 5500 tokens/,
    );
    expect(text).toMatch(/goal: \$0\.0500, 5500 tokens/);
    expect(text).toContain(
      `Spend: $0.0600, ${expected} tokens (maker $0.0030, 330 tokens; checker $0.0070, 770 tokens; goal $0.0500, 5500 tokens)`,
    );
  }, 90_000);

  it('a missed goal and a failed plan: the goal verdicts, and the diagnose steps, are counted too', () => {
    const { root, planId } = setupLine({
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "a";\n'), { report: usage(10, 1, 0) }],
          [write('src/a.js', 'module.exports = "a"; // {call}\n'), { report: usage(30, 3, 0) }],
        ],
        checker: [[approve('a ok')], [reject('still not it {call}')]],
        goal: [[{ report: { met: false, evidence: ['b is not what the goal says'], ...usage(700, 70, 0) } }]],
        diagnose: [[{ report: { whys: [], ...usage(4000, 400, 0) } }], [{ report: usage(60000, 6000, 0) }]],
      },
      plan: onePlan('one'),
      planId: 'one',
      roles: ['maker', 'checker', 'goal', 'diagnose'],
      limits: { consecutiveFailures: 3, maxAttempts: 5 },
    });
    expect(runCli(root, ['plan', 'approve', planId]).code).toBe(0);
    const r = runCli(root, ['run', planId]);
    expect(r.code, r.stderr + r.stdout).not.toBe(0);

    const [run] = runRecords(root);
    const names = run!.steps.map((s) => s.name).filter((n) => ['goal', 'diagnose'].includes(n));
    expect(names).toEqual(['goal', 'diagnose', 'diagnose']);
    const diagnose = run!.steps.filter((s) => s.name === 'diagnose').map((s) => s.tokens);
    expect(diagnose).toEqual([4400, 66000]);
    expect(run!.tokens).toBe(sum(run!.steps, 'tokens'));
    expect(run!.tokens).toBeGreaterThan(66000 + 4400 + 770);

    const finished = ledger(root).filter((e) => e.event === 'run.finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ outcome: 'failed', tokens: run!.tokens });
    const status = JSON.parse(runCli(root, ['status', '--json']).stdout);
    expect(status.spend.todayTokens).toBe(run!.tokens);
    const review = JSON.parse(runCli(root, ['review', planId, '--json']).stdout);
    expect(review.spend.tokens).toBe(run!.tokens);
    expect(review.goal[0]).toMatchObject({
      outcome: 'failed',
      verdict: { decision: 'not met', reasons: ['b is not what the goal says'] },
      tokens: 770,
    });
    expect(runCli(root, ['review', planId]).stdout).toMatch(
      /other agent steps\n\s+diagnose: \$0\.0000, 4400 tokens/,
    );
  }, 90_000);

  it("the auditor's spend is on its audit.finished line, and so in `jidoka status`", () => {
    const { root } = setupLine({
      script: { auditor: [[{ report: { plans: [], notes: 'nothing', ...usage(900, 99, 0.125) } }]] },
      roles: ['maker', 'checker', 'auditor'],
    });
    const r = runCli(root, ['audit']);
    expect(r.code, r.stderr).toBe(0);
    expect(ledger(root).filter((e) => e.event === 'audit.finished')).toMatchObject([
      { costUsd: 0.125, tokens: 999 },
    ]);
    const status = JSON.parse(runCli(root, ['status', '--json']).stdout);
    expect(status.spend).toMatchObject({ todayUsd: 0.125, todayTokens: 999 });
  });
});
