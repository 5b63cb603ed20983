import { afterEach, describe, expect, it } from 'vitest';
import { readLine } from '../../src/andon/line.js';
import { planStatus, sleep, waitFor } from '../daemon/daemon-process.js';
import { write } from '../support/line.js';
import { type Cluster, reported, startCluster } from './cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

// Built here so no scanner takes this test for a leak.
const KEY = ['AKIA', 'ZQ3K7W2M9T4B6X1R'].join('');

describe('one line for every worker', () => {
  it('a red line on one worker stops the other at its next step', { timeout: 240_000 }, async () => {
    const c = await startCluster({
      plans: { p1: 1, p2: 3 },
      maker: [
        // p1 leaks a key (the secrets breaker: red); p2 works slowly, chunk after chunk.
        {
          sh: `[ "{plan}" != p1 ] || { mkdir -p src && printf 'module.exports = "${KEY}";\\n' > src/leak.js; }`,
        },
        { sh: `[ "{plan}" != p2 ] || sleep 2` },
        write('src/{plan}-{chunk}.js', 'module.exports = "{plan}";\n'),
      ],
    });
    cluster = c;
    const d = await c.startDaemon();
    const w1 = await c.startWorker('w1');
    const w2 = await c.startWorker('w2');
    c.approve(['p2']);
    await d.waitForLog(/plan p2 starts on worker/);
    c.approve(['p1']);
    const logs = () => [d.stderr(), w1.stderr(), w2.stderr()].join('\n----\n');
    await waitFor(() => readLine(c.root).state === 'stopped', 120_000, "the daemon's line to stop", logs);
    const line = readLine(c.root);
    expect(line.category).toBe('secret_leak');
    expect(line.incident).toMatch(/-secrets$/);
    // p2 stops at its next step boundary: drained, checkpointed, not done.
    const holder = d
      .messages()
      .find((m) => /plan p2 starts on worker/.test(m))!
      .match(/worker (w\d)/)![1]!;
    const p2Worker = c.workers.get(holder)!.proc;
    await p2Worker.waitForLog(/plan p2: the line is stopped \(incident /, 60_000);
    await d.waitForLog(/plan p2 on worker w\d: the line is stopped/, 60_000);
    const stoppedAt = reported(c.root, 'p2')!;
    expect(stoppedAt.chunk).toBeLessThan(3);
    await sleep(4000);
    expect(reported(c.root, 'p2')!.chunk).toBe(stoppedAt.chunk);
    expect(planStatus(c.root, 'p2')).toBe('approved');
    // The worker that stopped handed the stop to the daemon and runs again itself.
    const other = holder === 'w1' ? 'w2' : 'w1';
    expect(readLine(`${c.root}-${other}`).state).toBe('running');
  });
});
