import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { git } from '../support/repo.js';
import {
  alive,
  childPid,
  expectDone,
  expectRedStop,
  frontmatterOf,
  incidentFile,
  line,
  run,
  SPAWN_CHILD,
  showAt,
} from './harness.js';

const A = write('src/a.js', 'module.exports = "a";\n');

const CASES = [
  {
    name: 'switching the worktree to another branch',
    sh: 'git checkout -q -b other',
    message: /the worktree left its branch jidoka\/p1 \(now other\)/,
  },
  {
    name: 'resetting the plan branch to an older commit',
    sh: 'git reset -q --hard HEAD~1',
    message: /the worktree HEAD moved off its history/,
  },
  {
    // `git branch -f main` is refused while main is checked out in the repo root; update-ref is not.
    name: 'rewinding main from inside the worktree',
    sh: 'git update-ref refs/heads/main HEAD~1',
    message: /the main branch was rewound or rewritten/,
    movesMain: true,
  },
];

// Inside the sandbox none of these can happen (the git directory is read-only there, see the
// sandbox tests): with `sandbox.mode: none` this breaker is what is left, and these pin it.
const UNSANDBOXED = { sandbox: { mode: 'none' } };

describe('breaker: repo integrity (end to end)', () => {
  for (const c of CASES) {
    it(`${c.name} (sandbox.mode none): red, repo_integrity`, () => {
      const l = line({
        script: { maker: [[A, SPAWN_CHILD, { sh: c.sh }]], checker: [[approve()]], goal: [[met()]] },
        extraConfig: UNSANDBOXED,
      });
      const r = run(l.root, l.planId);
      const id = expectRedStop(l, r, {
        category: 'repo_integrity',
        detector: 'repo_integrity',
        mainMoved: c.movesMain === true,
      });
      expect(r.json.message).toMatch(c.message);
      expect(alive(childPid(l))).toBe(false);
      expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toBe('module.exports = "a";');
      if (c.movesMain) {
        // Jidoka does not move main back by itself: the incident names where it was, for a human.
        expect(git(l.root, 'rev-parse', 'main')).toBe(git(l.root, 'rev-parse', `${l.mainBefore}~1`));
        expect(frontmatterOf(incidentFile(l.root, id)).detector).toBe('repo_integrity');
        expect(r.json.message).toContain(l.mainBefore.slice(0, 12));
      }
    });
  }

  it('does not trip on a maker that only reads git and stages its own work (sandbox.mode none)', () => {
    const l = line({
      script: {
        maker: [[A, { sh: 'git status --short && git log -1 --format=%s && git diff --stat && git add -A' }]],
        checker: [[approve()]],
        goal: [[met()]],
      },
      extraConfig: UNSANDBOXED,
    });
    expectDone(l, run(l.root, l.planId));
  });

  it("sandboxed, a maker reads git freely; staging is Jidoka's (git add is refused inside)", () => {
    const l = line({
      script: {
        maker: [
          [
            A,
            { sh: 'git status --short && git log -1 --format=%s && git diff --stat' },
            { sh: 'git add -A 2>/dev/null && echo staged > "{scriptDir}/staged" || true' },
          ],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    expect(existsSync(join(dirname(l.scriptFile), 'staged'))).toBe(false);
  });
});
