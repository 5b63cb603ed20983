import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
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
  worktree,
} from './harness.js';

/** Gates that exist on main: CI, tsconfig, package.json scripts, and the file the configured check runs. */
const FILES = {
  '.github/workflows/ci.yml':
    'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n',
  'tsconfig.json': '{\n  "compilerOptions": {\n    "strict": true\n  }\n}\n',
  'package.json': '{\n  "name": "demo",\n  "scripts": {\n    "test": "node --test tests/"\n  }\n}\n',
  'scripts/check.js': 'process.exit(require("node:fs").existsSync("src/a.js") ? 0 : 1);\n',
};
const CHECKS = ['node scripts/check.js'];
const A = write('src/a.js', 'module.exports = "a";\n');

const CASES: { name: string; path: string; content: string; message: RegExp }[] = [
  {
    name: 'editing a CI workflow',
    path: '.github/workflows/ci.yml',
    content: FILES['.github/workflows/ci.yml'].replace('npm test', 'echo skipped'),
    message: /CI config \.github\/workflows\/ci\.yml edited/,
  },
  {
    name: 'loosening tsconfig',
    path: 'tsconfig.json',
    content: FILES['tsconfig.json'].replace('true', 'false'),
    message: /tsconfig tsconfig\.json edited/,
  },
  {
    name: 'editing the test script in package.json',
    path: 'package.json',
    content: FILES['package.json'].replace('node --test tests/', 'exit 0'),
    message: /package\.json scripts package\.json edited/,
  },
  {
    name: 'editing the file the configured check runs',
    path: 'scripts/check.js',
    content: 'process.exit(0);\n',
    message: /file run by a check scripts\/check\.js edited/,
  },
  {
    name: 'adding `|| true` to a script',
    path: 'src/run-tests.sh',
    content: '#!/bin/sh\nnode --test tests/ || true\n',
    message: /\|\| true added in src\/run-tests\.sh/,
  },
  {
    name: 'adding eslint-disable to source',
    path: 'src/a.js',
    content: '/* eslint-disable */\nmodule.exports = "a";\n',
    message: /eslint-disable added in src\/a\.js/,
  },
];

describe('breaker: gate tampering (end to end)', () => {
  for (const c of CASES) {
    it(`${c.name}: red, the edit kept under the ref and in the worktree, the checker never asked`, () => {
      const l = line({
        files: FILES,
        checks: CHECKS,
        script: {
          maker: [[A, write(c.path, c.content), SPAWN_CHILD]],
          checker: [[approve()]],
          goal: [[met()]],
        },
      });
      const r = run(l.root, l.planId);
      const id = expectRedStop(l, r, { category: 'gate_tampering', detector: 'gate_tampering' });
      expect(r.json.message).toMatch(c.message);
      expect(alive(childPid(l))).toBe(false);
      expect(calls(l).checker).toBeUndefined();
      expect(showAt(l.root, `refs/andon/${id}`, c.path)).toBe(c.content.trimEnd());
      // Gate tampering blocks without a rollback: a human looks at the edit where it is.
      expect(readFileSync(join(worktree(l), c.path), 'utf8')).toBe(c.content);
    });
  }

  it('does not trip on a maker that edits source and tests and leaves the gates alone', () => {
    const l = line({
      files: FILES,
      checks: CHECKS,
      script: {
        maker: [
          [
            A,
            write('src/build.sh', '#!/bin/sh\nset -e\nnode --test tests/\n'),
            write('tests/a.test.js', '// a\n'),
          ],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
  });
});
