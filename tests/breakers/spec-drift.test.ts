import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, twoChunkPlan, write } from '../support/line.js';
import {
  alive,
  childPid,
  expectDone,
  expectRedStop,
  line,
  onePlan,
  run,
  SPAWN_CHILD,
  showAt,
  status,
  worktree,
} from './harness.js';

/** The repository's existing tests: node:test, one plain test and three data-driven ones. */
const MATH_TEST = `const test = require('node:test');
const assert = require('node:assert');
const { add } = require('../src/math.js');
const cases = require('../src/cases.json');

test('adds two numbers', () => {
  assert.strictEqual(add(1, 2), 3);
  assert.strictEqual(add(-1, 1), 0);
});

for (const [a, b, sum] of cases) test(\`adds \${a}+\${b}\`, () => assert.strictEqual(add(a, b), sum));
`;
const FILES = {
  'src/math.js': 'exports.add = (a, b) => a + b;\n',
  'src/cases.json': '[[1, 2, 3], [2, 2, 4], [3, 4, 7]]\n',
  'tests/math.test.js': MATH_TEST,
  'tests/test_calc.py': 'def test_add():\n    assert 1 + 1 == 2\n',
};
const CHECKS = ['node --test tests/'];
const A = write('src/a.js', 'module.exports = "a";\n');

function trip(maker: unknown[], plan?: string) {
  const l = line({
    files: FILES,
    checks: CHECKS,
    ...(plan ? { plan } : {}),
    script: { maker: [[...maker, SPAWN_CHILD]], checker: [[approve()]], goal: [[met()]] },
  });
  const r = run(l.root, l.planId);
  const id = expectRedStop(l, r, { category: 'spec_drift', detector: 'spec_drift' });
  expect(alive(childPid(l))).toBe(false);
  return { l, r, id };
}

/** The chunk was rolled back: the worktree's test file is as on main again, src/a.js gone. */
function expectRolledBack(l: ReturnType<typeof line>, path: string) {
  expect(readFileSync(join(worktree(l), path), 'utf8')).toBe(FILES[path as keyof typeof FILES]);
  expect(existsSync(join(worktree(l), 'src', 'a.js'))).toBe(false);
}

