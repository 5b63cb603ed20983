import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { git } from '../support/repo.js';
import { approveAgain, expectDone, line, onePlan, run } from './harness.js';

/**
 * Jidoka's own git on a plan's work runs with the git configuration and
 * hooks the repository had when a human approved the plan (DESIGN.md,
 * "Isolation"). Each planted program writes a marker file outside the
 * repository; none of them may appear. The user's own hooks from approval
 * time still run.
 */
const A = write('src/a.js', 'module.exports = "a";\n');
const NONE = { sandbox: { mode: 'none' } };

function marks(): string {
  return mkdtempSync(join(tmpdir(), 'jidoka-pin-marks-'));
}

/** An executable shell hook that touches `marker`. */
function hook(file: string, marker: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `#!/bin/sh\ntouch "${marker}"\n`);
  chmodSync(file, 0o755);
}

/** A clean filter named `planted` for every file, touching `marker` when git runs it. */
function plantFilter(configArgs: string[], root: string, marker: string): void {
  git(root, 'config', ...configArgs, 'filter.planted.clean', `sh -c 'touch ${marker}; cat'`);
}

describe('hooks: the copy pinned at approval runs, nothing added or edited since', () => {
  it('a hook added to .git/hooks after approval does not run in Jidoka’s commit; one there at approval does, as it was', () => {
    const m = marks();
    // Hooks run in the maker's sandbox: the markers' folder is one it may write.
    const l = line({
      extraConfig: { sandbox: { writable: [m] } },
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
    });
    hook(join(l.root, '.git', 'hooks', 'commit-msg'), join(m, 'gate-ran'));
    approveAgain(l);
    // After approval, with no human: the gate edited, a new hook added.
    hook(join(l.root, '.git', 'hooks', 'commit-msg'), join(m, 'edited-gate-ran'));
    hook(join(l.root, '.git', 'hooks', 'pre-commit'), join(m, 'planted-hook-ran'));
    expectDone(l, run(l.root, l.planId));
    expect(existsSync(join(m, 'gate-ran')), 'the approved hook is a gate and runs').toBe(true);
    expect(existsSync(join(m, 'edited-gate-ran'))).toBe(false);
    expect(existsSync(join(m, 'planted-hook-ran'))).toBe(false);
  });

  it('core.hooksPath inside the checkout: a hook the maker edits in its worktree does not run (sandbox: none)', () => {
    const m = marks();
    const plan = onePlan('p1', { scope: ['src/**', 'tests/**', '.githooks/**'] });
    const l = line({
      plan,
      extraConfig: NONE,
      script: {
        maker: [[A, write('.githooks/commit-msg', `#!/bin/sh\ntouch "${join(m, 'planted-hook-ran')}"\n`)]],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    hook(join(l.root, '.githooks', 'commit-msg'), join(m, 'gate-ran'));
    git(l.root, 'add', '.githooks');
    git(l.root, 'commit', '-q', '-m', 'hooks');
    git(l.root, 'config', 'core.hooksPath', '.githooks');
    approveAgain(l);
    l.mainBefore = git(l.root, 'rev-parse', 'main');
    expectDone(l, run(l.root, l.planId));
    expect(existsSync(join(m, 'gate-ran'))).toBe(true);
    expect(existsSync(join(m, 'planted-hook-ran'))).toBe(false);
  });
});

describe('configuration: a change since approval refuses the run before any git on the plan', () => {
  const CHANGES: { name: string; plant: (root: string, marker: string) => void; named: RegExp }[] = [
    {
      name: 'a clean filter in .git/config',
      plant: (root, marker) => plantFilter([], root, marker),
      named: /local filter\.planted\.clean \(added\)/,
    },
    {
      name: 'a filter in a file named by include.path',
      plant: (root, marker) => {
        const inc = join(root, '..', `${root.split('/').pop()}-included.gitconfig`);
        writeFileSync(inc, `[filter "planted"]\n\tclean = sh -c 'touch ${marker}; cat'\n`);
        git(root, 'config', 'include.path', inc);
      },
      named: /filter\.planted\.clean \(added\)/,
    },
    {
      name: 'diff.external and an alias',
      plant: (root, marker) => {
        git(root, 'config', 'diff.external', `sh -c 'touch ${marker}'`);
        git(root, 'config', 'alias.st', `!touch ${marker}`);
      },
      named: /local alias\.st \(added\); local diff\.external \(added\)/,
    },
  ];
  for (const c of CHANGES) {
    it(`${c.name}: red, named, the worktree not made, the planted program never ran`, () => {
      const m = marks();
      const l = line({ script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] } });
      writeFileSync(join(l.root, '.git', 'info', 'attributes'), '* filter=planted\n');
      approveAgain(l);
      c.plant(l.root, join(m, 'planted-ran'));
      const r = run(l.root, l.planId);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.json.status).toBe('stopped');
      expect(r.json.message).toMatch(/differs from the one pinned when plan p1 was approved/);
      expect(r.json.message).toMatch(c.named);
      expect(r.json.message).toMatch(/jidoka plan approve p1/);
      expect(existsSync(join(l.root, '.jidoka', 'worktrees', l.planId))).toBe(false);
      expect(existsSync(join(m, 'planted-ran'))).toBe(false);
      expect(git(l.root, 'rev-parse', 'main')).toBe(l.mainBefore);
    });
  }

  it('a human who made the change approves the plan again: the run goes on', () => {
    const l = line({ script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] } });
    git(l.root, 'config', 'core.sshCommand', 'ssh -i /nonexistent');
    approveAgain(l);
    expectDone(l, run(l.root, l.planId));
  });
});

