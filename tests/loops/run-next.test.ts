import { describe, expect, it } from 'vitest';
import { approve, met, setupLine, write } from '../support/line.js';
import { runCli } from '../support/repo.js';

describe('jidoka run --next', () => {
  it('says nothing is waiting (exit 0, fit for cron), then runs the approved plan once there is one', () => {
    const { root, planId } = setupLine({
      script: {
        maker: [[write('src/a.js', 'module.exports = 1;\n')], [write('src/b.js', 'module.exports = 2;\n')]],
        checker: [[approve()]],
        goal: [[met()]],
      },
      roles: ['maker', 'checker', 'goal'],
    });
    const idle = runCli(root, ['run', '--next']);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toMatch(/no approved plan is waiting/);
    expect(runCli(root, ['run', planId, '--next']).code).toBe(2);
    expect(runCli(root, ['run']).stderr).toMatch(/name a plan, or use --next/);
    runCli(root, ['plan', 'approve', planId]);
    const r = runCli(root, ['run', '--next']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/plan two-chunks is done/);
  });
});
