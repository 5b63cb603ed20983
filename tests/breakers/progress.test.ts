import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approve, met, write } from '../support/line.js';
import { alive, childPid, expectDone, expectRedStop, line, run, SPAWN_CHILD, showAt } from './harness.js';

const A = write('src/a.js', 'module.exports = "a";\n');

interface StepResult {
  role: string;
  durationMs: number;
  aborted: boolean;
  timedOut: boolean;
}

/** The maker steps' result.json files from the run record (these tests have one maker step). */
function makerResults(root: string): StepResult[] {
  return readdirSync(join(root, '.jidoka', 'runs'), { recursive: true, withFileTypes: true })
    .filter((e) => e.name === 'result.json')
    .map((e) => JSON.parse(readFileSync(join(e.parentPath, e.name), 'utf8')) as StepResult)
    .filter((r) => r.role === 'maker');
}

describe('breaker: no progress (end to end)', () => {
  it('a maker that goes silent (and its child) is killed within seconds: red, its work kept under the ref', () => {
    const l = line({
      limits: { noProgress: '2s' },
      script: {
        maker: [[write('src/a.js', 'partial\n'), SPAWN_CHILD, { stdout: 'thinking...\n' }, { hang: true }]],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, { category: 'no_progress', detector: 'no_progress' });
    expect(r.json.message).toMatch(
      /the maker made no progress for \d+s .*limit 2s\); its process group was killed/,
    );
    const [maker] = makerResults(l.root);
    expect(maker?.aborted).toBe(true);
    // 2 s of silence plus the SIGTERM grace, with room for a loaded machine.
    expect(maker?.durationMs).toBeGreaterThanOrEqual(2000);
    expect(maker?.durationMs).toBeLessThan(2000 + 10_000);
    expect(alive(childPid(l))).toBe(false);
    expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toBe('partial');
  });

  it('does not trip on a slow maker that keeps printing, then keeps writing files silently', () => {
    const l = line({
      limits: { noProgress: '2s' },
      script: {
        maker: [
          [
            { printFor: 3000, every: 300 },
            { touchFor: 3000, every: 300, path: 'src/progress.txt' },
            SPAWN_CHILD,
            A,
          ],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    expectDone(l, run(l.root, l.planId));
    expect(makerResults(l.root)[0]?.durationMs).toBeGreaterThanOrEqual(6000);
    expect(alive(childPid(l))).toBe(false);
  });
});

describe('breaker: agent wall-clock (end to end)', () => {
  it('a maker that runs past agentTimeout (printing all along) is killed: red incident, category hang', () => {
    const l = line({
      limits: { agentTimeout: '3s' },
      script: {
        maker: [[write('src/a.js', 'half done\n'), SPAWN_CHILD, { hangPrinting: 200 }]],
        checker: [[approve()]],
        goal: [[met()]],
      },
    });
    const r = run(l.root, l.planId);
    const id = expectRedStop(l, r, { category: 'hang', detector: 'timeout' });
    expect(r.json.message).toMatch(
      /the maker step ran \d+s, over the 3s limit; its process group was killed/,
    );
    const [maker] = makerResults(l.root);
    expect(maker?.timedOut).toBe(true);
    expect(maker?.durationMs).toBeGreaterThanOrEqual(3000);
    expect(maker?.durationMs).toBeLessThan(3000 + 10_000);
    expect(alive(childPid(l))).toBe(false);
    expect(showAt(l.root, `refs/andon/${id}`, 'src/a.js')).toBe('half done');
  });

  it('does not trip on a maker that finishes inside agentTimeout', () => {
    const l = line({
      limits: { agentTimeout: '3s' },
      script: { maker: [[{ printFor: 800, every: 200 }, A]], checker: [[approve()]], goal: [[met()]] },
    });
    expectDone(l, run(l.root, l.planId));
  });
});
