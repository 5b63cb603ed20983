import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { git } from '../support/repo.js';
import { expectDone, expectRedStop, line, run } from './harness.js';

/**
 * The after-step check: with the sandbox off (`sandbox.mode: none`) nothing
 * stops an agent, or a test file it wrote, from writing outside its paths,
 * so the line must notice and stop; with the sandbox on the write cannot
 * happen at all. Each class is done by the maker itself and by a check that
 * runs a script the maker wrote.
 */
const A = write('src/a.js', 'module.exports = "a";\n');
const NONE = { sandbox: { mode: 'none' } };
/** The main checkout, seen from the plan's worktree (.jidoka/worktrees/<id>). */
const MAIN = '../../..';

const CLASSES = [
  {
    name: 'writing into the main checkout',
    sh: `echo stray > ${MAIN}/stray.txt`,
    seen: /main checkout: stray\.txt/,
  },
  {
    name: 'moving another ref',
    sh: 'git update-ref refs/heads/victim HEAD~1',
    seen: /ref refs\/heads\/victim \(changed\); refs put back: refs\/heads\/victim/,
  },
  {
    name: "adding a git hook that Jidoka's own commit would run",
    sh: `printf '#!/bin/sh\\ntouch "$PWD/hook-ran"\\n' > "$(git rev-parse --git-common-dir)/hooks/pre-commit" && chmod +x "$(git rev-parse --git-common-dir)/hooks/pre-commit"`,
    seen: /git dir: hooks\/pre-commit \(added\)/,
  },
  {
    name: "adding git config that Jidoka's own git would run",
    sh: 'git config --file "$(git rev-parse --git-common-dir)/config" core.fsmonitor "touch $PWD/fsmonitor-ran"',
    seen: /git dir: config \(changed\)/,
  },
  {
    name: 'editing the approvals',
    sh: `echo '{}' > ${MAIN}/.jidoka/state/approvals.json`,
    seen: /\.jidoka\/state\/approvals\.json \(changed\)/,
  },
];

function setupVictim(root: string): string {
  git(root, 'commit', '-q', '--allow-empty', '-m', 'second');
  git(root, 'branch', 'victim');
  return git(root, 'rev-parse', 'victim');
}

describe('breaker: writes outside the step (sandbox.mode none: the after-step check)', () => {
  for (const c of CLASSES) {
    it(`${c.name}, by the maker itself: red, named in the incident, nothing it planted ran`, () => {
      const l = line({
        extraConfig: NONE,
        script: { maker: [[A, { sh: c.sh }]], checker: [[approve()]], goal: [[met()]] },
      });
      const victim = setupVictim(l.root);
      l.mainBefore = git(l.root, 'rev-parse', 'main');
      const r = run(l.root, l.planId);
      expectRedStop(l, r, { category: 'repo_integrity' });
      expect(r.json.message).toMatch(/the maker step: the step changed/);
      expect(r.json.message).toMatch(c.seen);
      expect(git(l.root, 'rev-parse', 'victim')).toBe(victim);
      const wt = join(l.root, '.jidoka', 'worktrees', l.planId);
      for (const mark of ['hook-ran', 'fsmonitor-ran']) expect(existsSync(join(wt, mark)), mark).toBe(false);
    });
  }

  it('the same, done by a test file the maker wrote and the checks ran: red', () => {
    const evil = `require('child_process').execSync(${JSON.stringify(CLASSES[0]!.sh)}, { stdio: 'inherit' });\n`;
    const l = line({
      extraConfig: NONE,
      checks: ['node tests/evil.js'],
      script: { maker: [[A, write('tests/evil.js', evil)]], checker: [[approve()]], goal: [[met()]] },
    });
    const r = run(l.root, l.planId);
    expectRedStop(l, r, { category: 'repo_integrity' });
    expect(r.json.message).toMatch(
      /the checks \(code the maker wrote\): the step changed .*main checkout: stray\.txt/,
    );
  });

  it('well-behaved: a maker that only works in its worktree and reads git does not trip', () => {
    const l = line({
      extraConfig: NONE,
      script: {
        maker: [[A, { sh: 'git status --short && git log -1 --oneline' }]],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
  });
});

describe('writes outside the step with the sandbox on: they cannot happen', () => {
  for (const c of CLASSES) {
    it(`${c.name}: the write fails inside the sandbox; the next attempt finishes, nothing changed outside`, () => {
      const l = line({
        script: { maker: [[A, { sh: `${c.sh} || exit 9` }], [A]], checker: [[approve()]], goal: [[met()]] },
      });
      const victim = setupVictim(l.root);
      const hooks = join(l.root, '.git', 'hooks', 'pre-commit');
      l.mainBefore = git(l.root, 'rev-parse', 'main');
      expectDone(l, run(l.root, l.planId));
      expect(existsSync(join(l.root, 'stray.txt'))).toBe(false);
      expect(existsSync(hooks)).toBe(false);
      expect(git(l.root, 'rev-parse', 'victim')).toBe(victim);
      expect(readFileSync(join(l.root, '.git', 'config'), 'utf8')).not.toContain('fsmonitor');
      expect(readFileSync(join(l.root, '.jidoka', 'state', 'approvals.json'), 'utf8')).not.toBe('{}\n');
    });
  }

  it('a test file the maker wrote cannot write the main checkout either: the check fails, nothing lands', () => {
    const evil = `require('child_process').execSync(${JSON.stringify(CLASSES[0]!.sh)}, { stdio: 'inherit' });\n`;
    const l = line({
      checks: ['node tests/evil.js'],
      script: {
        maker: [
          [A, write('tests/evil.js', evil)],
          [A, { delete: 'tests/evil.js' }, write('tests/evil.js', '')],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    run(l.root, l.planId);
    expect(existsSync(join(l.root, 'stray.txt'))).toBe(false);
  });
});
