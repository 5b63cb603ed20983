import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { git } from '../support/repo.js';
import { approveAgain, expectDone, expectRedStop, line, run, showAt } from './harness.js';

const A = write('src/a.js', 'module.exports = "a";\n');
const CHECK_A = `node -e "process.exit(require('./src/a.js') === 'a' ? 0 : 1)"`;

describe('breaker: the commit is the checked tree (end to end)', () => {
  it('a check that rewrites a tracked file while it runs: red, nothing committed', () => {
    const l = line({
      checks: [CHECK_A, `node -e "require('fs').appendFileSync('src/a.js', 'module.exports = 1;\\\\n')"`],
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, { category: 'repo_integrity', detector: 'checked_tree' });
    expect(r.json.message).toMatch(
      /the worktree changed after Jidoka froze it for the checks, while the checks ran/,
    );
    expect(r.json.message).toContain('src/a.js');
    expect(git(l.root, 'rev-list', '--count', `main..jidoka/${l.planId}`)).toBe('0');
    // The work, the late write included, is preserved.
    expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toContain('module.exports = 1;');
  });

  it('a check that stages a file of its own (git add) changes the index: red', () => {
    const l = line({
      checks: [CHECK_A, `node -e "require('fs').writeFileSync('src/extra.js', '1')" && git add src/extra.js`],
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
    });
    const r = run(l.root, l.planId);
    expectRedStop(l, r, { category: 'repo_integrity', detector: 'checked_tree' });
    expect(r.json.message).toContain('src/extra.js');
  });

  it('a pre-commit hook that changes what is committed (sandbox: none, where hooks can stage): red, the plan does not move on', () => {
    const l = line({
      checks: [CHECK_A],
      extraConfig: { sandbox: { mode: 'none' } },
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
    });
    const hook = join(l.root, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "// added by a hook" >> src/a.js && git add src/a.js\n');
    chmodSync(hook, 0o755);
    // The user's own hook, there when they approve: Jidoka's commit runs it (a hook added later would not).
    approveAgain(l);
    const r = run(l.root, l.planId);
    expectRedStop(l, r, { category: 'repo_integrity', detector: 'checked_tree' });
    expect(r.json.message).toMatch(/while git commit ran/);
  });

  it('sandboxed, the same hook cannot stage (the git dir is read-only, as for the maker): the commit fails, red, nothing committed', () => {
    const l = line({
      checks: [CHECK_A],
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
    });
    const hook = join(l.root, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "// added by a hook" >> src/a.js && git add src/a.js\n');
    chmodSync(hook, 0o755);
    approveAgain(l);
    const r = run(l.root, l.planId);
    expectRedStop(l, r, { category: 'env_tooling', detector: 'repo_integrity' });
    expect(r.json.message).toMatch(
      /git commit failed in the plan's worktree .*could not write git state inside the sandbox/,
    );
    expect(git(l.root, 'rev-list', '--count', `main..jidoka/${l.planId}`)).toBe('0');
  });

  it('well-behaved: checks that write only ignored files (coverage, caches) do not trip', () => {
    const l = line({
      checks: [
        CHECK_A,
        `node -e "require('fs').mkdirSync('coverage', {recursive: true}); require('fs').writeFileSync('coverage/x.json', '{}')"`,
      ],
      files: { '.gitignore': '.jidoka/\nnode_modules/\ncoverage/\n' },
      script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] },
    });
    expectDone(l, run(l.root, l.planId));
  });
});
