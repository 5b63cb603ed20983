import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { runCli } from '../support/repo.js';
import { expectDone, line, run, status } from './harness.js';

const A = write('src/a.js', 'module.exports = "a";\n');
const CHECKS = [`node -e "process.exit(require('./src/a.js') === 'a' ? 0 : 1)"`];

function attempts(root: string, planId: string): { outcome: string; reasons: string[] }[] {
  return JSON.parse(runCli(root, ['review', planId, '--json']).stdout).chunks[0].attempts;
}

describe('breaker: file limits (end to end)', () => {
  it('a file over limits.maxFileBytes blocks the attempt before the checks; without it the next one is accepted', () => {
    const l = line({
      checks: CHECKS,
      limits: { maxFileBytes: 100_000 },
      script: {
        maker: [
          [A, { sh: `node -e "require('fs').writeFileSync('src/big.txt', 'x'.repeat(300000))"` }],
          [{ delete: 'src/big.txt' }],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    const [first, second] = attempts(l.root, l.planId);
    expect(first?.outcome).toBe('blocked');
    expect(first?.reasons.join('\n')).toContain('src/big.txt (300000 bytes)');
    expect(second?.outcome).toBe('accepted');
    expect(status(l.root).andon.openIncidents).toEqual([]);
  });

  it('a test file swapped for a symlink out of the repository blocks the attempt', () => {
    const l = line({
      checks: CHECKS,
      files: { 'tests/a.test.js': 'require("assert").ok(true);\n' },
      script: {
        maker: [
          [A, { delete: 'tests/a.test.js' }, { sh: 'ln -s ../../../../../../etc/hostname tests/a.test.js' }],
          [{ delete: 'tests/a.test.js' }, write('tests/a.test.js', 'require("assert").ok(true);\n')],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    const [first] = attempts(l.root, l.planId);
    expect(first?.outcome).toBe('blocked');
    expect(first?.reasons.join('\n')).toMatch(
      /symlink\(s\) pointing outside the repository: tests\/a\.test\.js -> /,
    );
  });
});
