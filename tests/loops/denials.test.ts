import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { onePlan } from '../breakers/harness.js';
import { approve, met, setupLine, write } from '../support/line.js';
import { FAKE_AGENT, fakeAgentCommand, git, runCli } from '../support/repo.js';

/**
 * A CLI's refused tool uses are a finding: stored with the step, given to
 * the checker, shown next to the verdict in `jidoka review`, and counted.
 * The maker and checker run through the real claude adapter (its argv, its
 * parser), with the scripted agent as the `bin` printing claude's result
 * event, so what is tested is what a claude step produces.
 */

/** claude's `--output-format json` result, with the tool uses it refused. */
function claudeResult(tokens: number, denied: { tool: string; input: Record<string, string> }[]) {
  return {
    stdout: JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      num_turns: 2,
      result: 'done',
      session_id: '7c1e2f40-0000-4000-8000-000000000001',
      total_cost_usd: 0.01,
      usage: { input_tokens: tokens, output_tokens: 0 },
      permission_denials: denied.map((d, i) => ({
        tool_name: d.tool,
        tool_use_id: `t${i}`,
        tool_input: d.input,
      })),
    }),
  };
}

describe('permission denials', () => {
  it("the maker refused `npm test`: the checker is told, the checker's own refusals show with its approval, all counted", () => {
    const { root, planId, scriptFile } = setupLine({
      plan: onePlan('one'),
      planId: 'one',
      script: {
        maker: [
          [
            write('src/a.js', 'module.exports = "a";\n'),
            claudeResult(100, [{ tool: 'Bash', input: { command: 'npm test' } }]),
          ],
        ],
        checker: [
          [
            { sh: 'cp "$JIDOKA_PROMPT_FILE" "{scriptDir}/checker-prompt.md"' },
            approve('looks right'),
            claudeResult(200, [{ tool: 'Bash', input: { command: 'npm run lint' } }]),
          ],
        ],
        goal: [[met('a loads')]],
      },
      roles: ['goal'],
    });
    const scriptDir = dirname(scriptFile);
    const claude = {
      adapter: 'claude',
      bin: FAKE_AGENT,
      args: ['--script', scriptFile],
      sandbox: { writable: [scriptDir] },
    };
    // claude for the maker and checker (the script's path is known only now), the command adapter for the goal.
    const config = {
      agents: {
        maker: claude,
        checker: claude,
        goal: {
          adapter: 'command',
          command: fakeAgentCommand(scriptFile),
          sandbox: { writable: [scriptDir] },
        },
      },
      checks: ['node -e "process.exit(0)"'],
      limits: { noProgress: '20s', agentTimeout: '60s' },
    };
    writeFileSync(join(root, 'jidoka.yaml'), stringify(config));
    git(root, 'commit', '-qam', 'claude agents');
    expect(runCli(root, ['plan', 'approve', planId]).code).toBe(0);
    const r = runCli(root, ['run', planId]);
    expect(r.code, r.stderr + r.stdout).toBe(0);

    const prompt = readFileSync(join(scriptDir, 'checker-prompt.md'), 'utf8');
    expect(prompt).toMatch(/# What the maker was refused\n\n.*\n\n- Bash: npm test/);

    const review = JSON.parse(runCli(root, ['review', planId, '--json']).stdout);
    expect(review.chunks[0].attempts[0]).toMatchObject({
      outcome: 'accepted',
      verdict: { decision: 'approve', reasons: ['looks right'] },
      permissionDenials: { maker: ['Bash: npm test'], checker: ['Bash: npm run lint'] },
      tokens: 300,
    });
    expect(review.permissionDenials).toEqual({ total: 2, byRole: { maker: 1, checker: 1 } });
    const text = runCli(root, ['review', planId]).stdout;
    expect(text).toMatch(
      /attempt 1: accepted; checks 2\/2 passed; verdict approve: looks right; maker was refused: Bash: npm test; checker was refused: Bash: npm run lint;/,
    );
    expect(text).toContain('Permission denials: 2 (maker 1, checker 1)');

    const runsDir = join(root, '.jidoka/runs');
    const [runId] = readdirSync(runsDir);
    const run = JSON.parse(readFileSync(join(runsDir, runId!, 'run.json'), 'utf8'));
    expect(run.permissionDenials).toBe(2);
    expect(run.steps.find((s: { name: string }) => s.name === 'checker').permissionDenials).toEqual([
      'Bash: npm run lint',
    ]);
    const finished = readFileSync(join(root, '.jidoka/ledger.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'run.finished');
    expect(finished).toMatchObject({ permissionDenials: 2, tokens: 300 });
  }, 90_000);
});