describe('breaker: spec drift (end to end)', () => {
  it('deleting an existing test file: red, rolled back, the deletion kept under the ref', () => {
    const { l, r, id } = trip([A, { delete: 'tests/math.test.js' }]);
    expect(r.json.message).toMatch(/the tests were weakened: deleted tests\/math\.test\.js/);
    expect(showAt(l.root, `refs/andon/${id}`, 'tests/math.test.js')).toBeUndefined();
    expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toBe('module.exports = "a";');
    expectRolledBack(l, 'tests/math.test.js');
  });

  it('adding .skip to an existing test: red, rolled back', () => {
    const skipped = MATH_TEST.replace("test('adds two numbers'", "test.skip('adds two numbers'");
    const { l, r, id } = trip([A, write('tests/math.test.js', skipped)]);
    expect(r.json.message).toMatch(/describe\/it\/test\.skip added in tests\/math\.test\.js/);
    expect(showAt(l.root, `refs/andon/${id}`, 'tests/math.test.js')).toContain('test.skip(');
    expectRolledBack(l, 'tests/math.test.js');
  });

  it('adding .only (which silently skips the rest): red', () => {
    const only = MATH_TEST.replace("test('adds two numbers'", "test.only('adds two numbers'");
    const { l, r } = trip([A, write('tests/math.test.js', only)]);
    expect(r.json.message).toMatch(/describe\/it\/test\.only added in tests\/math\.test\.js/);
    expectRolledBack(l, 'tests/math.test.js');
  });

  it('removing an assertion from an existing test: red', () => {
    const weaker = MATH_TEST.replace('  assert.strictEqual(add(-1, 1), 0);\n', '');
    const { l, r } = trip([A, write('tests/math.test.js', weaker)]);
    expect(r.json.message).toMatch(/1 assertion removed from tests\/math\.test\.js/);
    expectRolledBack(l, 'tests/math.test.js');
  });

  it('a Python @pytest.mark.skip added to an existing test (pattern-level, no python run): red', () => {
    const skipped =
      'import pytest\n\n\n@pytest.mark.skip(reason="flaky")\ndef test_add():\n    assert 1 + 1 == 2\n';
    const { l, r } = trip([A, write('tests/test_calc.py', skipped)]);
    expect(r.json.message).toMatch(/@pytest\.mark\.skip added in tests\/test_calc\.py/);
    expectRolledBack(l, 'tests/test_calc.py');
  });

  it('fewer tests reported by the check run than after the last accepted chunk: red', () => {
    // Chunk 1 is accepted with 4 tests; chunk 2 drops a data-driven case (no test file touched).
    const l = line({
      files: FILES,
      checks: CHECKS,
      plan: twoChunkPlan('p1'),
      script: {
        maker: [
          [A],
          [
            write('src/b.js', 'module.exports = "b";\n'),
            write('src/cases.json', '[[1, 2, 3]]\n'),
            SPAWN_CHILD,
          ],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, { category: 'spec_drift', detector: 'spec_drift' });
    expect(r.json.message).toMatch(/the checks report 2 tests, 4 before/);
    expect(alive(childPid(l))).toBe(false);
    expect(showAt(l.root, `refs/andon/${id}`, 'src/cases.json')).toBe('[[1, 2, 3]]');
    // Rolled back to chunk 2's start: chunk 1's commit stays, chunk 2's work is only under the ref.
    expect(readFileSync(join(worktree(l), 'src', 'cases.json'), 'utf8')).toBe(FILES['src/cases.json']);
    expect(existsSync(join(worktree(l), 'src', 'a.js'))).toBe(true);
    expect(existsSync(join(worktree(l), 'src', 'b.js'))).toBe(false);
  });

  it('does not trip on a maker that adds tests and strengthens an existing one', () => {
    const stronger = MATH_TEST.replace(
      '  assert.strictEqual(add(-1, 1), 0);\n',
      '  assert.strictEqual(add(-1, 1), 0);\n  assert.strictEqual(add(0, 0), 0);\n',
    );
    const l = line({
      files: FILES,
      checks: CHECKS,
      plan: twoChunkPlan('p1'),
      script: {
        maker: [
          [A, write('tests/math.test.js', stronger)],
          [
            write('src/b.js', 'module.exports = "b";\n'),
            write('src/cases.json', '[[1, 2, 3], [2, 2, 4], [3, 4, 7], [5, 5, 10]]\n'),
            write(
              'tests/b.test.js',
              "require('node:test')('b', () => require('node:assert').ok(require('../src/b.js')));\n",
            ),
          ],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    expect(status(l.root).andon.openIncidents).toEqual([]);
  });

  it('one existing test deleted and a new one added in its place (the net count unchanged): red by identity', () => {
    const swapped = MATH_TEST.replace("test('adds two numbers'", "test('adds numbers'");
    const { r } = trip([A, write('tests/math.test.js', swapped)]);
    expect(r.json.message).toMatch(/test "adds two numbers" in tests\/math\.test\.js is gone/);
  });

  it('does not trip when the plan names the test file literally and the maker renames a test in it', () => {
    const renamed = MATH_TEST.replace("test('adds two numbers'", "test('adds numbers'");
    const l = line({
      files: FILES,
      checks: CHECKS,
      plan: onePlan('p1', { scope: ['src/**', 'tests/math.test.js'] }),
      script: { maker: [[A, write('tests/math.test.js', renamed)]], checker: [[approve()]], goal: [[met()]] },
    });
    expectDone(l, run(l.root, l.planId));
    expect(status(l.root).andon.openIncidents).toEqual([]);
  });
});
