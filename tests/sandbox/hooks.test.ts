import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approveAgain, expectDone, line, run } from '../breakers/harness.js';
import { approve, met, write } from '../support/line.js';

/**
 * The user's own pre-commit hook (pinned at approval) runs the project's
 * lint script, which the maker may edit: Jidoka's commit runs it in the
 * maker's sandbox, so the maker's version can write its worktree (and what
 * `sandbox.writable` names) but not the main checkout.
 */

/** The lint script: records that it ran, then tries to write the main checkout (three levels up from the worktree). */
const lint = (marks: string, tag: string) =>
  `const fs = require('fs');\nfs.writeFileSync(${JSON.stringify(join(marks, tag))}, '');\ntry { fs.writeFileSync('../../../planted-by-hook', 'x'); } catch {}\n`;

describe("the user's hooks run in the maker's sandbox", () => {
  it("a pinned pre-commit hook running the maker's lint script cannot write the main checkout", () => {
    const marks = mkdtempSync(join(tmpdir(), 'jidoka-hook-marks-'));
    const l = line({
      extraConfig: { sandbox: { writable: [marks] } },
      files: { 'src/lint.js': lint(marks, 'base-lint-ran') },
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "a";\n'), write('src/lint.js', lint(marks, 'maker-lint-ran'))],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    const hook = join(l.root, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\nexec node src/lint.js\n');
    chmodSync(hook, 0o755);
    approveAgain(l);

    expectDone(l, run(l.root, l.planId));
    expect(existsSync(join(marks, 'maker-lint-ran')), "the hook ran the maker's script").toBe(true);
    expect(existsSync(join(l.root, 'planted-by-hook')), 'it could not write the main checkout').toBe(false);
  });
});
