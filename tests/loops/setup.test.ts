import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/plans/approval.js';
import { planFile, setPlanStatus } from '../../src/plans/store.js';
import { expectDone, expectRedStop, line, onePlan, run } from '../breakers/harness.js';
import { approve, met, twoChunkPlan, write } from '../support/line.js';
import { git } from '../support/repo.js';

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
    expect(r.json.message).toMatch(
      /worktree setup failed \(a new worktree\): `node -e "process.exit\(7\)"` exited 7/,
    );
  });
});

// Setup "installs" into deps/ (gitignored) and writes down the worktree it ran in: a copy from the cache names another.
const INSTALL = `node -e "const fs=require('fs');fs.mkdirSync('deps',{recursive:true});fs.writeFileSync('deps/made-in',process.cwd());fs.appendFileSync('deps/runs.log','ran\\n')"`;
const NEEDS_DEPS = `node -e "require('fs').statSync('deps/made-in')"`;
const IGNORE = '.jidoka/\nnode_modules/\ndeps/\n';

function worktreeOf(root: string, planId: string): string {
  return join(root, '.jidoka', 'worktrees', planId);
}

/** The setup steps of every run of the plan, from the run records. */
function setupSteps(root: string, planId: string, name = 'setup'): Record<string, unknown>[] {
  const runs = join(root, '.jidoka', 'runs');
  return readdirSync(runs)
    .map((d) => join(runs, d, 'run.json'))
    .filter((f) => existsSync(f))
    .map((f) => JSON.parse(readFileSync(f, 'utf8')))
    .filter((r) => r.plan === planId)
    .flatMap((r) =>
      r.steps.filter((s: { name: string }) => s.name === name).map((s: { detail: object }) => s.detail),
    );
}

function approvePlan(root: string, planId: string): void {
  const file = planFile(root, planId);
  setPlanStatus(file, 'approved');
  recordApproval(root, planId, file, 'Test User <test@example.invalid>');
}

