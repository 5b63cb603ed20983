import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { git, runCli } from '../support/repo.js';
import {
  calls,
  expectDone,
  expectRedStop,
  fillWhys,
  frontmatterOf,
  incidentFile,
  line,
  resolve,
  run,
  status,
} from './harness.js';

const CHECKS = [`node -e "process.exit(require('./src/a.js') === 'a' ? 0 : 1)"`];
const WRONG = write('src/a.js', 'module.exports = "b";\n');
const A = write('src/a.js', 'module.exports = "a";\n');

describe('breaker: human-involved retries (end to end)', () => {
  it('a plan re-run by hand on the same failure: the third retry stops the line and resolving needs a hypothesis', () => {
    // One attempt per run, so every run fails the plan (Meta-Andon) on the same failing check.
    // The incident names what kept failing: a maker that said done while the check failed (false done).
    const l = line({
      checks: CHECKS,
      limits: { maxAttempts: 1, consecutiveFailures: 1 },
      script: { maker: [[WRONG], [WRONG], [WRONG], [A]], checker: [[approve()]], goal: [[met()]] },
    });
    let r = run(l.root, l.planId);
    let id = expectRedStop(l, r, { category: 'false_done', outcome: 'failed' });
    // Two blind retries are allowed: resolve, approve again, run again, same failure.
    for (let retry = 1; retry <= 2; retry++) {
      fillWhys(l.root, id);
      expect(resolve(l.root, id).code).toBe(0);
      expect(runCli(l.root, ['plan', 'approve', l.planId]).code).toBe(0);
      r = run(l.root, l.planId);
      // The third time the same failure is seen, the repeat-failure breaker names it.
      id = expectRedStop(l, r, {
        category: retry === 2 ? 'repeat_failure' : 'false_done',
        outcome: 'failed',
      });
      expect(calls(l).maker).toBe(retry + 1);
    }
    // The third: the line stops before any agent runs.
    fillWhys(l.root, id);
    expect(resolve(l.root, id).code).toBe(0);
    expect(runCli(l.root, ['plan', 'approve', l.planId]).code).toBe(0);
    r = run(l.root, l.planId);
    id = expectRedStop(l, r, { category: 'repeat_failure', detector: 'human_retries' });
    expect(r.json.message).toMatch(
      /plan p1 was re-run by hand 2 times on the same failure \(limit 2\); a written hypothesis is required/,
    );
    expect(calls(l).maker).toBe(3);

    fillWhys(l.root, id);
    const blind = resolve(l.root, id);
    expect(blind.code).toBe(2);
    expect(blind.stderr).toMatch(/--hypothesis is required/);
    expect(resolve(l.root, id, ['--hypothesis', 'TBD']).code).toBe(2);
    const ok = resolve(l.root, id, [
      '--hypothesis',
      'The maker exports "b" because the chunk never says the exact string; the next attempt states it.',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(incidentFile(l.root, id), 'utf8')).toContain('**Hypothesis for the next attempt:**');
    expect(status(l.root).andon.line.state).toBe('running');
    // With the hypothesis written, the next run goes ahead (and this time the maker gets it right).
    expectDone(l, run(l.root, l.planId));
    expect(calls(l).maker).toBe(4);
  }, 90_000);
});

describe('manual stop (end to end)', () => {
  // The merge runs the checks on the merged tree (the merge queue's step) as well.
  it('andon pull stops the line: run and merge refuse naming the incident; resolve restarts it', {
    timeout: 90_000,
  }, () => {
    const l = line({ script: { maker: [[A]], checker: [[approve()]], goal: [[met()]] } });
    expectDone(l, run(l.root, l.planId));

    const pulled = runCli(l.root, [
      'andon',
      'pull',
      '--reason',
      'a customer reported a regression',
      '--json',
    ]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const id = JSON.parse(pulled.stdout).incident as string;
    expect(status(l.root).andon.line).toMatchObject({ state: 'stopped', incident: id });
    expect(frontmatterOf(incidentFile(l.root, id))).toMatchObject({ detector: 'manual', severity: 'red' });

    const runOther = runCli(l.root, ['run', 'other']);
    expect(runOther.code).toBe(1);
    expect(runOther.stderr).toContain(`the line is stopped by incident ${id}`);
    const merge = runCli(l.root, ['merge', l.planId]);
    expect(merge.code).toBe(1);
    expect(merge.stderr).toContain(`the line is stopped by incident ${id}`);
    expect(git(l.root, 'rev-parse', 'main')).toBe(l.mainBefore);

    fillWhys(l.root, id);
    const ok = resolve(l.root, id);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('The line is running again.');
    const merged = runCli(l.root, ['merge', l.planId]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(readFileSync(join(l.root, 'src', 'a.js'), 'utf8')).toBe('module.exports = "a";\n');
  });
});
