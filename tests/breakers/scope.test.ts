import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { CLI, runCli } from '../support/repo.js';
import {
  alive,
  childPid,
  expectDone,
  expectRedStop,
  fillWhys,
  line,
  resolve,
  run,
  SPAWN_CHILD,
  showAt,
  status,
  worktree,
} from './harness.js';

const A = write('src/a.js', 'module.exports = "a";\n');
/** Run from the maker's cwd (the worktree): the line as `jidoka status` shows it while the maker works. */
const STATUS_DURING_MAKER = {
  sh: `"${process.execPath}" "${CLI}" -C ../../.. status --json > "{scriptDir}/status-seen.json"`,
};

function lineHistory(root: string): { state: string; reason?: string }[] {
  const file = join(root, '.jidoka', 'state', 'line.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')).history ?? []) : [];
}

describe('breaker: scope fence (end to end)', () => {
  it('one file outside the scope blocks the chunk with a yellow line; the next attempt fixes it and the plan finishes', () => {
    const l = line({
      script: {
        maker: [
          [A, write('docs/notes.md', 'out of scope\n'), SPAWN_CHILD],
          [STATUS_DURING_MAKER, { delete: 'docs' }, A],
        ],
        checker: [[approve('a ok')]],
        goal: [[met('a loads')]],
      },
    });
    const r = run(l.root, l.planId);
    expectDone(l, r);
    expect(alive(childPid(l))).toBe(false);
    // While the second attempt ran, the line was yellow with the scope warning.
    const seen = JSON.parse(readFileSync(join(dirname(l.scriptFile), 'status-seen.json'), 'utf8'));
    expect(seen.andon.line.state).toBe('yellow');
    expect(seen.andon.line.yellow.reason).toMatch(/1 file changed outside the plan's scope: docs\/notes\.md/);
    // ...and it cleared itself once that attempt was clean.
    const states = lineHistory(l.root).map((e) => e.state);
    expect(states).toEqual(['yellow', 'running']);
    const review = JSON.parse(runCli(l.root, ['review', l.planId, '--json']).stdout);
    expect(review.chunks[0].attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      'blocked',
      'accepted',
    ]);
    expect(showAt(l.root, `jidoka/${l.planId}`, 'docs/notes.md')).toBeUndefined();
  });

  it('five files outside the scope roll the chunk back (work kept under refs/andon/<id>) and stop the line red', () => {
    const outside = [1, 2, 3, 4, 5].map((n) => write(`docs/page-${n}.md`, `page ${n}\n`));
    const l = line({
      script: {
        maker: [
          [A, ...outside, SPAWN_CHILD],
          [STATUS_DURING_MAKER, { sh: 'cp "$JIDOKA_PROMPT_FILE" "{scriptDir}/prompt-seen.md"' }, A],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, { category: 'scope_creep', detector: 'scope' });
    expect(r.json.message).toMatch(
      /5 files changed outside the plan's scope \(5 or more: the chunk is rolled back\)/,
    );
    expect(alive(childPid(l))).toBe(false);
    // Everything the maker wrote is in the preserved commit...
    expect(showAt(l.root, `refs/andon/${id}`, 'docs/page-5.md')).toBe('page 5');
    expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toBe('module.exports = "a";');
    // ...and the worktree is back at the chunk's start.
    expect(existsSync(join(worktree(l), 'docs'))).toBe(false);
    expect(existsSync(join(worktree(l), 'src', 'a.js'))).toBe(false);

    // Resolving needs real answers; an L3 countermeasure becomes a standard in every later prompt.
    const placeholder = runCli(l.root, [
      'andon',
      'resolve',
      id,
      '--root-cause',
      'TBD',
      '--countermeasure',
      'TODO',
      '--level',
      'L3',
    ]);
    expect(placeholder.code).toBe(2);
    expect(placeholder.stderr).toMatch(/--root-cause is not a real answer/);
    expect(resolve(l.root, id, [], 'L3').stderr).toMatch(/the Five Whys of .* are not filled in/);
    fillWhys(l.root, id);
    const ok = resolve(l.root, id, [], 'L3');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('The line is running again.');
    const standard = 'State the scope in the chunk text and check it before finishing.';
    const context = readFileSync(join(l.root, 'agents', 'CONTEXT.md'), 'utf8');
    expect(context).toMatch(new RegExp(`## Standards[\\s\\S]*${standard}[^\\n]*${id}`));
    expect(runCli(l.root, ['prompt', 'maker', l.planId]).stdout).toContain(standard);

    // The re-run (a human retry) sends the standard to the maker and finishes.
    const again = run(l.root, l.planId);
    expectDone(l, again);
    expect(status(l.root).andon.line.state).toBe('running');
    const seen = JSON.parse(readFileSync(join(dirname(l.scriptFile), 'status-seen.json'), 'utf8'));
    expect(seen.andon.line.state).toBe('running');
    expect(readFileSync(join(dirname(l.scriptFile), 'prompt-seen.md'), 'utf8')).toContain(standard);
  }, 90_000);

  it('does not trip on a maker that stays inside the scope (source and tests)', () => {
    const l = line({
      script: {
        maker: [[A, write('tests/a.test.js', 'require("../src/a.js");\n'), SPAWN_CHILD]],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    expect(alive(childPid(l))).toBe(false);
    expect(lineHistory(l.root)).toEqual([]);
  });
});
