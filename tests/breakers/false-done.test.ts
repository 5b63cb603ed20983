import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { runCli } from '../support/repo.js';
import { expectDone, line, run, status } from './harness.js';

const CHECKS = [`node -e "process.exit(require('./src/a.js') === 'a' ? 0 : 1)"`];
const A = write('src/a.js', 'module.exports = "a";\n');

function attempts(root: string, planId: string): { outcome: string; reasons: string[] }[] {
  return JSON.parse(runCli(root, ['review', planId, '--json']).stdout).chunks[0].attempts;
}

describe('breaker: false done (end to end)', () => {
  it('a maker that exits 0 while the checks fail: a failed attempt (no stop), the next attempt finishes', () => {
    const l = line({
      checks: CHECKS,
      script: {
        maker: [[write('src/a.js', 'module.exports = "b";\n'), { stdout: 'All done, tests pass!\n' }], [A]],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    const [first, second] = attempts(l.root, l.planId);
    expect(first?.outcome).toBe('blocked');
    expect(first?.reasons.join('\n')).toMatch(/the maker reported done but 1 check failed: node -e/);
    expect(second?.outcome).toBe('accepted');
    expect(status(l.root).andon.openIncidents).toEqual([]);
  });

  it('a maker that exits 0 with an empty diff: a failed attempt (no stop), the next attempt finishes', () => {
    const l = line({
      checks: CHECKS,
      files: { 'src/a.js': 'module.exports = "old";\n' },
      script: {
        maker: [[{ stdout: 'Implemented chunk 1.\n' }], [A]],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    const [first] = attempts(l.root, l.planId);
    expect(first?.outcome).toBe('blocked');
    expect(first?.reasons.join('\n')).toMatch(/the maker reported done with an empty diff/);
    expect(status(l.root).andon.openIncidents).toEqual([]);
  });

  it('a maker that says it failed (non-zero exit) is an honest failure, not a false done', () => {
    const l = line({
      checks: CHECKS,
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "b";\n'), { stderr: 'could not finish\n' }, { exit: 3 }],
          [A],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    const [first] = attempts(l.root, l.planId);
    expect(first?.outcome).toBe('failed');
    expect(first?.reasons.join('\n')).toMatch(/exited with code 3/);
    expect(first?.reasons.join('\n')).not.toMatch(/reported done/);
  });
});
