import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planState, planStatus, waitFor } from '../daemon/daemon-process.js';
import { write } from '../support/line.js';
import { git } from '../support/repo.js';
import { type Cluster, startCluster } from './cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

const MAKE = write('src/{plan}-{chunk}.js', 'module.exports = "{plan}";\n');

describe('plans over two workers (BullMQ on a real redis-server)', () => {
  it('spreads two plans over two workers; both reach done, their branches pushed, and main through the merge queue', {
    timeout: 240_000,
  }, async () => {
    const c = await startCluster({ plans: { p1: 2, p2: 2 }, maker: [{ sleep: 1500 }, MAKE] });
    cluster = c;
    const d = await c.startDaemon();
    await c.startWorker('w1');
    await c.startWorker('w2');
    c.approve(['p1', 'p2']);
    await waitFor(
      () => ['p1', 'p2'].every((id) => typeof planState(c.root, id)?.mergedAt === 'string'),
      200_000,
      'both plans merged',
      () => [d.stderr(), ...[...c.workers.values()].map((w) => w.proc.stderr())].join('\n----\n'),
    );
    for (const id of ['p1', 'p2']) {
      expect(planStatus(c.root, id)).toBe('done');
      const pushed = git(c.remote, 'log', '--format=%s', `jidoka/${id}`);
      expect(pushed).toMatch(new RegExp(`${id}.*chunk 1`));
      expect(pushed).toMatch(new RegExp(`${id}.*chunk 2`));
    }
    // One plan on each worker: each clone ran one plan's runs, not the other's.
    const on = (id: string) => ['w1', 'w2'].filter((w) => c.runsOn(w, id).length > 0);
    expect(on('p1')).toHaveLength(1);
    expect(on('p2')).toHaveLength(1);
    expect(on('p1')[0]).not.toBe(on('p2')[0]);
    // The daemon ran no plan itself: no plan run records in its repository, every start on a worker
    const runs = join(c.root, '.jidoka/runs');
    // (the merge queue's own check runs are the daemon's, named merge-<plan>)
    expect((existsSync(runs) ? readdirSync(runs) : []).filter((r) => !r.includes('-merge-'))).toEqual([]);
    for (const id of ['p1', 'p2'])
      expect(d.messages().some((m) => new RegExp(`plan ${id} starts on worker w[12]`).test(m))).toBe(true);
  });
});
