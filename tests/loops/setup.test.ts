import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectDone, expectRedStop, line, onePlan, run } from '../breakers/harness.js';
import { approve, met, twoChunkPlan, write } from '../support/line.js';

// Setup appends one line per run to a gitignored file in the worktree; the check needs it to exist.
const SETUP = `node -e "require('fs').appendFileSync('setup.log', 'ran\\\\n')"`;
const NEEDS_SETUP = `node -e "require('fs').statSync('setup.log')"`;
const A = write('src/a.js', 'module.exports = "a";\n');
const B = write('src/b.js', 'module.exports = "b";\n');

function setupRuns(root: string, planId: string): number {
  const log = readFileSync(join(root, '.jidoka', 'worktrees', planId, 'setup.log'), 'utf8');
  return log.split('\n').filter(Boolean).length;
}

describe('worktree setup (worktree.setup)', () => {
  it('runs in a new worktree before the checks, and not again while no manifest changes', () => {
    const l = line({
      planId: 'two',
      plan: twoChunkPlan('two'),
      checks: [NEEDS_SETUP],
      extraConfig: { worktree: { setup: [SETUP] } },
      files: { '.gitignore': '.jidoka/\nnode_modules/\nsetup.log\n' },
      script: { maker: [[A], [B]], checker: [[approve()], [approve()]], goal: [[met()]] },
    });
    expectDone(l, run(l.root, l.planId));
    expect(setupRuns(l.root, l.planId)).toBe(1);
  });

  it('runs again after a maker step that changed a lockfile or manifest', () => {
    const l = line({
      planId: 'two',
      plan: twoChunkPlan('two').replace('  - tests/**\n', '  - tests/**\n  - requirements.txt\n'),
      checks: [NEEDS_SETUP],
      extraConfig: { worktree: { setup: [SETUP] } },
      files: { '.gitignore': '.jidoka/\nnode_modules/\nsetup.log\n', 'requirements.txt': 'left-pad==1\n' },
      script: {
        maker: [[A], [B, write('requirements.txt', 'left-pad==2\n')]],
        checker: [[approve()], [approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    expect(setupRuns(l.root, l.planId)).toBe(2);
  });

  it('a failing setup stops the line as env_tooling before any agent runs', () => {
    const l = line({
      checks: [NEEDS_SETUP],
      extraConfig: { worktree: { setup: ['node -e "process.exit(7)"'] } },
      plan: onePlan('p1'),
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
    });
    const r = run(l.root, l.planId);
    expectRedStop(l, r, { category: 'env_tooling', detector: 'worktree_setup' });
    expect(r.json.message).toMatch(/worktree setup failed \(a new worktree\): `node -e "process.exit\(7\)"` exited 7/);
  });
});