describe('worktree setup reuse (worktree.reuse)', () => {
  it('copies the install stored for the same manifests instead of running setup, and a maker writing into its copy changes neither the cache nor main', () => {
    const l = line({
      checks: [NEEDS_DEPS],
      extraConfig: { worktree: { setup: [INSTALL], reuse: ['deps'] } },
      files: { '.gitignore': IGNORE, 'package-lock.json': '{"lockfileVersion":3}\n' },
      script: {
        maker: [
          [A],
          // The second plan's maker writes into its reused install, and tries the cache and main's install directly.
          [
            A,
            write('deps/runs.log', 'poisoned\n'),
            {
              sh: 'echo poisoned > ../../cache/setup/*/files/deps/runs.log; echo poisoned > ../../../deps/runs.log; true',
            },
          ],
          [A],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    // Main's own install, which no plan may touch.
    mkdirSync(join(l.root, 'deps'));
    writeFileSync(join(l.root, 'deps', 'runs.log'), 'main\n');

    expectDone(l, run(l.root, 'p1'));
    expect(setupSteps(l.root, 'p1')).toMatchObject([{ reason: 'a new worktree', stored: ['deps'] }]);
    const cacheDir = join(l.root, '.jidoka', 'cache', 'setup');
    const [entry] = readdirSync(cacheDir).filter((n) => !n.startsWith('.'));
    const cached = join(cacheDir, entry!, 'files', 'deps');
    expect(readFileSync(join(cached, 'made-in'), 'utf8')).toBe(worktreeOf(l.root, 'p1'));

    // Same lockfile: the second plan's worktree gets the copy; setup did not run there.
    approvePlan(l.root, 'other');
    expectDone(l, run(l.root, 'other'));
    const [reused] = setupSteps(l.root, 'other');
    expect(reused).toMatchObject({ reason: 'a new worktree', reused: ['deps'] });
    expect(reused!.stored).toBeUndefined();
    const other = worktreeOf(l.root, 'other');
    expect(readFileSync(join(other, 'deps', 'made-in'), 'utf8')).toBe(worktreeOf(l.root, 'p1'));
    // Its maker changed its own copy only.
    expect(readFileSync(join(other, 'deps', 'runs.log'), 'utf8')).toBe('poisoned\n');
    expect(readFileSync(join(cached, 'runs.log'), 'utf8')).toBe('ran\n');
    expect(readFileSync(join(l.root, 'deps', 'runs.log'), 'utf8')).toBe('main\n');
    expect(readFileSync(join(worktreeOf(l.root, 'p1'), 'deps', 'runs.log'), 'utf8')).toBe('ran\n');

    // The lockfile changed on main: no reuse, setup runs and stores a second entry.
    writeFileSync(join(l.root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
    git(l.root, 'commit', '-qam', 'lockfile changed');
    writeFileSync(join(l.root, 'plans', 'third.md'), onePlan('third'));
    git(l.root, 'add', 'plans/third.md');
    git(l.root, 'commit', '-qm', 'third plan');
    approvePlan(l.root, 'third');
    const r = run(l.root, 'third');
    expect(r.json.status, r.stderr + r.stdout).toBe('done');
    const [fresh] = setupSteps(l.root, 'third');
    expect(fresh).toMatchObject({ reason: 'a new worktree', stored: ['deps'] });
    expect(fresh!.reused).toBeUndefined();
    const third = worktreeOf(l.root, 'third');
    expect(readFileSync(join(third, 'deps', 'made-in'), 'utf8')).toBe(third);
    expect(readdirSync(cacheDir).filter((n) => !n.startsWith('.'))).toHaveLength(2);
  }, 120_000);

  it('never stores an install from a worktree a maker has written: setup after a changed manifest runs, and the next plan with that manifest runs setup too', () => {
    const l = line({
      plan: onePlan('p1', { scope: ['src/**', 'tests/**', 'package-lock.json'] }),
      checks: [NEEDS_DEPS],
      extraConfig: { worktree: { setup: [INSTALL], reuse: ['deps'] } },
      files: { '.gitignore': IGNORE, 'package-lock.json': '{"lockfileVersion":3}\n' },
      script: {
        maker: [
          [A, write('package-lock.json', '{"lockfileVersion":3,"maker":true}\n'), write('deps/planted', 'x')],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, 'p1'));
    const steps = setupSteps(l.root, 'p1');
    expect(steps).toHaveLength(2);
    expect(steps[0]).toMatchObject({ reason: 'a new worktree', stored: ['deps'] });
    expect(steps[1]).toMatchObject({ reason: 'the maker changed a dependency manifest or lockfile' });
    expect(steps[1]!.stored).toBeUndefined();
    expect(steps[1]!.reused).toBeUndefined();
    const cacheDir = join(l.root, '.jidoka', 'cache', 'setup');
    expect(readdirSync(cacheDir).filter((n) => !n.startsWith('.'))).toHaveLength(1);
  }, 60_000);
});

describe('the held-out run sets its fresh tree up', () => {
  it('runs worktree.setup in the held-out scratch tree before the checks that need it', () => {
    const l = line({
      checks: [NEEDS_DEPS],
      extraConfig: { worktree: { setup: [INSTALL] } },
      files: { '.gitignore': IGNORE, 'tests/a.test.js': '// one\n// two\n' },
      // Removing a line of an existing test file sends the base's tests to the held-out run.
      script: { maker: [[A, write('tests/a.test.js', '// one\n')]], checker: [[approve()]], goal: [[met()]] },
    });
    expectDone(l, run(l.root, 'p1'));
    expect(setupSteps(l.root, 'p1', 'held-out-setup')).toMatchObject([
      { reason: 'the held-out run on a fresh tree' },
    ]);
    expect(setupSteps(l.root, 'p1', 'held-out')).toMatchObject([{ restored: ['tests/a.test.js'] }]);
  }, 60_000);
});
