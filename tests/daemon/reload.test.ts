import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { recordApproval } from '../../src/plans/approval.js';
import { setPlanStatus } from '../../src/plans/store.js';
import { approve, met, setupLine, write } from '../support/line.js';
import {
  alive,
  type DaemonProcess,
  killDaemon,
  oneChunkPlan,
  planState,
  planStatus,
  spawnDaemon,
  waitFor,
} from './daemon-process.js';

let daemon: DaemonProcess | undefined;
afterEach(async () => {
  await killDaemon(daemon);
  daemon = undefined;
});

const PASS = 'node -e "process.exit(0)"';

/** The configured checks (named v1/v2/v3-check) the accepted attempt of a plan ran; the plan's goal check aside. */
function checksRun(root: string, id: string): string[] {
  const attempts = planState(root, id)!.attempts as { outcome: string; checks: { name: string }[] }[];
  return attempts
    .find((a) => a.outcome === 'accepted')!
    .checks.map((c) => c.name)
    .filter((n) => /^v\d-check$/.test(n));
}

/**
 * Approve a new plan as `jidoka plan approve` does (record, then status), in
 * process: the CLI itself refuses to work while jidoka.yaml is broken.
 */
async function approveAndFinish(d: DaemonProcess, root: string, id: string, module: string) {
  const file = join(root, 'plans', `${id}.md`);
  writeFileSync(file, oneChunkPlan(id, 'proposed', module));
  recordApproval(root, id, file, 'Test User');
  setPlanStatus(file, 'approved');
  await waitFor(() => planStatus(root, id) === 'done', 90_000, `plan ${id} to be done`, d.stderr);
}

describe('daemon configuration reload', () => {
  it('SIGHUP picks up a valid jidoka.yaml, and refuses a broken one with the reason, keeping the old config', {
    timeout: 150_000,
  }, async () => {
    const { root } = setupLine({
      script: {
        maker: [
          [write('src/a.js', 'module.exports = "a";\n')],
          [write('src/b.js', 'module.exports = "b";\n')],
        ],
        checker: [[approve()]],
        goal: [[met()]],
      },
      checks: [{ run: PASS, name: 'v1-check' }],
    });
    const file = join(root, 'jidoka.yaml');
    const original = parse(readFileSync(file, 'utf8'));
    daemon = spawnDaemon(root);
    await daemon.waitForLog(/^daemon: watching /);

    writeFileSync(file, stringify({ ...original, checks: [{ run: PASS, name: 'v2-check' }] }));
    await daemon.waitForLog(/^daemon: configuration reloaded \(jidoka.yaml changed\)$/);
    daemon.child.kill('SIGHUP');
    await daemon.waitForLog(/^daemon: configuration reloaded \(SIGHUP\)$/);
    await approveAndFinish(daemon, root, 'p1', 'a');
    expect(checksRun(root, 'p1')).toEqual(['v2-check']);

    // A broken file: the reason names file, line and key; the daemon keeps running on the last good config.
    const broken = stringify({
      ...original,
      checks: [{ run: PASS, name: 'v3-check' }],
      limits: { ...original.limits, maxAttempts: 'lots' },
    });
    writeFileSync(file, broken);
    const line = broken.split('\n').findIndex((l) => l.includes('maxAttempts')) + 1;
    daemon.child.kill('SIGHUP');
    const refused = await daemon.waitForLog(/^daemon: jidoka.yaml not reloaded \(SIGHUP\)/);
    expect(refused).toContain('keeping the running configuration');
    expect(refused).toContain(`jidoka.yaml:${line}: limits.maxAttempts`);
    expect(alive(daemon.pid)).toBe(true);
    await approveAndFinish(daemon, root, 'p2', 'b');
    expect(checksRun(root, 'p2')).toEqual(['v2-check']);

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
