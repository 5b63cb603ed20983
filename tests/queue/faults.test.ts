import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readLine } from '../../src/andon/line.js';
import { alive, planState, waitFor } from '../daemon/daemon-process.js';
import { write } from '../support/line.js';
import { git } from '../support/repo.js';
import { type Cluster, reported, startCluster } from './cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stopAll();
  cluster = undefined;
});

const MAKE = write('src/{plan}-{chunk}.js', 'module.exports = "{plan}";\n');
const logsOf = (c: Cluster) => () =>
  [c.daemon?.stderr() ?? '', ...[...c.workers.values()].map((w) => w.proc.stderr())].join('\n----\n');
const holderOf = (c: Cluster, id: string) =>
  [...c.daemon!.messages()]
    .reverse()
    .find((m) => new RegExp(`plan ${id} (starts|resumes) on worker`).test(m))!
    .match(/worker (w\d)/)![1]!;
/** The chunk commits on the shared remote's plan branch, oldest first. */
const chunkCommits = (c: Cluster, id: string) =>
  git(c.remote, 'log', '--reverse', '--format=%s', `jidoka/${id}`)
    .split('\n')
    .filter((s) => /chunk \d/.test(s));

describe('faults on the workers', () => {
  it('kill -9 of a worker mid-plan: the plan finishes on the other, from its checkpoint, attempt kept, nothing committed twice', {
    timeout: 240_000,
  }, async () => {
    // Each maker step that ends reports $0.10; the one killed mid-sleep never does.
    const c = await startCluster({
      plans: { p1: 3 },
      maker: [{ sleep: 2500 }, MAKE, { report: { usage: { costUsd: 0.1 } } }],
    });
    cluster = c;
    const d = await c.startDaemon();
    await c.startWorker('w1');
    await c.startWorker('w2');
    c.approve(['p1']);
    await waitFor(() => (reported(c.root, 'p1')?.chunk ?? 0) >= 2, 120_000, 'p1 at chunk 2', logsOf(c));
    const first = holderOf(c, 'p1');
    const pid = c.workers.get(first)!.proc.pid;
    await c.killWorker(first); // mid-step: its chunk-2 maker sleeps
    expect(alive(pid)).toBe(false);
    await waitFor(
      () => typeof planState(c.root, 'p1')?.mergedAt === 'string',
      150_000,
      'p1 merged',
      logsOf(c),
    );
    const second = first === 'w1' ? 'w2' : 'w1';
    const said = d.messages().join('\n');
    expect(said).toMatch(/plan p1 stalled: its worker stopped answering/);
    expect(said).toMatch(new RegExp(`plan p1 resumes on worker ${second} at chunk 2, attempt 1`));
    expect(chunkCommits(c, 'p1')).toEqual([
      expect.stringMatching(/p1.*chunk 1/),
      expect.stringMatching(/p1.*chunk 2/),
      expect.stringMatching(/p1.*chunk 3/),
    ]);
    // Every chunk accepted at attempt 1: the lost step was retried as the same attempt, not counted again.
    const attempts = (
      planState(c.root, 'p1')!.attempts as {
        chunk: number;
        attempt: number;
        outcome: string;
        goal?: boolean;
      }[]
    ).filter((a) => !a.goal);
    expect(attempts.map((a) => [a.chunk, a.attempt, a.outcome])).toEqual([
      [1, 1, 'accepted'],
      [2, 1, 'accepted'],
      [3, 1, 'accepted'],
    ]);
    // The lost run never reported its end: the next run's end books everything spent since, once.
    expect(planState(c.root, 'p1')!.spend.usd).toBeCloseTo(0.3);
    const ledger = readFileSync(join(c.root, '.jidoka', 'ledger.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { costUsd?: number });
    expect(ledger.reduce((sum, e) => sum + (e.costUsd ?? 0), 0)).toBeCloseTo(0.3);
  });

  it('a plan that stalls twice stops the line (red, env_tooling), not retried silently', {
    timeout: 240_000,
  }, async () => {
    const c = await startCluster({ plans: { p1: 1 }, maker: [{ sleep: 60_000 }, MAKE] });
    cluster = c;
    const d = await c.startDaemon();
    await c.startWorker('w1');
    await c.startWorker('w2');
    c.approve(['p1']);
    await d.waitForLog(/plan p1 starts on worker/);
    const first = holderOf(c, 'p1');
    await c.killWorker(first);
    const taken = () => d.messages().filter((m) => /plan p1 (starts|resumes) on worker/.test(m)).length;
    await waitFor(() => taken() === 2, 60_000, 'p1 taken by the other worker', logsOf(c));
    const second = holderOf(c, 'p1');
    expect(second).not.toBe(first);
    // A third machine comes up, and the second is lost too.
    await c.startWorker('w3');
    await c.killWorker(second);
    await waitFor(() => readLine(c.root).state === 'stopped', 90_000, 'the line to stop', logsOf(c));
    const line = readLine(c.root);
    expect(line.category).toBe('env_tooling');
    expect(line.incident).toMatch(/-worker_stalled$/);
    expect(line.reason).toMatch(/plan p1 stalled twice/);
    // Nobody runs it again while the line is stopped.
    expect(taken()).toBe(2);
  });

  it('Redis restarted (empty) mid-run: nothing is lost, the plan reaches done', {
    timeout: 240_000,
  }, async () => {
    const c = await startCluster({ plans: { p1: 3 }, maker: [{ sleep: 2000 }, MAKE] });
    cluster = c;
    const d = await c.startDaemon();
    await c.startWorker('w1');
    await c.startWorker('w2');
    c.approve(['p1']);
    await waitFor(() => (reported(c.root, 'p1')?.chunk ?? 0) >= 2, 120_000, 'p1 at chunk 2', logsOf(c));
    await c.redis.stop();
    await d.waitForLog(/the queue's Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/, 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    await c.redis.restart();
    await d.waitForLog(/the queue's Redis at .* is reachable again/, 60_000);
    await waitFor(
      () => typeof planState(c.root, 'p1')?.mergedAt === 'string',
      180_000,
      'p1 merged',
      logsOf(c),
    );
    expect(chunkCommits(c, 'p1')).toHaveLength(3);
    expect(readLine(c.root).state).toBe('running');
  });
});