describe('configuration planted during a step (sandbox: none): the after-step check stops the line, nothing planted runs', () => {
  const STEPS = [
    {
      name: "the worktree's own config.worktree (extensions.worktreeConfig on at approval)",
      before: (root: string) => git(root, 'config', 'extensions.worktreeConfig', 'true'),
      sh: (marker: string) =>
        `git config --file "$(git rev-parse --git-dir)/config.worktree" filter.planted.clean "sh -c 'touch ${marker}; cat'"`,
      named: /git config: worktree filter\.planted\.clean \(added\)/,
    },
    {
      name: 'a file outside the git dir that include.path names',
      before: (root: string) => {
        const inc = join(root, '..', `${root.split('/').pop()}-included.gitconfig`);
        writeFileSync(inc, '');
        git(root, 'config', 'include.path', inc);
        return inc;
      },
      sh: (marker: string, inc?: string) =>
        `printf '[filter "planted"]\\n\\tclean = sh -c "touch ${marker}; cat"\\n' >> ${inc}`,
      named: /git config: local filter\.planted\.clean \(added\)/,
    },
    {
      name: "the worktree's .git file, aimed at another git dir",
      before: () => undefined,
      sh: () => 'echo "gitdir: /nonexistent/planted" > .git',
      named: /git dir: worktree:\.git \(changed\)/,
    },
  ];
  for (const s of STEPS) {
    it(`${s.name}: red, named`, () => {
      const m = marks();
      const marker = join(m, 'planted-ran');
      const l = line({
        extraConfig: NONE,
        files: { '.gitattributes': '* filter=planted\n' },
        script: { maker: [[A, { sh: '' }]], checker: [[approve()]], goal: [[met()]] },
      });
      const inc = s.before(l.root);
      // The maker's planting step, written now that the paths are known.
      writeFileSync(
        l.scriptFile,
        JSON.stringify({
          maker: [[A, { sh: s.sh(marker, inc ?? undefined) }]],
          checker: [[approve()]],
          goal: [[met()]],
        }),
      );
      approveAgain(l);
      const r = run(l.root, l.planId);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.json.status).toBe('stopped');
      expect(r.json.message).toMatch(/the maker step: the step changed/);
      expect(r.json.message).toMatch(s.named);
      expect(existsSync(marker), readFileSync(l.scriptFile, 'utf8')).toBe(false);
    });
  }
});
