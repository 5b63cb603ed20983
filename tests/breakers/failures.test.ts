import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, reject, write } from '../support/line.js';
import {
  alive,
  calls,
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

const CHECKS = [`node -e "process.exit(require('./src/a.js') === 'a' ? 0 : 1)"`];
const WRONG = write('src/a.js', 'module.exports = "b";\n');
const A = write('src/a.js', 'module.exports = "a";\n');

describe('breaker: repeat failure (end to end)', () => {
  it('the same failing check three times stops the line red before the attempt limits do', () => {
    const l = line({
      checks: CHECKS,
      limits: { repeatFailure: 3, consecutiveFailures: 6, maxAttempts: 6 },
      script: { maker: [[WRONG, SPAWN_CHILD]], checker: [[approve()]], goal: [[met()]] },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, { category: 'repeat_failure', detector: 'repeat_failure' });
    expect(r.json.message).toMatch(/the same failure happened 3 times \(limit 3\)/);
    expect(calls(l)).toEqual({ maker: 3 });
    expect(alive(childPid(l))).toBe(false);
    expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toBe('module.exports = "b";');
    // A stop, not a failed plan: it stays active and resumes once a human resolves the incident.
    expect(frontmatterOf(join(l.root, 'plans', `${l.planId}.md`)).status).toBe('active');
  });

  it('does not trip when the same failure happens twice and the third attempt fixes it', () => {
    const l = line({
      checks: CHECKS,
      limits: { repeatFailure: 3, consecutiveFailures: 6, maxAttempts: 6 },
      script: { maker: [[WRONG], [WRONG], [A]], checker: [[approve()]], goal: [[met()]] },
    });
    expectDone(l, run(l.root, l.planId));
    expect(calls(l).maker).toBe(3);
  });
});

const REVISED = `---
id: whatever
title: Add module a in two smaller steps
status: approved
risk: low
skill: tdd
scope:
  - src/**
goal:
  statement: module a exists
  checks:
    - node -e "require('./src/a.js')"
created: 2026-11-22
---
## Context

The first plan was rejected three times: the checker wanted lowercase "a".

## Chunk 1: Export a

Create src/a.js exporting exactly "a".
`;

describe('breaker: consecutive failures, Meta-Andon (end to end)', () => {
  it('three failed attempts in a row fail the plan, stop the line, and the diagnose agent proposes a revised plan', () => {
    // The diagnose agent writes its revised plan only when asked to re-plan (JIDOKA_PLANS_DIR set);
    // asked to draft the whys of a stop, it writes three of them to its report file.
    const why = { hypothesis: 'h', verification: 'checked the checker reports', conclusion: 'c' };
    const l = line({
      roles: ['maker', 'checker', 'goal', 'diagnose'],
      files: { 'revised-plan.txt': REVISED },
      script: {
        maker: [[write('src/a.js', 'module.exports = "A{call}";\n'), SPAWN_CHILD]],
        // Three different reasons, so the repeat-failure breaker (also 3) stays out of it.
        checker: [
          [reject('a.js must export lowercase "a"')],
          [reject('the export is not the module name')],
          [reject('no test covers the export')],
        ],
        goal: [[met()]],
        diagnose: [
          [
            { sh: '[ -z "$JIDOKA_PLANS_DIR" ] || cp revised-plan.txt "$JIDOKA_PLANS_DIR/revised.md"' },
            { report: { whys: [why, why, why] } },
          ],
        ],
      },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, {
      category: 'repeat_failure',
      detector: 'consecutive_failures',
      outcome: 'failed',
    });
    expect(r.json.message).toMatch(/plan p1 failed: 3 failed attempts in a row on this plan \(limit 3\)/);
    expect(calls(l)).toMatchObject({ maker: 3, checker: 3 });
    expect(alive(childPid(l))).toBe(false);
    expect(frontmatterOf(join(l.root, 'plans', 'p1.md')).status).toBe('failed');
    expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toBe('module.exports = "A3";');
    // Meta-Andon: one revised plan, filed as proposed (whatever the agent wrote), linked to the incident.
    const revised = frontmatterOf(join(l.root, 'plans', 'p1-r2.md'));
    expect(revised).toMatchObject({ id: 'p1-r2', status: 'proposed', supersedes: 'p1', incident: id });
    expect(readFileSync(incidentFile(l.root, id), 'utf8')).toMatch(
      /Meta-Andon: revised plan \[p1-r2\]\(\.\.\/\.\.\/\.\.\/plans\/p1-r2\.md\) proposed by the diagnose agent/,
    );
  });

  it('does not trip on two rejections followed by an approval', () => {
    const l = line({
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "A";\n')],
          [write('src/a.js', 'module.exports = "AA";\n')],
          [A],
        ],
        checker: [[reject('lowercase please')], [reject('still not lowercase')], [approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
  });
});
